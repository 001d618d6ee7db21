from django.conf import settings
from django.db import transaction
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from .cache import bump_content_version


class GermanFirstLocaleMiddleware(LocaleMiddleware):
    """German unless the visitor chose another language with the language switch.

    Django's LocaleMiddleware would follow the browser's Accept-Language; a German city's portal
    speaks German first and offers English on request (the choice is kept in a cookie).
    """

    def process_request(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class AtomicWritesMiddleware:
    """Run every write request in one transaction; reads go without BEGIN/COMMIT.

    Django's ATOMIC_REQUESTS would wrap reads too (two extra round trips on every page).
    Third-party views (allauth's sign-up, for one) write several rows without a transaction of
    their own; here a failure (5xx) rolls all of them back, and e-mails queued with
    `transaction.on_commit` are never sent. A successful write makes cached pages stale.
    """

    SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in self.SAFE_METHODS:
            return self.get_response(request)
        with transaction.atomic():
            response = self.get_response(request)
            if response.status_code >= 500:
                transaction.set_rollback(True)
            elif response.status_code < 400 and request.user.is_authenticated:
                # Public pages may show what changed: cached copies become stale after commit.
                # Public content comes only from signed-in people (citizens, staff); anonymous
                # posts (language, failed logins) must not empty everybody's cache.
                transaction.on_commit(bump_content_version)
            return response
