from celery.schedules import crontab
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdeasConfig(AppConfig):
    name = "ideas"
    verbose_name = _("Strategie und Projektvorschläge")

    def ready(self) -> None:
        from lohmar_portal.celery import app
        from lohmar_portal.sections import register_home_section

        from . import selectors

        register_home_section(
            order=10,
            template_name="ideas/components/home_strategy.html",
            context=lambda request: {"vision": selectors.current_vision()},
        )
        register_home_section(
            order=20,
            template_name="ideas/components/home_participation.html",
            context=lambda request: {
                "open_processes": selectors.open_processes_for_submission(),
                "latest": selectors.proposals_for_listing(selectors.ProposalFilters())[:3],
            },
        )
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
