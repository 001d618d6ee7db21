"""Site-wide pages: home, health, the account's profile."""

from allauth.account import views as allauth_views
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from . import services
from .cache import cache_public_page
from .forms import ProfileForm
from .health import service_states
from .models import User
from .sections import home_sections, render_sections


@cache_public_page
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request, "lohmar_portal/home.html", {"sections": render_sections(home_sections, request)}
    )


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 with each service's state when all answer, 503 when one does not."""
    states = service_states()
    healthy = all(state["ok"] for state in states.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "services": states},
        status=200 if healthy else 503,
    )


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """Mein Bürgerkonto: profile and the links to the account's settings."""
    # A fresh copy: a rejected form must not change the user shown in the page's frame.
    form = ProfileForm(request.POST or None, instance=User.objects.get(pk=request.user.pk))
    if request.method == "POST" and form.is_valid():
        services.update_profile(actor=request.user, user=request.user, **form.cleaned_data)
        messages.success(request, _("Ihr Profil wurde gespeichert."))
        return redirect("account")
    status = 400 if request.method == "POST" else 200
    return render(request, "lohmar_portal/account.html", {"form": form}, status=status)


class ConfirmEmailView(allauth_views.ConfirmEmailView):
    """allauth's confirmation page, answering an unknown or expired link with 404, not 200."""

    def get(self, *args, **kwargs):
        response = super().get(*args, **kwargs)
        if self.object is None:
            response.status_code = 404
        return response


def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the language by a plain link (`?language=en&next=/…`) and return to the page.

    A link, not a form: pages stay free of CSRF tokens, so anonymous pages can be cached. The
    choice is a harmless preference in a cookie, and `next` never leads off the site.
    """
    language = request.GET.get("language") or request.POST.get("language")
    next_url = request.GET.get("next") or request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = redirect(next_url)
    if language in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response
