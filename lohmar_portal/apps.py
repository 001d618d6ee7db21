from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    default = True
    name = "lohmar_portal"
    verbose_name = _("Bürgerportal")


class PortalAdminConfig(admin_apps.AdminConfig):
    default = False
    """Django admin behind allauth's login and MFA."""

    default_site = "lohmar_portal.admin_site.PortalAdminSite"
