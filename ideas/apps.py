from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdeasConfig(AppConfig):
    name = "ideas"
    verbose_name = _("Strategie und Projektvorschläge")

    def ready(self) -> None:
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
