"""An XSS payload in every user text field renders inert in a real browser.

Each field that people (citizens or staff) type and that the portal shows again gets a payload
that would run script in an element, an attribute, a `javascript:` link and a text that `urlize`
links. Every page that shows it is opened in Chromium; the page must not have run it
(`window.__xss` stays undefined, no dialog), must not contain an injected element, event-handler
attribute or `javascript:` link, and must show the payload as text.

The page fixture bypasses the Content-Security-Policy on purpose: the escaping itself is under
test here, not the CSP behind it (tests/browser/test_maps.py checks the CSP separately).

Most data is written through the services and factories; per app one field goes through the
real form. E-mails are plain text and not part of this test.
"""

import io
import json
import zipfile
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from defects import services as defect_services
from defects.models import DefectReport, Photo
from defects.open311.keys import create_api_client
from defects.services import NewPhoto
from ideas import services as ideas_services
from ideas.models import Proposal, RoadmapProject
from lohmar_portal import services as lohmar_services
from lohmar_portal.models import LegalPage
from participation import services as participation
from participation.models import Channel as ParticipationChannel
from participation.models import Comment, Flag
from servicecenter import booking
from servicecenter import services as sc_services
from servicecenter.models import Channel, KnowledgeArticle, LifeSituation, Ticket
from tests.browser.test_maps import no_tiles
from tests.defects.conftest import IN_LOHMAR, make_category, make_report
from tests.defects.photos import jpeg_bytes
from tests.factories import (
    DepartmentFactory,
    DistrictFactory,
    PillarFactory,
    StaffFactory,
    UserFactory,
    VisionFactory,
)
from tests.participation.factories import (
    PhaseFactory,
    ProcessFactory,
    ProposalFactory,
    open_process,
)
from tests.servicecenter.booking_support import at, make_stop
from tests.servicecenter.conftest import make_agent
from tests.staff_clients import with_mfa

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Script in element content, in a quoted and an unquoted attribute, and one breaking out of both.
SCRIPT = (
    '<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>'
    "\"'><svg/onload=window.__xss=1>"
)
# A `javascript:` URL, and texts that `urlize` turns into links (one trying to leave the href).
LINKS = (
    ' javascript:alert(1) https://example.org/"onmouseover="window.__xss=1'
    " www.example.org/<b>fett</b>"
)


def payload(tag: str) -> str:
    """About 100 characters: fits every title and name field of 150 characters and more."""
    return f"{tag} {SCRIPT}"


def long_payload(tag: str) -> str:
    """For free-text fields (descriptions, comments, answers)."""
    return payload(tag) + LINKS


def short_payload(tag: str) -> str:
    """At most 50 characters, for names (the public display name has 50)."""
    text = f"{tag}\"'><img src=x onerror=window.__xss=1>"
    assert len(text) <= 50, text
    return text


# What a page must not contain: elements or attributes that came from the payload.
FIND_INJECTED = """() => {
    const found = [];
    for (const element of document.querySelectorAll("*")) {
        for (const attribute of element.attributes) {
            const name = attribute.name.toLowerCase();
            if (name.startsWith("on")) {
                found.push(`${element.tagName}[${name}]`);
            }
            if (["href", "src", "action", "formaction", "xlink:href"].includes(name)
                && /^\\s*javascript:/i.test(attribute.value)) {
                found.push(`${element.tagName}[${name}=javascript:]`);
            }
        }
    }
    for (const script of document.scripts) {
        const type = (script.type || "").toLowerCase();
        const runs = type === "" || type.includes("javascript") || type === "module";
        if (runs && script.textContent.includes("__xss")) {
            found.push("SCRIPT with the payload");
        }
    }
    for (const image of document.querySelectorAll("img")) {
        if (image.getAttribute("src") === "x") {
            found.push("IMG src=x");
        }
    }
    for (const link of document.querySelectorAll("a[href]")) {
        if (link.getAttribute("href").includes('"')) {
            found.push(`A with a quote in its href: ${link.getAttribute("href")}`);
        }
    }
    return found;
}"""

# What the person sees: the text of the page (closed <details> opened), and the form fields.
SHOWN_TEXT = """() => {
    document.querySelectorAll("details").forEach((details) => { details.open = true; });
    const values = [...document.querySelectorAll("input:not([type=hidden]), textarea")]
        .map((field) => field.value);
    return [document.body.innerText, ...values].join("\\n");
}"""


class Inert:
    """Opens pages and asserts that the payloads in them did nothing and are shown as text."""

    def __init__(self, page):
        self.page = page
        self.dialogs: list[str] = []
        page.on("dialog", self._dialog)
        no_tiles(page)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def check(self, *texts: str, where: str = "") -> None:
        """The page as it is now: nothing ran, nothing was injected, each text is shown."""
        page = self.page
        where = where or page.url
        assert page.evaluate("() => window.__xss") is None, f"script ran on {where}"
        assert self.dialogs == [], f"dialog on {where}: {self.dialogs}"
        assert page.evaluate(FIND_INJECTED) == [], where
        shown = page.evaluate(SHOWN_TEXT)
        for text in texts:
            assert text in shown, f"{text!r} not shown on {where}"

    def visit(self, path: str, *texts: str, status: int = 200) -> None:
        response = self.page.goto(path)
        assert response is not None and response.status == status, (path, response.status)
        self.page.wait_for_load_state("load")
        self.check(*texts, where=path)


@pytest.fixture
def inert(page):
    return Inert(page)


def log_in(page, live_server, user) -> None:
    """The browser as `user` (staff: with two factors set up); the login has its own tests."""
    page.context.clear_cookies()
    if user is None:
        return
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )


def administrator(**fields):
    """A superuser with two factors: sees every admin page."""
    return with_mfa(StaffFactory(is_superuser=True, **fields))


def moderator(**fields):
    user = StaffFactory(**fields)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="participation", codename="moderate")
    )
    return with_mfa(type(user).objects.get(pk=user.pk))


# --- Proposals, comments, moderation, roadmap ---------------------------------------------------


def proposal_data() -> dict:
    """A proposal through its whole life with a payload in every field people write."""
    staff = moderator(display_name=short_payload("Mod"))
    author = UserFactory(display_name=short_payload("Autorin"), real_name=payload("Realname"))
    pillar = PillarFactory(title=short_payload("Säule"))
    proposal = ProposalFactory(
        title=payload("Titel"),
        summary=payload("Kurzfassung"),
        text=long_payload("Beschreibung"),
        author=author,
        pillar=pillar,
        latitude=50.8394,
        longitude=7.2164,
    )
    commenter = UserFactory(display_name=short_payload("Kommentator"))
    comment = participation.add_comment(
        actor=commenter, target=proposal, text=long_payload("Kommentar")
    )
    reply = participation.add_comment(
        actor=author, target=proposal, text=long_payload("Antwortkommentar"), parent=comment
    )
    hidden_comment = participation.add_comment(
        actor=commenter, target=proposal, text=long_payload("Ausgeblendet")
    )
    participation.hide(actor=staff, target=hidden_comment, reason=payload("Grund-Kommentar"))
    on_paper = participation.add_comment(
        actor=staff,
        target=proposal,
        text=long_payload("Brief"),
        channel=ParticipationChannel.PAPER,
        on_behalf_of=payload("Briefschreiber"),
    )
    flagger = UserFactory(display_name=short_payload("Melderin"))
    participation.flag(user=flagger, target=comment, reason=payload("Meldegrund"))
    for status, tag in [
        (Proposal.Status.IN_REVIEW, "Notiz-Prüfung"),
        (Proposal.Status.SHORTLISTED, "Notiz-Auswahl"),
        (Proposal.Status.RECOMMENDED, "Notiz-Empfehlung"),
        (Proposal.Status.ADOPTED, "Notiz-Beschluss"),
    ]:
        ideas_services.change_status(
            actor=staff, proposal=proposal, status=status, note=payload(tag)
        )
    ideas_services.answer_proposal(actor=staff, proposal=proposal, answer=long_payload("Antwort"))
    hidden = ProposalFactory(title=payload("Versteckt"), author=author, pillar=pillar)
    participation.hide(actor=staff, target=hidden, reason=payload("Grund-Vorschlag"))
    proposal.refresh_from_db()
    project = ideas_services.create_roadmap_project(
        actor=staff,
        proposals=[proposal],
        title=payload("Projekt"),
        description=long_payload("Projektbeschreibung"),
        pillar=pillar,
    )
    project.is_published = True
    project.save(update_fields=["is_published"])
    ideas_services.report_progress(
        actor=staff,
        project=project,
        progress=RoadmapProject.Progress.IN_PROGRESS,
        percent=40,
        text=long_payload("Fortschritt"),
    )
    return {
        "staff": staff,
        "author": author,
        "commenter": commenter,
        "pillar": pillar,
        "proposal": proposal,
        "comment": comment,
        "reply": reply,
        "hidden_comment": hidden_comment,
        "on_paper": on_paper,
        "flag": Flag.objects.get(reason=payload("Meldegrund")),
        "hidden": hidden,
        "project": project,
    }


def test_proposal_pages_show_every_payload_as_text(page, live_server, inert):
    data = proposal_data()
    proposal, project = data["proposal"], data["project"]
    detail = proposal.get_absolute_url()

    inert.visit("/", payload("Titel"))
    inert.visit("/vorschlaege/", payload("Titel"), payload("Kurzfassung"), short_payload("Säule"))
    inert.visit(
        detail,
        payload("Titel"),
        payload("Kurzfassung"),
        long_payload("Beschreibung"),
        long_payload("Antwort"),
        payload("Notiz-Beschluss"),
        payload("Projekt"),
        short_payload("Autorin"),
        short_payload("Kommentator"),
        long_payload("Kommentar"),
        long_payload("Antwortkommentar"),
        payload("Grund-Kommentar"),
        long_payload("Brief"),
        short_payload("Säule"),
    )
    inert.visit(data["hidden"].get_absolute_url(), payload("Grund-Vorschlag"))
    inert.visit(data["pillar"].get_absolute_url(), short_payload("Säule"), payload("Titel"))
    inert.visit("/roadmap/", payload("Projekt"))
    inert.visit(
        project.get_absolute_url(),
        payload("Projekt"),
        long_payload("Projektbeschreibung"),
        long_payload("Fortschritt"),
        payload("Titel"),
    )

    # The author's account and pages; the commenter's edit and report pages.
    log_in(page, live_server, data["author"])
    # The list shows the first 120 characters of a comment.
    inert.visit("/konto/", payload("Titel"), payload("Antwortkommentar"), payload("Realname"))
    log_in(page, live_server, data["commenter"])
    inert.visit(detail, long_payload("Kommentar"))
    inert.visit(f"/kommentare/{data['comment'].pk}/bearbeiten/", long_payload("Kommentar"))
    inert.visit(f"/kommentare/{data['reply'].pk}/melden/", long_payload("Antwortkommentar"))

    # The moderators: the proposal page with hidden things, and the admin.
    log_in(page, live_server, administrator())
    inert.visit(
        detail,
        long_payload("Ausgeblendet"),
        payload("Grund-Kommentar"),
    )
    inert.visit(data["hidden"].get_absolute_url(), payload("Versteckt"), payload("Grund-Vorschlag"))
    for path, texts in [
        ("/admin/ideas/proposal/", [payload("Titel"), payload("Versteckt")]),
        (
            f"/admin/ideas/proposal/{proposal.pk}/change/",
            [payload("Titel"), payload("Kurzfassung"), long_payload("Antwort")],
        ),
        (f"/admin/ideas/proposal/{data['hidden'].pk}/change/", [payload("Grund-Vorschlag")]),
        ("/admin/participation/comment/", []),
        (
            f"/admin/participation/comment/{data['comment'].pk}/change/",
            [long_payload("Kommentar")],
        ),
        (
            f"/admin/participation/comment/{data['hidden_comment'].pk}/change/",
            [payload("Grund-Kommentar")],
        ),
        (
            f"/admin/participation/comment/{data['on_paper'].pk}/change/",
            [long_payload("Brief"), payload("Briefschreiber")],
        ),
        ("/admin/participation/flag/", [payload("Meldegrund")]),
        (f"/admin/participation/flag/{data['flag'].pk}/change/", [payload("Meldegrund")]),
        ("/admin/participation/moderationaction/", []),
        ("/admin/ideas/roadmapproject/", [payload("Projekt")]),
        (
            f"/admin/ideas/roadmapproject/{project.pk}/change/",
            [payload("Projekt"), long_payload("Projektbeschreibung")],
        ),
        ("/admin/ideas/pillar/", [short_payload("Säule")]),
        ("/admin/lohmar_portal/user/", [short_payload("Autorin")]),
        (
            f"/admin/lohmar_portal/user/{data['author'].pk}/change/",
            [short_payload("Autorin"), payload("Realname")],
        ),
    ]:
        inert.visit(path, *texts)


def test_a_comment_written_in_the_form_is_shown_as_text(page, live_server, inert):
    proposal = ProposalFactory(process=open_process())
    citizen = UserFactory(display_name=short_payload("Schreiberin"))
    log_in(page, live_server, citizen)
    inert.visit(proposal.get_absolute_url())
    page.get_by_label("Ihr Kommentar").fill(long_payload("Formular-Kommentar"))
    page.get_by_role("button", name="Kommentar veröffentlichen").click()
    expect(page.get_by_text("Ihr Kommentar ist veröffentlicht.")).to_be_visible()
    assert Comment.objects.get().text == long_payload("Formular-Kommentar")
    inert.check(long_payload("Formular-Kommentar"), short_payload("Schreiberin"))
    log_in(page, live_server, None)
    inert.visit(proposal.get_absolute_url(), long_payload("Formular-Kommentar"))


def test_names_entered_in_the_account_form_are_shown_as_text(page, live_server, inert):
    citizen = UserFactory()
    proposal = ProposalFactory(author=citizen)
    log_in(page, live_server, citizen)
    inert.visit("/konto/")
    page.get_by_label("Öffentlicher Name").fill(short_payload("Profilname"))
    page.get_by_label("Vollständiger Name").fill(payload("Profil-Realname"))
    page.get_by_role("button", name="Profil speichern").click()
    expect(page.get_by_role("heading", name="Mein Bürgerkonto")).to_be_visible()
    citizen.refresh_from_db()
    assert citizen.display_name == short_payload("Profilname")
    assert citizen.real_name == payload("Profil-Realname")
    inert.check(short_payload("Profilname"), payload("Profil-Realname"))
    log_in(page, live_server, None)
    inert.visit(proposal.get_absolute_url(), short_payload("Profilname"))


def test_the_readable_summary_in_the_data_export_shows_the_payloads_as_text(page, inert):
    """uebersicht.html in the downloaded ZIP is opened in a browser from the disk."""
    data = proposal_data()
    author = data["author"]
    name = lohmar_services.build_data_export(author)
    with lohmar_services.open_data_export(user=author, name=name) as file:
        content = file.read()
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        summary = archive.read("uebersicht.html").decode()
    page.set_content(summary)
    inert.check(
        short_payload("Autorin"),
        payload("Realname"),
        payload("Titel"),
        long_payload("Beschreibung"),
        long_payload("Antwortkommentar"),
        where="uebersicht.html",
    )


def test_the_map_popup_shows_a_proposal_title_and_pillar_as_text(page, inert):
    ProposalFactory(
        title=payload("Kartentitel"),
        pillar=PillarFactory(title=short_payload("Kartensäule")),
        latitude=50.8394,
        longitude=7.2164,
    )
    inert.visit("/vorschlaege/karte/", payload("Kartentitel"))
    page.wait_for_selector("#proposal-map[data-markers='1']")
    marker = page.locator("#proposal-map .leaflet-marker-icon")
    assert marker.get_attribute("alt") == payload("Kartentitel")
    marker.click()
    popup = page.locator("#proposal-map .leaflet-popup")
    expect(popup).to_be_visible()
    assert popup.get_by_role("link").inner_text() == payload("Kartentitel")
    assert short_payload("Kartensäule") in popup.inner_text()
    inert.check(where="the map's popup")
    # The GeoJSON carries the text as it is; the browser's JSON parser never runs it.
    geojson = page.request.get("/vorschlaege/karte.geojson")
    [feature] = json.loads(geojson.text())["features"]
    assert feature["properties"]["title"] == payload("Kartentitel")


def test_texts_staff_write_for_public_pages_are_shown_as_text(page, inert):
    vision = VisionFactory(motto=payload("Motto"), background=long_payload("Hintergrund"))
    PillarFactory(
        vision=vision, title=short_payload("Schwerpunkt"), text=long_payload("Säulentext")
    )
    process = ProcessFactory(title=payload("Verfahren"), description=long_payload("Verfahrenstext"))
    PhaseFactory(process=process, name=payload("Phase"), description=long_payload("Phasentext"))
    LegalPage.objects.create(
        kind=LegalPage.Kind.PRIVACY, body=long_payload("Datenschutz"), is_published=True
    )
    inert.visit("/", payload("Motto"), short_payload("Schwerpunkt"))
    inert.visit("/strategie/", payload("Motto"), long_payload("Hintergrund"))
    inert.visit("/beteiligung/", payload("Verfahren"))
    inert.visit(
        f"/beteiligung/{process.slug}/",
        payload("Verfahren"),
        long_payload("Verfahrenstext"),
        payload("Phase"),
    )
    inert.visit("/datenschutz/", long_payload("Datenschutz"))


def test_query_parameters_are_shown_as_text_or_dropped(page, inert):
    query = payload("Suche")
    ProposalFactory(title="Freies WLAN")
    inert.visit(f"/vorschlaege/?q={quote(query)}", query)
    inert.visit(f"/service/suche/?q={quote(query)}", query)
    inert.visit(f"/vorschlaege/?status={quote(query)}&pillar={quote(query)}&sort={quote(query)}")
    inert.visit(f"/maengel/?status={quote(query)}&category={quote(query)}")
    inert.visit(f"/accounts/login/?next={quote(query)}")
    inert.visit(f"/accounts/signup/?next={quote(query)}")
    inert.visit(f"/vorschlaege/seite-{quote(query)}/", status=404)


# --- Mängelmelder -------------------------------------------------------------------------------


def defect_data() -> dict:
    """Reports with a payload in what citizens, API clients and staff write."""
    category = make_category(
        name=short_payload("Kategorie"), description=payload("Kategoriebeschreibung")
    )
    staff = administrator(display_name=short_payload("Bearbeiter"))
    citizen = UserFactory(display_name=short_payload("Melder"))
    photo = NewPhoto(
        SimpleUploadedFile("foto.jpg", jpeg_bytes(), content_type="image/jpeg"),
        alt_text=payload("Fotobeschreibung"),
    )
    report = defect_services.submit_report(
        actor=citizen,
        category=category,
        description=long_payload("Mangel"),
        latitude=IN_LOHMAR[0],
        longitude=IN_LOHMAR[1],
        address=payload("Adresse"),
        photos=[photo],
    )
    [photo] = Photo.objects.filter(report=report)
    defect_services.release_photo(actor=staff, photo=photo, alt_text=payload("Fotobeschreibung"))
    defect_services.change_status(
        actor=staff,
        report=report,
        status=DefectReport.Status.IN_PROGRESS,
        note=long_payload("Statusnotiz"),
    )
    defect_services.add_internal_note(actor=staff, report=report, text=long_payload("Intern"))
    by_email = defect_services.submit_report(
        actor=None,
        category=category,
        description=long_payload("Anonym"),
        address=payload("Ohne-Karte"),
        district=DistrictFactory(name=short_payload("Ortsteil")),
        email="melderin@example.org",
        name=payload("Meldername"),
        phone="02246 12345",
    )
    hidden = defect_services.submit_report(
        actor=citizen,
        category=category,
        description=long_payload("Ausgeblendete Meldung"),
        latitude=IN_LOHMAR[0] + 0.01,
        longitude=IN_LOHMAR[1],
    )
    defect_services.hide_report(actor=staff, report=hidden, reason=payload("Ausblendgrund"))
    return {
        "category": category,
        "staff": staff,
        "report": report,
        "photo": photo,
        "by_email": by_email,
        "hidden": hidden,
    }


def test_defect_pages_show_every_payload_as_text(page, live_server, inert):
    data = defect_data()
    report, hidden, by_email = data["report"], data["hidden"], data["by_email"]
    detail = report.get_absolute_url()

    inert.visit("/maengel/", short_payload("Kategorie"), payload("Adresse"))
    inert.visit(
        detail,
        short_payload("Kategorie"),
        long_payload("Mangel"),
        payload("Adresse"),
        long_payload("Statusnotiz"),
    )
    # The photo's description is its text alternative.
    alts = page.locator("img").evaluate_all("images => images.map(image => image.alt)")
    assert payload("Fotobeschreibung") in alts
    # A hidden report is gone for the public (410), with the public reason.
    inert.visit(hidden.get_absolute_url(), payload("Ausblendgrund"), status=410)
    inert.visit("/maengel/statistik/", short_payload("Kategorie"))
    inert.visit("/maengel/melden/", short_payload("Kategorie"), payload("Kategoriebeschreibung"))
    inert.visit(f"{detail}ich-auch/", short_payload("Kategorie"))

    log_in(page, live_server, data["staff"])
    inert.visit(
        hidden.get_absolute_url(), payload("Ausblendgrund"), long_payload("Ausgeblendete Meldung")
    )
    admin = "/admin/defects/defectreport/"
    for path, texts in [
        (admin, [short_payload("Kategorie")]),
        (
            f"{admin}{report.pk}/change/",
            [long_payload("Mangel"), payload("Adresse"), long_payload("Intern")],
        ),
        (f"{admin}{report.pk}/status/", [long_payload("Mangel")]),
        (f"{admin}{report.pk}/notiz/", [long_payload("Mangel")]),
        (
            f"{admin}{by_email.pk}/change/",
            [long_payload("Anonym"), payload("Meldername"), payload("Ohne-Karte")],
        ),
        (f"{admin}{hidden.pk}/change/", [payload("Ausblendgrund")]),
        ("/admin/defects/category/", [short_payload("Kategorie")]),
        (
            f"/admin/defects/category/{data['category'].pk}/change/",
            [short_payload("Kategorie"), payload("Kategoriebeschreibung")],
        ),
    ]:
        inert.visit(path, *texts)


def test_the_defect_map_popup_shows_the_category_as_text(page, inert):
    data = defect_data()
    inert.visit("/maengel/")
    page.wait_for_selector("#defect-map[data-markers]")
    page.locator(
        f'#defect-map img.leaflet-marker-icon[alt^="Meldung {data["report"].reference}"]'
    ).click()
    popup = page.locator("#defect-map .leaflet-popup")
    expect(popup).to_be_visible()
    assert popup.get_by_role("link").inner_text() == (
        f"{data['report'].reference}: {short_payload('Kategorie')}"
    )
    inert.check(where="the defect map's popup")


def test_reports_nearby_in_the_form_show_their_texts_as_text(page, inert):
    """The form fetches open reports near the chosen point (JSON) and lists them."""
    category = make_category(name=short_payload("Nahe"))
    report = make_report(
        category=category,
        latitude=IN_LOHMAR[0],
        longitude=IN_LOHMAR[1],
        description=long_payload("Nahe Meldung"),
        address=payload("Nahe Adresse"),
    )
    inert.visit("/maengel/melden/")
    page.locator("[data-point-picker] .leaflet-container").wait_for()
    page.locator(".portal-map--picker").click()  # the map opens on the town centre
    page.locator("input[name=category]").first.check()
    nearby = page.locator("#defect-nearby")
    expect(nearby).to_be_visible()
    assert f"{report.reference} – {short_payload('Nahe')}" in nearby.inner_text()
    # The list shows the first 200 characters of a description.
    inert.check(payload("Nahe Meldung"), payload("Nahe Adresse"), where="the reports nearby")


def test_a_defect_reported_in_the_form_is_shown_as_text(page, live_server, inert):
    category = make_category(name="Wilder Müll")
    citizen = UserFactory()
    log_in(page, live_server, citizen)
    inert.visit("/maengel/melden/")
    page.get_by_label("Wilder Müll").check()
    page.get_by_label("Beschreibung", exact=True).fill(long_payload("Formular-Mangel"))
    page.get_by_label("Adresse oder Ortsbeschreibung").fill(payload("Formular-Adresse"))
    page.get_by_role("button", name="Meldung absenden").click()
    expect(page.get_by_role("heading", name="Danke für Ihre Meldung")).to_be_visible()
    report = DefectReport.objects.get(category=category)
    assert report.description == long_payload("Formular-Mangel")
    inert.check()
    log_in(page, live_server, None)
    inert.visit(
        report.get_absolute_url(), long_payload("Formular-Mangel"), payload("Formular-Adresse")
    )


def test_a_description_posted_through_open311_is_shown_as_text(page, live_server, inert):
    make_category(name="Straßenschäden", service_code="strasse")
    api_client, key = create_api_client(short_payload("App"), "app@example.org", 100)
    response = Client().post(
        "/open311/v2/requests.json",
        {
            "api_key": key,
            "service_code": "strasse",
            "lat": str(IN_LOHMAR[0]),
            "long": str(IN_LOHMAR[1]),
            "address_string": payload("API-Adresse"),
            "description": long_payload("API-Beschreibung"),
            "email": "app-nutzerin@example.org",
            "first_name": short_payload("Vor"),
            "last_name": short_payload("Nach"),
        },
    )
    assert response.status_code == 200, response.content
    report = DefectReport.objects.get(api_client=api_client)
    [message] = mail.outbox
    token = message.body.split("/maengel/bestaetigen/")[1].split("/")[0]
    # The page of the link shows what is to be confirmed.
    inert.visit(f"/maengel/bestaetigen/{token}/", long_payload("API-Beschreibung"))
    assert defect_services.confirm_report(token=token) == report

    inert.visit(report.get_absolute_url(), long_payload("API-Beschreibung"))
    # The API's own answers carry the text unchanged (JSON and XML escape it themselves).
    answer = page.request.get(f"/open311/v2/requests/{report.reference}.json")
    [item] = json.loads(answer.text())
    assert item["description"] == long_payload("API-Beschreibung")
    log_in(page, live_server, administrator())
    inert.visit(
        f"/admin/defects/defectreport/{report.pk}/change/",
        long_payload("API-Beschreibung"),
        short_payload("Vor"),
    )
    inert.visit("/admin/defects/apiclient/", short_payload("App"))
    inert.visit(f"/admin/defects/apiclient/{api_client.pk}/change/", short_payload("App"))


# --- Service center: tickets, postbox, staff workspace, knowledge base ---------------------------


def servicecenter_data() -> dict:
    """Tickets from the web (account and secret link) and the phone, worked by staff."""
    situation = LifeSituation.objects.create(
        name=short_payload("Lebenslage"), slug="lebenslage", summary=payload("Lebenslage-Text")
    )
    article = KnowledgeArticle.objects.create(
        title=payload("Artikel"),
        slug="artikel",
        answer=long_payload("Wissen"),
        internal_notes=long_payload("Interna"),
        keywords="Artikel",
        visibility=KnowledgeArticle.Visibility.PUBLIC,
    )
    article.life_situations.add(situation)
    agent = with_mfa(make_agent(display_name=short_payload("Agentin")))
    department = DepartmentFactory(name=short_payload("Fachbereich"))
    colleague = with_mfa(StaffFactory(department=department, display_name="Kollege Bauen"))
    citizen = UserFactory(display_name=short_payload("Bürgerin"), real_name=payload("Echter Name"))
    ticket, _token = sc_services.open_ticket(
        actor=citizen,
        subject=payload("Betreff"),
        text=long_payload("Anliegen"),
        life_situation=situation,
    )
    sc_services.reply(actor=agent, ticket=ticket, text=long_payload("SC-Antwort"), article=article)
    sc_services.citizen_reply(ticket=ticket, actor=citizen, text=long_payload("Postfach-Antwort"))
    sc_services.add_note(actor=agent, ticket=ticket, text=long_payload("Interne Notiz"))
    sc_services.forward(
        actor=agent, ticket=ticket, department=department, reason=payload("Weiterleitung")
    )
    by_link, token = sc_services.open_ticket(
        actor=None,
        subject=payload("Link-Betreff"),
        text=long_payload("Link-Anliegen"),
        contact_name=payload("Kontaktname"),
        contact_email="erika@example.org",
    )
    phone = sc_services.open_ticket(
        actor=agent,
        channel=Channel.PHONE,
        subject=payload("Telefon-Betreff"),
        text=long_payload("Telefonnotiz"),
        contact_name=payload("Anrufer"),
        contact_phone="02246 12345",
    )[0]
    return {
        "situation": situation,
        "article": article,
        "agent": agent,
        "colleague": colleague,
        "citizen": citizen,
        "ticket": ticket,
        "by_link": by_link,
        "token": token,
        "phone": phone,
    }


def test_service_center_pages_show_every_payload_as_text(page, live_server, inert):
    data = servicecenter_data()
    ticket, by_link, phone = data["ticket"], data["by_link"], data["phone"]

    # The public knowledge base: staff write it, everybody reads it.
    inert.visit("/service/", short_payload("Lebenslage"))
    inert.visit(
        data["situation"].get_absolute_url(),
        short_payload("Lebenslage"),
        payload("Lebenslage-Text"),
        payload("Artikel"),
    )
    inert.visit(data["article"].get_absolute_url(), payload("Artikel"), long_payload("Wissen"))
    inert.visit("/service/suche/?q=Artikel", payload("Artikel"))

    # The citizen: postbox, the ticket, the account.
    log_in(page, live_server, data["citizen"])
    inert.visit("/konto/postfach/", payload("Betreff"))
    inert.visit(
        f"/service/anliegen/{ticket.reference}/",
        payload("Betreff"),
        long_payload("Anliegen"),
        long_payload("SC-Antwort"),
        long_payload("Postfach-Antwort"),
    )
    inert.visit("/konto/", payload("Betreff"))
    # Without an account: the secret link.
    log_in(page, live_server, None)
    inert.visit(
        f"/service/anliegen/{by_link.reference}/{data['token']}/",
        payload("Link-Betreff"),
        long_payload("Link-Anliegen"),
    )

    # The agent: queue and workspace with notes, names and the history.
    log_in(page, live_server, data["agent"])
    inert.visit(
        "/service/arbeitsplatz/?status=",
        payload("Link-Betreff"),
        payload("Telefon-Betreff"),
    )
    staff_page = f"/service/arbeitsplatz/{ticket.reference}/"
    inert.visit(
        staff_page,
        payload("Betreff"),
        long_payload("Anliegen"),
        long_payload("SC-Antwort"),
        long_payload("Postfach-Antwort"),
        long_payload("Interne Notiz"),
        payload("Weiterleitung"),
        payload("Echter Name"),
        short_payload("Agentin"),
        short_payload("Fachbereich"),
        short_payload("Lebenslage"),
        payload("Artikel"),
    )
    inert.visit(
        f"/service/arbeitsplatz/{by_link.reference}/?suche=Artikel",
        payload("Kontaktname"),
        long_payload("Link-Anliegen"),
        payload("Artikel"),
    )
    inert.visit(
        f"/service/arbeitsplatz/{phone.reference}/",
        payload("Anrufer"),
        long_payload("Telefonnotiz"),
    )
    # The department the ticket went to.
    log_in(page, live_server, data["colleague"])
    inert.visit("/service/arbeitsplatz/", payload("Betreff"))
    inert.visit(staff_page, payload("Weiterleitung"), long_payload("Interne Notiz"))

    log_in(page, live_server, administrator())
    for path, texts in [
        ("/admin/servicecenter/ticket/", [payload("Betreff")]),
        (f"/admin/servicecenter/ticket/{ticket.pk}/change/", [payload("Betreff")]),
        (f"/admin/servicecenter/ticket/{by_link.pk}/change/", [payload("Kontaktname")]),
        ("/admin/servicecenter/knowledgearticle/", [payload("Artikel")]),
        (
            f"/admin/servicecenter/knowledgearticle/{data['article'].pk}/change/",
            [payload("Artikel"), long_payload("Wissen"), long_payload("Interna")],
        ),
        ("/admin/servicecenter/lifesituation/", [short_payload("Lebenslage")]),
    ]:
        inert.visit(path, *texts)


def test_a_ticket_and_a_postbox_reply_written_in_the_forms_are_shown_as_text(
    page, live_server, inert
):
    citizen = UserFactory()
    log_in(page, live_server, citizen)
    inert.visit("/service/anliegen/neu/")
    page.get_by_label("Betreff").fill(payload("Formular-Betreff"))
    page.get_by_label("Ihr Anliegen").fill(long_payload("Formular-Anliegen"))
    page.get_by_role("button", name="Anliegen absenden").click()
    expect(page.get_by_role("heading", name="Ihr Anliegen ist eingegangen")).to_be_visible()
    ticket = Ticket.objects.get()
    assert ticket.subject == payload("Formular-Betreff")
    inert.check()

    inert.visit(f"/service/anliegen/{ticket.reference}/", long_payload("Formular-Anliegen"))
    page.get_by_label("Ihre Nachricht").fill(long_payload("Formular-Rückfrage"))
    page.get_by_role("button", name="Nachricht senden").click()
    expect(page.get_by_text(long_payload("Formular-Rückfrage"))).to_be_visible()
    inert.check(payload("Formular-Betreff"), long_payload("Formular-Rückfrage"))

    log_in(page, live_server, with_mfa(make_agent()))
    inert.visit(
        f"/service/arbeitsplatz/{ticket.reference}/",
        payload("Formular-Betreff"),
        long_payload("Formular-Anliegen"),
        long_payload("Formular-Rückfrage"),
    )


def test_mobile_office_pages_show_every_payload_as_text(page, live_server, inert):
    day = timezone.localdate() + timedelta(days=3)
    stop = make_stop(
        day=day,
        place=payload("Haltestelle"),
        address=payload("Halteadresse"),
        notes=long_payload("Haltehinweis"),
        district=DistrictFactory(name=short_payload("Bezirk"), slug="bezirk"),
    )
    citizen = UserFactory()
    appointment = booking.book(
        stop=stop,
        starts_at=at(day, "09:15"),
        actor=citizen,
        name=payload("Buchende"),
        concern=payload("Terminanliegen"),
    )
    by_email = booking.book(
        stop=stop,
        starts_at=at(day, "09:30"),
        name=payload("Gast"),
        email="gast@example.org",
        concern=payload("Gastanliegen"),
    )

    inert.visit("/buergerbuero-mobil/", payload("Haltestelle"), short_payload("Bezirk"))
    inert.visit(stop.get_absolute_url(), payload("Haltestelle"), long_payload("Haltehinweis"))
    inert.visit(
        f"/buergerbuero-mobil/termin/{by_email.pk}/{by_email.cancel_token}/",
        payload("Gast"),
        payload("Gastanliegen"),
        payload("Haltestelle"),
    )
    log_in(page, live_server, citizen)
    inert.visit("/konto/", payload("Terminanliegen"), payload("Haltestelle"))
    inert.visit(
        f"/buergerbuero-mobil/termin/{appointment.pk}/{appointment.cancel_token}/",
        payload("Buchende"),
        payload("Terminanliegen"),
    )
    log_in(page, live_server, with_mfa(make_agent()))
    inert.visit(
        f"/service/arbeitsplatz/buergerbuero/{day.isoformat()}/",
        payload("Haltestelle"),
        payload("Buchende"),
        payload("Terminanliegen"),
        payload("Gast"),
    )
    log_in(page, live_server, administrator())
    inert.visit(
        f"/admin/servicecenter/mobileofficestop/{stop.pk}/change/",
        payload("Haltestelle"),
        long_payload("Haltehinweis"),
    )
