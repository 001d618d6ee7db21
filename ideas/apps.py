from celery.schedules import crontab
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdeasConfig(AppConfig):
    name = "ideas"
    verbose_name = _("Strategie und Projektvorschläge")

    def ready(self) -> None:
        from lohmar_portal.celery import app

        from . import home

        home.register()
        app.conf.beat_schedule.update(
            {
                # Dossier exports: housekeeping and the public open data (ideas/tasks.py).
                "ideas-requeue-stale-exports": {
                    "task": "ideas.tasks.requeue_stale_exports",
                    "schedule": 300.0,
                },
                "ideas-expire-exports": {
                    "task": "ideas.tasks.expire_exports",
                    "schedule": crontab(hour=3, minute=15),
                },
                "ideas-refresh-open-data": {
                    "task": "ideas.tasks.refresh_open_data",
                    "schedule": crontab(hour=2, minute=30),
                },
                "ideas-dossiers-after-phases": {
                    "task": "ideas.tasks.build_dossiers_after_phases",
                    "schedule": crontab(minute=5),
                },
            }
        )
