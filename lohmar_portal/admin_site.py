"""The admin behind allauth: one login for everybody, and staff only with two factors."""

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import admin, messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _


class PortalAdminSite(admin.AdminSite):
    site_header = _("Bürgerportal Lohmar – Verwaltung")
    site_title = _("Bürgerportal Lohmar")
    index_title = _("Verwaltung")

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and is_mfa_enabled(request.user)

    def password_change(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        """Passwords change in the account area (allauth: rate limits, notification e-mail)."""
        return redirect("account_change_password")

    def password_change_done(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        return redirect("account_change_password")

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        """Everybody logs in through allauth (rate limits, MFA prompt); there is no second form."""
        next_url = request.GET.get("next") or request.path
        user = request.user
        if self.has_permission(request):
            return redirect("admin:index")
        if not user.is_authenticated:
            return redirect_to_login(next_url)
        if user.is_active and user.is_staff and not is_mfa_enabled(user):
            messages.warning(
                request,
                _(
                    "Für den Verwaltungsbereich ist die Zwei-Faktor-Authentifizierung "
                    "vorgeschrieben. Bitte richten Sie sie jetzt ein."
                ),
            )
            return redirect("mfa_activate_totp")
        messages.error(request, _("Ihr Konto hat keinen Zugang zum Verwaltungsbereich."))
        return redirect("home")
