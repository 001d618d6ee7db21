"""The Mängelmelder's section on the home page: the newest reports and the way to the map.

`register()` is called once from `DefectsConfig.ready()`.
"""

from django.http import HttpRequest

from lohmar_portal.sections import register_home_section

from . import selectors

HOME_ORDER = 30


def home_context(request: HttpRequest) -> dict:
    """The newest public reports (read when the section renders) and where to report one."""
    from .views.public import report_create_url

    return {"latest": selectors.latest_reports(3), "create_url": report_create_url()}


def register() -> None:
    """Show the newest reports, the map and "Mangel melden" on the home page."""
    register_home_section(
        order=HOME_ORDER,
        template_name="defects/components/home_defects.html",
        context=home_context,
        shared=True,
    )
