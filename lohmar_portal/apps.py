from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    default = True
    name = "lohmar_portal"
    verbose_name = _("Bürgerportal")

    def ready(self) -> None:
        from celery.schedules import crontab
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save

        from .backends import account_version
        from .cache import bump_version
        from .celery import app

        def account_changed(instance, **kwargs) -> None:
            bump_version(account_version(instance.pk))

        user_model = get_user_model()
        post_save.connect(account_changed, sender=user_model, weak=False, dispatch_uid="account")
        post_delete.connect(
            account_changed, sender=user_model, weak=False, dispatch_uid="account-deleted"
        )

        app.conf.beat_schedule.update(
            {
                "remove-unverified-accounts": {
                    "task": "lohmar_portal.tasks.remove_unverified_accounts",
                    "schedule": crontab(hour=3, minute=15),
                },
                "remove-expired-data-exports": {
                    "task": "lohmar_portal.tasks.remove_expired_exports",
                    "schedule": crontab(hour=3, minute=30),
                },
                # Tasks that waited for the broker (lohmar_portal/outbox.py); a run the workers
                # could not take within the minute is dropped, the next one does its work.
                "flush-outbox": {
                    "task": "lohmar_portal.tasks.flush_outbox",
                    "schedule": 60.0,
                    "options": {"expires": 55},
                },
            }
        )


class PortalAdminConfig(admin_apps.AdminConfig):
    default = False
    """Django admin behind allauth's login and MFA."""

    default_site = "lohmar_portal.admin_site.PortalAdminSite"
