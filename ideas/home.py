"""The strategy's and the participation's sections on the home page.

Both show everybody the same: they are shared sections, rendered once per content version and
language, and read the database only then. `register()` is called once from
`IdeasConfig.ready()`.
"""

from django.http import HttpRequest

from lohmar_portal.sections import register_home_section

from . import selectors


def strategy_context(request: HttpRequest) -> dict:
    """The published vision with its pillars."""
    return {"vision": selectors.current_vision()}


def participation_context(request: HttpRequest) -> dict:
    """The processes taking proposals and the three newest proposals."""
    return {
        "open_processes": selectors.open_processes_for_submission(),
        "latest": selectors.proposals_for_listing(selectors.ProposalFilters())[:3],
    }


def register() -> None:
    register_home_section(
        order=10,
        template_name="ideas/components/home_strategy.html",
        context=strategy_context,
        shared=True,
    )
    register_home_section(
        order=20,
        template_name="ideas/components/home_participation.html",
        context=participation_context,
        shared=True,
    )
