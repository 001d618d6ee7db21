"""Where the domain apps show themselves on the core's pages, without the core importing them.

An app registers a section in its AppConfig.ready(); the home page (and later the account area)
renders the registered sections in order. Imports keep flowing one way: apps → core.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


@dataclass(frozen=True)
class Section:
    order: int
    template_name: str
    context: Callable[[HttpRequest], dict[str, Any]]
    shared: bool = False


home_sections: list[Section] = []


def register_home_section(*, order: int, template_name: str, context, shared: bool = False) -> None:
    """Show a part of an app on the home page.

    `shared=True` for a section that shows everybody the same (nothing about the visitor, no
    form with a CSRF token): it is rendered once per content version and language and cached,
    for logged-in visitors too, and its context is read only then.
    """
    home_sections.append(Section(order, template_name, context, shared))
    home_sections.sort(key=lambda section: section.order)


def render_sections(sections: list[Section], request: HttpRequest) -> list[tuple[str, dict]]:
    """Each section's template with its context, ready for `{% include %}`."""
    return [(section.template_name, section.context(request)) for section in sections]


def render_home_sections(request: HttpRequest) -> list[tuple[str, Any, bool]]:
    """(template, context, shared) of each home section; a shared one's context is lazy."""
    return [
        (
            section.template_name,
            SimpleLazyObject(partial(section.context, request))
            if section.shared
            else section.context(request),
            section.shared,
        )
        for section in home_sections
    ]


# --- The account area and the person's data (GDPR) ----------------------------------------------

account_sections: list[Section] = []


def register_account_section(*, order: int, template_name: str, context) -> None:
    """Show a part of an app on "Mein Bürgerkonto" (the person's proposals, reports, …).

    `context(request)` returns the template's context; the template is included with it.
    """
    account_sections.append(Section(order, template_name, context))
    account_sections.sort(key=lambda section: section.order)


@dataclass(frozen=True)
class PersonalData:
    """What an app holds about a person, for the data export and the account's deletion.

    `exporter(user)` returns JSON-able data (a dict or a list of dicts) of that person only.
    `anonymiser(user)` runs inside the deletion's transaction, before the core erases the
    account itself; it must keep public contributions and other people's content intact.
    """

    key: str
    title: str
    exporter: Callable[[Any], Any]
    anonymiser: Callable[[Any], None] | None = None


personal_data: dict[str, PersonalData] = {}


def register_personal_data(*, key: str, title, exporter, anonymiser=None) -> None:
    """Contribute an app's part of a person's data (export) and its deletion rule."""
    personal_data[key] = PersonalData(key, title, exporter, anonymiser)
