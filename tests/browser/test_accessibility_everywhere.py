"""Accessibility everywhere (issue 8, item 2): every public, citizen and staff page, and every form
in its error state, in German and in English, with zero axe-core violations for WCAG 2.1 A/AA;
and journeys by keyboard alone that never trap the focus and always show it.

The pages come from the URL patterns (tests/browser/site_tour.py): a route that is neither
visited nor excluded with a reason fails `test_every_route_is_visited_or_excluded`.
"""

import re
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.test import Client

from ideas.models import Proposal
from lohmar_portal.settings import bundid_providers
from tests.browser.axe import axe_violations
from tests.browser.keyboard import elements_without_focus_indicator, focused, press, tab_to
from tests.browser.site_tour import (
    ANONYMOUS,
    CITIZEN,
    EXCLUDED,
    SOCIAL_CITIZEN,
    STAFF,
    Visit,
    World,
    all_routes,
    build_world,
    route_of,
    uncovered_routes,
    visits,
)
from tests.browser.test_maps import no_tiles
from tests.browser.totp import current_code
from tests.factories import PASSWORD, DistrictFactory, PillarFactory, UserFactory
from tests.ideas.conftest import make_process

LANGUAGES = ["de", "en"]

# Maps are built by script after the page has loaded; axe must see them finished.
MAPS_READY = """() => [...document.querySelectorAll('.portal-map, [data-point-picker]')]
    .every((map) => map.matches('.leaflet-container') || map.querySelector('.leaflet-container'))"""


@pytest.fixture
def world(settings) -> World:
    # The state account's login is on (with a provider that is never contacted by these pages).
    settings.SOCIALACCOUNT_PROVIDERS = bundid_providers(
        "http://127.0.0.1:9/o", "buergerportal", "geheim", ["openid", "email"], "BundID"
    )
    return build_world()


# --- The list of pages cannot rot -----------------------------------------------------------------


@pytest.mark.django_db
def test_every_route_is_visited_or_excluded(world):
    tour = visits(world)
    assert uncovered_routes(tour) == [], (
        "New pages: add them to site_tour.visits() or, with a reason, to EXCLUDED"
    )
    routes = set(all_routes())
    assert [route for route in EXCLUDED if route not in routes] == [], "stale exclusions"
    visited = {visit.route for visit in tour}
    assert [route for route in EXCLUDED if route in visited] == [], "both visited and excluded"
    # Every role and both kinds of page (found and refused) are in the tour.
    assert {visit.role for visit in tour} == {ANONYMOUS, CITIZEN, SOCIAL_CITIZEN, STAFF}
    assert {405, 404, 403, 400} <= {visit.status for visit in tour}


@pytest.mark.django_db(transaction=True)
def test_every_page_of_the_tour_answers_without_a_browser(world):
    """The same addresses through Django's test client: the expected status, never a 500 (bad
    input included); quick, and on PostgreSQL in CI, where a NUL or a huge page number failed."""
    clients = {ANONYMOUS: Client(raise_request_exception=False)}
    for role, user in (
        (CITIZEN, world.citizen),
        (SOCIAL_CITIZEN, world.social_citizen),
        (STAFF, world.staff),
    ):
        clients[role] = Client(raise_request_exception=False)
        clients[role].force_login(user)
    answers = {}
    for visit in visits(world):
        if visit.via is None:
            response = clients[visit.role].get(visit.path, follow=True)
            answers[f"{visit.role} {visit.path}"] = (response.status_code, visit.status)
    assert {what: got for what, (got, expected) in answers.items() if got != expected} == {}


# --- Browser helpers ------------------------------------------------------------------------------


def new_tab(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="de-DE", bypass_csp=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    no_tiles(page)
    return page


def switch_language(page, language: str) -> None:
    """The portal's own switch: a link that sets the cookie and returns to the page."""
    page.goto(f"/sprache/?language={language}&next=/")
    assert page.locator("html").get_attribute("lang") == language


def log_in(page, email: str, secret: str | None = None, on_code_step=None) -> None:
    """allauth's login by field names (the labels depend on the language)."""
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    if secret:
        code = page.locator("input[name=code]")
        code.wait_for()
        if on_code_step:
            on_code_step(page)
        code.fill(current_code(secret))
        code.press("Enter")
    page.locator("input[name=password], input[name=code]").first.wait_for(state="detached")


def reauthenticate(page, path: str) -> None:
    """allauth asks for the password again before the two-factor settings; then shows `path`."""
    page.goto(f"/accounts/reauthenticate/?next={path}")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(f"**{path}")


def log_in_by_session(page, live_server, user) -> None:
    """A citizen who only ever logs in with the state account: their session, as it would be."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )


class Audit:
    """Runs axe on page after page and collects every problem, so one run shows them all.

    Beyond axe: `<html lang>` is the chosen language (3.1.1), the title names the page (2.4.2),
    and every element the keyboard reaches shows its focus (2.4.7), which axe does not check."""

    def __init__(self, language: str):
        self.language = language
        self.problems: list[str] = []
        self.checked: list[str] = []

    def check(self, page, what: str) -> None:
        page.wait_for_function(MAPS_READY)
        lang = page.locator("html").get_attribute("lang")
        if lang != self.language:
            self.problems.append(f"{what}: <html lang={lang!r}>, expected {self.language!r}")
        title = " ".join(page.title().split())
        if not title or title.startswith("–"):
            self.problems.append(f"{what}: the page's title does not name it: {title!r}")
        for violation in axe_violations(page):
            nodes = violation["nodes"]
            self.problems.append(
                f"{what}: {violation['id']}: {violation['help']} "
                f"({len(nodes)}×, e.g. {nodes[0]['target']}: {nodes[0].get('failureSummary')!r})"
            )
        for element in elements_without_focus_indicator(page):
            self.problems.append(f"{what}: the keyboard focus does not show on {element}")
        self.checked.append(what)

    def visit(self, page, visit: Visit) -> None:
        what = f"[{self.language}] {visit.role} {visit.path[:90]}"
        if visit.via is None:
            response = page.goto(visit.path)
            status = response.status if response else None
            if status != visit.status:
                self.problems.append(f"{what}: status {status}, expected {visit.status}")
                return
        if route_of(page.url) != visit.route:
            self.problems.append(f"{what}: ended on {page.url}, not on {visit.route}")
            return
        self.check(page, what)

    def assert_clean(self) -> None:
        assert self.problems == [], (
            f"{len(self.problems)} problem(s) on {len(self.checked)} page(s):\n"
            + "\n".join(self.problems)
        )


def send_ticket_form(page) -> None:
    """The web form, filled in without an account: its confirmation page follows."""
    page.goto("/service/anliegen/neu/")
    page.locator("[name=subject]").fill("Sperrmüll")
    page.locator("[name=text]").fill("Wann wird Sperrmüll abgeholt?")
    page.locator("[name=contact_name]").fill("Erika Mustermann")
    page.locator("[name=contact_phone]").fill("02246 123456")
    page.locator("[name=contact_phone]").press("Enter")
    page.wait_for_url("**/service/anliegen/eingegangen/")


# --- Every page -----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("role", [ANONYMOUS, CITIZEN, STAFF])
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_page_is_accessible(browser, live_server, world, role, language):
    tour = [visit for visit in visits(world) if visit.role == role]
    if role == CITIZEN:
        tour += [visit for visit in visits(world) if visit.role == SOCIAL_CITIZEN]
    audit = Audit(language)
    page = new_tab(browser, live_server)
    switch_language(page, language)
    try:
        if role == CITIZEN:
            log_in(page, world.citizen.email)
        elif role == STAFF:
            code_step = next(visit for visit in tour if visit.via == "login")
            log_in(
                page,
                world.staff.email,
                world.staff_secret,
                on_code_step=lambda page: audit.visit(page, code_step),
            )
        for visit in tour:
            if visit.role == SOCIAL_CITIZEN:
                continue
            if visit.via == "ticket":
                send_ticket_form(page)
            elif visit.via == "reauthenticate":
                reauthenticate(page, visit.path)
            if visit.via != "login":
                audit.visit(page, visit)
        if role == CITIZEN:
            social = new_tab(browser, live_server)
            switch_language(social, language)
            log_in_by_session(social, live_server, world.social_citizen)
            for visit in tour:
                if visit.role == SOCIAL_CITIZEN:
                    audit.visit(social, visit)
            social.context.close()
    finally:
        page.context.close()
    assert len(audit.checked) == len(tour), audit.problems
    audit.assert_clean()


# --- Every form in its error state ----------------------------------------------------------------

ERRORS_SHOWN = ".portal-error-summary, .kern-error, .kern-alert--danger, .errorlist, [role=alert]"
# The browser's own checks are switched off: the server's answer to bad input is under test.
FILL_INVALID = """([form, values]) => {
    form.noValidate = true;
    const details = form.closest('details');
    if (details) details.open = true;
    for (const [name, value] of Object.entries(values)) {
        const fields = form.querySelectorAll(`[name="${name}"]`);
        if (!fields.length) throw new Error(`no field ${name}`);
        for (const field of fields) {
            if (field.type === 'radio' || field.type === 'checkbox') {
                field.checked = field.value === value;
            } else if (field.tagName === 'SELECT') {
                if (![...field.options].some((option) => option.value === value)) {
                    field.add(new Option(value, value));
                }
                field.value = value;
            } else {
                field.removeAttribute('maxlength');
                if (['date', 'email', 'number', 'tel'].includes(field.type)) field.type = 'text';
                field.value = value;
            }
        }
    }
}"""


@dataclass(frozen=True)
class BadInput:
    """A form sent empty or wrong: where it is, which form, what goes in (nothing: empty)."""

    path: str
    form: str
    values: dict = field(default_factory=dict)
    # A step before the page (allauth's password confirmation); None: page.goto(path).
    via: str | None = None
    # A search that finds nothing shows no error; it must still be accessible.
    shows_error: bool = True

    def describe(self) -> str:
        return f"{self.path[:70]} {self.form} {sorted(self.values)}"


def bad_inputs(world: World, role: str) -> list[BadInput]:
    w = world
    own, other = w.own_proposal.get_absolute_url(), w.proposal.get_absolute_url()
    report = w.report.get_absolute_url()
    book = f"/buergerbuero-mobil/{w.stop.pk}/buchen/?zeit={w.free_slot}"
    long = "x" * 500
    if role == ANONYMOUS:
        return [
            BadInput(
                "/accounts/signup/",
                "main form.portal-form",
                {"email": "kein-at", "password1": "kurz", "password2": "anders"},
            ),
            BadInput(
                "/accounts/login/",
                "main form.portal-form",
                {"login": w.citizen.email, "password": "falsch"},
            ),
            BadInput("/accounts/password/reset/", "main form.portal-form", {"email": "kein-at"}),
            BadInput(
                w.reset_path, "main form.portal-form", {"password1": "kurz", "password2": "anders"}
            ),
            BadInput("/barrierefreiheit/", "form:has([name=message])"),
            BadInput(
                "/barrierefreiheit/",
                "form:has([name=message])",
                {"message": "Kontrast", "email": "kein-at"},
            ),
            # A form sent after its session ended (the CSRF token no longer matches).
            BadInput(
                "/barrierefreiheit/",
                "form:has([name=message])",
                {"message": "Kontrast", "csrfmiddlewaretoken": "abgelaufen" * 4},
            ),
            BadInput("/maengel/melden/", "form[data-defect-form]"),
            BadInput(
                "/maengel/melden/",
                "form[data-defect-form]",
                {
                    "category": "",
                    "description": long * 10,
                    "latitude": "54.5",
                    "longitude": "7.0",
                    "email": "kein-at",
                },
            ),
            BadInput(f"{report}ich-auch/", "form:has([name=email])", {"email": "kein-at"}),
            BadInput("/service/anliegen/neu/", "main form[method=post]"),
            BadInput(book, "main form[method=post]", {"email": "kein-at", "concern": "Zaubern"}),
            BadInput(w.link_ticket_path, "main form[method=post]"),
            BadInput("/service/", "form[role=search], main form[method=get]", {"q": long}),
            BadInput("/", "form:has([name=q])", {"q": long}),
            BadInput(
                "/vorschlaege/",
                "main form[method=get]",
                {"q": long, "pillar": "gibt-es-nicht", "sort": "x"},
            ),
            BadInput(
                "/maengel/",
                "main form[method=get]",
                {"category": "x", "status": "y", "period": "5", "since": "kein-datum"},
            ),
            BadInput("/service/kennzahlen/", "main form[method=get]", {"tage": "-3"}),
        ]
    if role == CITIZEN:
        return [
            BadInput("/vorschlaege/neu/", "main form[method=post]"),
            BadInput(
                "/vorschlaege/neu/",
                "main form[method=post]",
                {"title": long, "latitude": "54.5", "longitude": "700"},
            ),
            BadInput(f"{own}bearbeiten/", "main form[method=post]", {"title": "", "text": ""}),
            BadInput(other, 'form[action$="/kommentieren/"]'),
            BadInput(other, 'form[action$="/melden/"]'),
            BadInput(other, 'form[action$="/bewerten/"]', {"value": "9"}),
            BadInput(
                f"/kommentare/{w.own_comment.pk}/bearbeiten/",
                "main form[method=post]",
                {"text": ""},
            ),
            BadInput(f"/kommentare/{w.other_comment.pk}/melden/", "main form[method=post]"),
            BadInput("/service/anliegen/neu/", "main form[method=post]"),
            BadInput(w.ticket.get_absolute_url(), "main form[method=post]"),
            BadInput(book, "main form[method=post]", {"name": ""}),
            BadInput(
                "/konto/",
                "form:has([name=display_name])",
                {"display_name": "", "district": "999999"},
            ),
            BadInput("/konto/loeschen/", "main form[method=post]", via="reauthenticate"),
            BadInput(
                "/accounts/email/", "main form.portal-form:has([name=email])", {"email": "kein-at"}
            ),
            BadInput(
                "/accounts/password/change/",
                "main form.portal-form",
                {"oldpassword": "falsch", "password1": "kurz", "password2": "anders"},
            ),
            BadInput("/accounts/reauthenticate/", "main form.portal-form", {"password": "falsch"}),
            BadInput(
                "/accounts/2fa/totp/activate/",
                "main form.portal-form",
                {"code": "123"},
                via="reauthenticate",
            ),
        ]
    ticket = f"/service/arbeitsplatz/{w.ticket.reference}/"
    return [
        BadInput("/service/arbeitsplatz/neu/", "main form[method=post]"),
        BadInput(
            "/service/arbeitsplatz/neu/",
            "main form[method=post]",
            {"channel": "brieftaube", "contact_email": "kein-at", "subject": long},
        ),
        BadInput(ticket, 'form[action$="/antworten/"]'),
        BadInput(ticket, 'form[action$="/notiz/"]'),
        BadInput(ticket, 'form[action$="/erledigen/"]', {"erledigen-text": "x" * 20001}),
        BadInput(ticket, 'form[action$="/weiterleiten/"]'),
        BadInput(ticket, 'form[action$="/zuweisen/"]', {"zuweisen-agent": "999999"}),
        BadInput(ticket, 'form[action$="/einordnen/"]', {"einordnen-priority": "x"}),
        BadInput(ticket, "form[data-article-picker]", {"wissen": long}, shows_error=False),
        BadInput(
            f"/service/arbeitsplatz/buergerbuero/halt/{w.stop.pk}/eintragen/?zeit={w.free_slot}",
            "main form[method=post]",
            {"email": "kein-at"},
        ),
        BadInput(
            f"/service/arbeitsplatz/buergerbuero/{w.stop.date.isoformat()}/",
            "form.mobile-office-day-form",
            {"tag": "kein-datum"},
        ),
        BadInput(
            "/service/arbeitsplatz/",
            "main form[method=get]",
            {"q": long, "status": "x", "channel": "y"},
        ),
        BadInput("/accounts/2fa/reauthenticate/", "main form.portal-form", {"code": "000000"}),
    ]


def send_bad_input(page, bad: BadInput) -> int | None:
    """Fill the form with the bad values and send it; the status of the answer."""
    if bad.via == "reauthenticate":
        reauthenticate(page, bad.path)
    else:
        page.goto(bad.path)
    form = page.locator(bad.form).first
    page.evaluate(FILL_INVALID, [form.element_handle(), bad.values])
    with page.expect_navigation() as navigation:
        form.locator("button[type=submit], input[type=submit]").first.click()
    response = navigation.value
    return response.status if response else None


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("role", [ANONYMOUS, CITIZEN, STAFF])
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_form_in_its_error_state_is_accessible(browser, live_server, world, role, language):
    audit = Audit(language)
    page = new_tab(browser, live_server)
    switch_language(page, language)
    sent = bad_inputs(world, role)
    try:
        if role == CITIZEN:
            log_in(page, world.citizen.email)
        elif role == STAFF:

            def wrong_code_first(page):
                # allauth's second step with a wrong code: its error state.
                page.evaluate(
                    FILL_INVALID,
                    [page.locator("main form").first.element_handle(), {"code": "000000"}],
                )
                with page.expect_navigation():
                    page.locator("main form button[type=submit]:not([form])").first.click()
                expect_errors(page, audit, "2fa/authenticate code 000000")

            log_in(page, world.staff.email, world.staff_secret, on_code_step=wrong_code_first)
        for bad in sent:
            status = send_bad_input(page, bad)
            what = f"{bad.describe()} → {status}"
            if bad.shows_error:
                expect_errors(page, audit, what)
            else:
                audit.check(page, f"[{language}] {what}")
    finally:
        page.context.close()
    audit.assert_clean()
    assert len(audit.checked) == len(sent) + (role == STAFF)


# Each message under a field is tied to its field (aria-describedby), and the field says it is
# invalid: a screen reader reads the message on the field, not only somewhere on the page.
UNTIED_ERRORS = """() => {
    const describing = new Set([...document.querySelectorAll('[aria-describedby]')]
        .flatMap((field) => field.getAttribute('aria-describedby').split(/\\s+/)));
    const untied = [...document.querySelectorAll('.kern-error')]
        .filter((message) => !message.id || !describing.has(message.id))
        .map((message) => `message "${message.textContent.trim().slice(0, 60)}" is not tied`);
    // A group (a fieldset of radio buttons) is described by its message; a field says more.
    const unmarked = [...document.querySelectorAll('.kern-error[id]')]
        .flatMap((message) => [...document.querySelectorAll(
            'input[aria-describedby], select[aria-describedby], textarea[aria-describedby]')]
            .filter((field) => field.getAttribute('aria-describedby').split(/\\s+/)
                .includes(message.id) && field.getAttribute('aria-invalid') !== 'true'))
        .map((field) => `field ${field.name || field.id} lacks aria-invalid`);
    return untied.concat(unmarked);
}"""


def expect_errors(page, audit: Audit, what: str) -> None:
    what = f"[{audit.language}] {what}"
    if page.locator(ERRORS_SHOWN).count() == 0:
        audit.problems.append(f"{what}: no error is shown ({page.url})")
        return
    for problem in page.evaluate(UNTIED_ERRORS):
        audit.problems.append(f"{what}: {problem}")
    audit.check(page, what)


# --- By keyboard alone ----------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_submitting_a_proposal_by_keyboard_alone(page):
    """Log in, find the form and submit a proposal with Tab, Shift+Tab, Enter, Space, the arrow
    keys and typing only; every Tab moves the focus, which always shows, and leads out of the map
    again."""
    citizen = UserFactory(email="dora@example.org", display_name="Dora")
    make_process(slug="erste")
    make_process(slug="zweite")
    PillarFactory(title="Digital nah dran!")
    PillarFactory(title="Bildung digital")
    DistrictFactory(name="Birk", slug="birk")
    wahlscheid = DistrictFactory(name="Wahlscheid", slug="wahlscheid")
    no_tiles(page)
    trail: list = []

    # The login page: the first Tab reaches the skip link, which shows and leads to the content.
    page.goto("/accounts/login/")
    skip = press(page, "Tab", trail)
    assert skip["text"] == "Zum Inhalt springen", skip
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "inhalt"
    assert page.evaluate("() => document.activeElement.contains(document.querySelector('h1'))")
    tab_to(page, lambda state: state["name"] == "login", trail)
    page.keyboard.type(citizen.email)
    tab_to(page, lambda state: state["name"] == "password", trail)
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    # Through the main navigation to the proposals, and on to the form.
    tab_to(page, lambda state: state["href"].endswith("/vorschlaege/"), trail)
    page.keyboard.press("Enter")
    page.wait_for_url("**/vorschlaege/")
    tab_to(page, lambda state: state["href"].endswith("/vorschlaege/neu/"), trail)
    page.keyboard.press("Enter")
    page.wait_for_url("**/vorschlaege/neu/")
    page.locator("[data-point-picker] .leaflet-container").wait_for()  # the map is there

    # Selects by arrow keys, text by typing; Shift+Tab goes back a field.
    chosen = {}
    for select in ("id_process", "id_pillar"):
        tab_to(page, select, trail)
        before = page.locator(f"#{select}").input_value()
        page.keyboard.press("ArrowDown")
        chosen[select] = int(page.locator(f"#{select}").input_value())
        assert chosen[select] != int(before), f"ArrowDown did not choose in {select}"
    tab_to(page, "id_title", trail)
    page.keyboard.type("Freies WLAN am Rathausplatz")
    tab_to(page, "id_summary", trail)
    press(page, "Shift+Tab", trail)
    assert focused(page)["id"] == "id_title"
    page.keyboard.press("End")
    page.keyboard.type(" und in der Bibliothek")
    tab_to(page, "id_summary", trail)
    page.keyboard.type("Ein offenes, sicheres WLAN für alle.")
    tab_to(page, "id_text", trail)
    page.keyboard.type("Ohne Anmeldung, barrierefrei erreichbar.")
    tab_to(page, "id_district", trail)
    page.keyboard.type("Wahl")

    # Into the map and out of it again; the point by its coordinates.
    start = len(trail)
    tab_to(page, "id_latitude", trail)
    passed = trail[start:]
    assert any(state["inMap"] for state in passed), f"the map never had the focus: {passed}"
    assert not passed[-1]["inMap"]
    page.keyboard.type("50.8394")
    tab_to(page, "id_longitude", trail)
    page.keyboard.type("7.2164")

    # On to the button (past the optional images), and Space to send.
    tab_to(page, lambda state: state["tag"] == "button" and state["type"] == "submit", trail)
    page.keyboard.press("Space")
    page.wait_for_url(re.compile(r"/vorschlaege/VS-\d{4}-\d{4}/$"))

    proposal = Proposal.objects.get(author=citizen)
    assert proposal.title == "Freies WLAN am Rathausplatz und in der Bibliothek"
    assert proposal.summary == "Ein offenes, sicheres WLAN für alle."
    assert (proposal.process_id, proposal.pillar_id) == (chosen["id_process"], chosen["id_pillar"])
    assert proposal.district == wahlscheid
    assert (proposal.latitude, proposal.longitude) == pytest.approx((50.8394, 7.2164))
    assert len(trail) > 20


# --- Reflow: 320 CSS pixels, as at 400 % zoom (WCAG 1.4.10) ---------------------------------------

# What sticks out of a page that scrolls sideways: the innermost elements, or text that does not
# wrap (a long word). A data table may scroll inside its own box (.kern-table-responsive).
STICKING_OUT = """() => {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= width) return [];
    const out = [];
    // Inside a box that scrolls or clips, unless it is absolutely positioned and the box is not
    // its containing block (then it escapes the box, and the page scrolls).
    const clipped = (node) => {
        let escapes = node.nodeType === 1 && getComputedStyle(node).position === 'absolute';
        for (let box = node.parentElement; box && box !== document.body; box = box.parentElement) {
            const style = getComputedStyle(box);
            const positioned = style.position !== 'static';
            if (style.overflowX !== 'visible' && (!escapes || positioned)) return true;
            if (positioned) escapes = style.position === 'absolute';
        }
        return false;
    };
    for (const element of document.body.querySelectorAll('*')) {
        if (clipped(element)) continue;
        const right = element.getBoundingClientRect().right;
        const children = [...element.children].some(
            (child) => child.getBoundingClientRect().right > width);
        if (right > width && !children) {
            out.push(`${element.tagName.toLowerCase()}.${element.getAttribute('class') || ''} `
                + `"${element.textContent.trim().slice(0, 40)}" ends at ${Math.round(right)} px`);
        }
    }
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        if (clipped(walker.currentNode)) continue;
        const range = document.createRange();
        range.selectNodeContents(walker.currentNode);
        if ([...range.getClientRects()].some((rect) => rect.right > width)) {
            out.push(`text "${walker.currentNode.textContent.trim().slice(0, 40)}"`);
        }
    }
    const wide = `the page is ${document.documentElement.scrollWidth} px wide`;
    return out.length ? out.map((what) => `${wide}: ${what}`) : [wide];
}"""


@pytest.mark.parametrize("role", [ANONYMOUS, CITIZEN, STAFF])
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_page_reflows_at_320_pixels(browser, live_server, world, role):
    """A phone, or 1280 px at 400 % zoom: no page scrolls sideways (German: the longest words)."""
    context = browser.new_context(
        base_url=live_server.url, locale="de-DE", viewport={"width": 320, "height": 640}
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    no_tiles(page)
    problems = []
    try:
        if role == CITIZEN:
            log_in(page, world.citizen.email)
        elif role == STAFF:
            log_in(page, world.staff.email, world.staff_secret)
        for visit in visits(world):
            if visit.role != role or visit.via is not None:
                continue
            page.goto(visit.path)
            page.wait_for_function(MAPS_READY)
            problems += [f"{visit.path[:80]}: {what}" for what in page.evaluate(STICKING_OUT)]
    finally:
        context.close()
    assert problems == [], "\n".join(problems)
