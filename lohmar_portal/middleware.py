import logging
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.template import loader
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token

from .cache import bump_content_version

log = logging.getLogger(__name__)

# The database is away (restarting, unreachable, refusing connections) or lost the connection.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
# Seconds after which a client may try again; a restart of PostgreSQL takes a few.
RETRY_AFTER_SECONDS = 5


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
        try:
            with transaction.atomic():
                response = self.get_response(request)
                if response.status_code >= 500:
                    transaction.set_rollback(True)
                elif response.status_code < 400 and request.user.is_authenticated:
                    # Public pages may show what changed: cached copies become stale after
                    # commit. Public content comes only from signed-in people (citizens,
                    # staff); anonymous posts (language, failed logins) must not empty
                    # everybody's cache.
                    transaction.on_commit(bump_content_version)
                return response
        except DATABASE_UNAVAILABLE as error:
            # BEGIN or COMMIT failed: nothing was saved (or nothing is known to be), and the
            # visitor is told so instead of getting a page of success.
            if settings.DEBUG:
                raise
            return database_unavailable(request, error)


# --- The database away: 503 with Retry-After instead of a 500 ---------------------------------


def service_unavailable_response() -> HttpResponse:
    """The "back in a moment" page (templates/503.html), rendered without the database: no
    request context, so no context processor, session or user is looked at."""
    content = loader.render_to_string("503.html", {"city": settings.PORTAL_CITY_NAME})
    response = HttpResponse(content, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


def database_unavailable(request: HttpRequest, error: Exception) -> HttpResponse:
    log.warning(
        "Database unavailable, 503 for %s %s: %s: %s",
        request.method,
        request.path,
        type(error).__name__,
        str(error).strip().splitlines()[0] if str(error).strip() else "",
    )
    return service_unavailable_response()


class DatabaseUnavailableMiddleware:
    """A view that finds the database away answers 503 with Retry-After, at once.

    With `connect_timeout` a request fails fast while PostgreSQL restarts; Django drops the
    broken connection at the end of the request and the next one connects afresh, so the
    portal recovers by itself. Errors outside views (in other middleware, say) reach
    `server_error`, the handler500, which gives the same page for them. With DEBUG on, the
    developer sees the error page instead (a missing migration is an OperationalError too).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_UNAVAILABLE) and not settings.DEBUG:
            return database_unavailable(request, exception)
        return None


@requires_csrf_token
def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    """handler500: the 503 page when the error was the database being away, else the 500."""
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_UNAVAILABLE):
        return database_unavailable(request, error)
    return defaults.server_error(request, template_name)


def permissions_policy(get_response):
    """Browser features no page needs are off; geolocation only for the portal's own maps
    ("Meinen Standort verwenden")."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        response.setdefault("Permissions-Policy", settings.PORTAL_PERMISSIONS_POLICY)
        return response

    return middleware


def failed_login_lock(get_response):
    """A login refused because of too many failed attempts is a 429 with Retry-After.

    allauth answers it with the login (or code) form and its German error, status 200; the
    adapter marks such a request (`AccountAdapter.validation_error`). The form stays as it is.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if getattr(request, "login_locked", False) and response.status_code == 200:
            response.status_code = 429
            response["Retry-After"] = str(login_lock_seconds())
        return response

    return middleware


def method_not_allowed_page(get_response):
    """A 405 (a GET to an address that only takes a form, a POST to a page that only shows)
    gets a page in the visitor's language instead of Django's empty answer; the Allow header
    stays. Answers that carry a body of their own (the Open311 API's) are left as they are."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if response.status_code == 405 and not response.content:
            page = render(request, "405.html", status=405)
            if response.has_header("Allow"):
                page["Allow"] = response["Allow"]
            return page
        return response

    return middleware


def login_lock_seconds() -> int:
    """The longest window of allauth's "login_failed" rates: when the lock is surely over."""
    from allauth.core.internal.ratelimit import parse_rates

    rates = parse_rates(settings.ACCOUNT_RATE_LIMITS.get("login_failed"))
    return int(max((rate.duration for rate in rates), default=RETRY_AFTER_SECONDS))
