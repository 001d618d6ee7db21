"""The strategy's and the participation's sections on the home page.

Both are the same for every visitor: they are rendered once per content version and language
(`{% cache %}` in their templates) and read the database only then. `register()` is called once
from `IdeasConfig.ready()`.
"""

from django.http import HttpRequest
from django.utils.translation import get_language

from lohmar_portal.cache import content_version
from lohmar_portal.sections import register_home_section

from . import selectors


def _cache_key() -> dict:
    return {"version": content_version(), "language": get_language()}


def strategy_context(request: HttpRequest) -> dict:
    """The published vision with its pillars (read when the section renders)."""
    return {"vision": selectors.current_vision, **_cache_key()}


def participation_context(request: HttpRequest) -> dict:
    """The processes taking proposals and the newest proposals (read when the section renders)."""
    return {
        "open_processes": selectors.open_processes_for_submission,
        "latest": selectors.proposals_for_listing(selectors.ProposalFilters())[:3],
        **_cache_key(),
    }


def register() -> None:
    register_home_section(
        order=10,
        template_name="ideas/components/home_strategy.html",
        context=strategy_context,
    )
    register_home_section(
        order=20,
        template_name="ideas/components/home_participation.html",
        context=participation_context,
    )
