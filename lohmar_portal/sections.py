"""Where the domain apps show themselves on the core's pages, without the core importing them.

An app registers a section in its AppConfig.ready(); the home page (and later the account area)
renders the registered sections in order. Imports keep flowing one way: apps → core.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class Section:
    order: int
    template_name: str
    context: Callable[[HttpRequest], dict[str, Any]]


home_sections: list[Section] = []


def register_home_section(*, order: int, template_name: str, context) -> None:
    """Show a part of an app on the home page."""
    home_sections.append(Section(order, template_name, context))
    home_sections.sort(key=lambda section: section.order)


def render_sections(sections: list[Section], request: HttpRequest) -> list[tuple[str, dict]]:
    """Each section's template with its context, ready for `{% include %}`."""
    return [(section.template_name, section.context(request)) for section in sections]
