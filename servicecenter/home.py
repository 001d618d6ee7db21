"""The service center's section on the home page: the FAQ search, the first life situations,
the contact form and the mobile office's schedule.

`register()` is called once from `ServicecenterConfig.ready()`.
"""

from django.http import HttpRequest

from lohmar_portal.sections import register_home_section

from . import knowledge

HOME_ORDER = 40
HOME_LIFE_SITUATIONS = 6


def home_context(request: HttpRequest) -> dict:
    """The first life situations with public answers (one query) and where to ask or go."""
    from .views.knowledge import contact_links

    return {
        "life_situations": knowledge.top_life_situations(HOME_LIFE_SITUATIONS),
        **contact_links(),
    }


def register() -> None:
    """Show "Service Center" on the home page."""
    register_home_section(
        order=HOME_ORDER,
        template_name="servicecenter/components/home_servicecenter.html",
        context=home_context,
        shared=True,
    )
