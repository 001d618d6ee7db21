"""Site-wide pages: home, health, the account area (profile, data export, deletion), legal pages."""

from allauth.account import views as allauth_views
from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import ratelimit, services
from .cache import cache_public_page
from .forms import AccessibilityFeedbackForm, DeleteAccountForm, ProfileForm
from .health import service_states
from .models import LegalPage, User
from .sections import account_sections, render_home_sections, render_sections

HOUR = 3600


@require_safe
@cache_public_page
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "lohmar_portal/home.html", {"sections": render_home_sections(request)})


@require_safe
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
    context = {
        "form": form,
        "sections": render_sections(account_sections, request),
        "exports": services.data_exports(request.user),
        "trust_level": services.trust_level(request.user),
        "export_valid_days": settings.ACCOUNT_EXPORT_VALID_DAYS,
    }
    return render(request, "lohmar_portal/account.html", context, status=status)


@never_cache
@login_required
@reauthentication_required(allow_get=True)
def data_export(request: HttpRequest) -> HttpResponse:
    """Ask for an archive of one's data; confirmed with the password (or another factor)."""
    if request.method == "POST":
        services.request_data_export(actor=request.user, user=request.user)
        messages.success(
            request,
            _(
                "Ihre Daten werden zusammengestellt. Sie erhalten eine E-Mail, sobald der "
                "Download bereitsteht; er ist dann hier in Ihrem Konto verlinkt."
            ),
        )
        return redirect("account")
    return render(
        request,
        "lohmar_portal/account_data_export.html",
        {"export_valid_days": settings.ACCOUNT_EXPORT_VALID_DAYS},
    )


@require_safe
@never_cache
@login_required
def data_export_download(request: HttpRequest, name: str) -> HttpResponse:
    """The archive, for its owner only and only within its validity; others get 404."""
    try:
        file = services.open_data_export(user=request.user, name=name)
    except FileNotFoundError:
        raise Http404(_("Diesen Download gibt es nicht (mehr).")) from None
    except services.ExportExpired:
        return render(
            request,
            "lohmar_portal/account_data_export_expired.html",
            {"export_valid_days": settings.ACCOUNT_EXPORT_VALID_DAYS},
            status=410,
        )
    return FileResponse(
        file, as_attachment=True, filename="buergerportal-daten.zip", content_type="application/zip"
    )


@never_cache
@login_required
@reauthentication_required(allow_get=True)
def account_delete(request: HttpRequest) -> HttpResponse:
    """Delete one's account after confirming with the password (or another factor)."""
    form = DeleteAccountForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.delete_account(actor=request.user, user=request.user)
        logout(request)
        messages.success(
            request,
            _(
                "Ihr Bürgerkonto wurde gelöscht. Ihre persönlichen Daten sind entfernt; "
                "öffentliche Beiträge erscheinen unter „gelöschtes Konto“."
            ),
        )
        return redirect("home")
    status = 400 if request.method == "POST" else 200
    return render(request, "lohmar_portal/account_delete.html", {"form": form}, status=status)


def _legal_page(kind: str) -> LegalPage | None:
    """The published text staff entered in admin; None shows the built-in draft."""
    return LegalPage.objects.filter(kind=kind, is_published=True).first()


@require_safe
@cache_public_page
def privacy(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "lohmar_portal/legal_privacy.html",
        {
            "page": _legal_page(LegalPage.Kind.PRIVACY),
            "export_valid_days": settings.ACCOUNT_EXPORT_VALID_DAYS,
            "unverified_days": settings.ACCOUNT_UNVERIFIED_DELETE_DAYS,
            "bundid_enabled": bool(settings.SOCIALACCOUNT_PROVIDERS),
        },
    )


@require_safe
@cache_public_page
def imprint(request: HttpRequest) -> HttpResponse:
    return render(
        request, "lohmar_portal/legal_imprint.html", {"page": _legal_page(LegalPage.Kind.IMPRINT)}
    )


def feedback_per_hour() -> int:
    """How many barrier reports one person (account, else address) may send per hour."""
    return getattr(settings, "PORTAL_FEEDBACK_PER_HOUR", 5)


def accessibility(request: HttpRequest) -> HttpResponse:
    """The accessibility statement with its feedback form (BITV 2.0 § 7)."""
    form = AccessibilityFeedbackForm(request.POST if request.method == "POST" else None)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        key = f"feedback:{ratelimit.person_key(request)}"
        if ratelimit.hit(key, feedback_per_hour(), HOUR):
            services.send_accessibility_feedback(**form.cleaned_data)
            messages.success(
                request,
                _("Vielen Dank. Ihre Rückmeldung ist bei der Stadt eingegangen."),
            )
            return redirect("accessibility")
        # Each report is an e-mail to the city: nobody may flood its inbox through the form.
        form.add_error(
            None,
            _(
                "Von Ihrem Anschluss kamen in der letzten Stunde sehr viele Rückmeldungen. Bitte "
                "versuchen Sie es später noch einmal oder schreiben Sie uns eine E-Mail."
            ),
        )
        status = 429
    response = render(
        request,
        "lohmar_portal/legal_accessibility.html",
        {
            "form": form,
            "accessibility_email": settings.PORTAL_ACCESSIBILITY_EMAIL,
            "page": _legal_page(LegalPage.Kind.ACCESSIBILITY),
        },
        status=status,
    )
    if status == 429:
        response["Retry-After"] = str(ratelimit.retry_after(HOUR))
    return response


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
