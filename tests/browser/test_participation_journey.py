"""Issue journey: A proposes with a map point, B rates and comments, moderation hides the
comment in admin, and the public sees the reason — every page accessible."""

import re

import pytest
from playwright.sync_api import expect

from ideas.models import Proposal
from participation.models import Comment
from tests.browser.axe import assert_accessible
from tests.browser.totp import log_in, with_totp
from tests.factories import PillarFactory, StaffFactory, UserFactory
from tests.ideas.conftest import make_process

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TILES = re.compile(r"^https://tile\.openstreetmap\.org/")


def log_out(page) -> None:
    page.goto("/accounts/logout/")
    page.get_by_role("button", name="Abmelden").click()


def test_propose_rate_comment_moderate_and_see_the_reason(page):
    page.route(TILES, lambda route: route.abort())  # no map tiles in tests
    process = make_process()
    pillar = PillarFactory(title="Digital nah dran!")
    UserFactory(email="anna@example.org", display_name="Anna")
    UserFactory(email="bernd@example.org", display_name="Bernd")
    moderator = StaffFactory(email="moderation@lohmar.de", is_superuser=True)
    secret = with_totp(moderator)

    # Anna submits a proposal and marks its place on the map.
    log_in(page, "anna@example.org")
    page.goto("/vorschlaege/neu/")
    assert_accessible(page)
    page.get_by_label("Beteiligungsverfahren").select_option(str(process.pk))
    page.get_by_label("Schwerpunkt").select_option(str(pillar.pk))
    page.get_by_label("Titel").fill("Freies WLAN am Rathausplatz")
    page.get_by_label("Kurzfassung").fill("Ein offenes, sicheres WLAN für alle.")
    page.get_by_label("Beschreibung", exact=True).fill("Am Rathaus und in der Bibliothek.")
    picker = page.locator("[data-point-picker] .leaflet-container")
    picker.wait_for()
    picker.click()  # the map opens on the town centre
    assert page.get_by_label("Breitengrad").input_value() != ""
    page.get_by_role("button", name="Vorschlag einreichen").click()
    expect(page.get_by_role("heading", name="Freies WLAN am Rathausplatz")).to_be_visible()
    proposal = Proposal.objects.get()
    assert proposal.latitude is not None and proposal.author.display_name == "Anna"
    assert_accessible(page)
    log_out(page)

    # Bernd rates and comments.
    log_in(page, "bernd@example.org")
    page.goto(proposal.get_absolute_url())
    page.get_by_label("4 von 5 Sternen").check()
    page.get_by_role("button", name="Bewerten", exact=True).click()
    expect(page.get_by_text("Durchschnitt 4,0 von 5 Sternen aus 1 Bewertung")).to_be_visible()
    page.get_by_label("Ihr Kommentar").fill("Das wäre super, aber bitte barrierefrei anmelden.")
    page.get_by_role("button", name="Kommentar veröffentlichen").click()
    expect(page.get_by_text("Das wäre super")).to_be_visible()
    assert_accessible(page)
    log_out(page)

    # The moderator logs in with a second factor and hides the comment in admin.
    log_in(page, "moderation@lohmar.de", secret)
    page.goto("/admin/participation/comment/")
    comment = Comment.objects.get()
    page.locator(f"input[name=_selected_action][value='{comment.pk}']").check()
    page.locator("select[name=action]").select_option("hide_selected")
    page.locator("button[name=index], input[name=index]").first.click()
    page.get_by_label("Öffentliche Begründung").fill("Enthält personenbezogene Daten Dritter.")
    page.get_by_role("button", name="Ausblenden", exact=True).click()
    expect(page.locator(".messagelist")).to_be_visible()  # the admin reports the result
    comment.refresh_from_db()
    assert comment.is_hidden
    log_out(page)

    # The public sees the reason, not the comment.
    page.goto(proposal.get_absolute_url())
    expect(
        page.get_by_text("Von der Moderation ausgeblendet: Enthält personenbezogene Daten Dritter.")
    ).to_be_visible()
    expect(page.get_by_text("Das wäre super")).to_have_count(0)
    assert_accessible(page)


@pytest.mark.parametrize("path", ["/vorschlaege/", "/vorschlaege/?q=WLAN&sort=best", "/"])
def test_proposal_pages_are_accessible(page, path):
    from tests.ideas.conftest import make_proposal

    make_proposal(process=make_process(), title="Freies WLAN")
    page.goto(path)
    assert_accessible(page)


def test_forms_in_their_error_state_are_accessible(page):
    from tests.ideas.conftest import make_proposal

    process = make_process()
    proposal = make_proposal(process=process)
    UserFactory(email="carla@example.org")
    log_in(page, "carla@example.org")
    page.goto("/vorschlaege/neu/")
    page.get_by_role("button", name="Vorschlag einreichen").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    assert_accessible(page)
    page.goto(proposal.get_absolute_url())
    page.get_by_role("button", name="Kommentar veröffentlichen").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    assert_accessible(page)


def test_the_remaining_proposal_pages_are_accessible(page):
    from participation import services as participation
    from tests.ideas.conftest import make_proposal

    process = make_process()
    author = UserFactory(email="dora@example.org")
    proposal = make_proposal(process=process, author=author)
    own = participation.add_comment(actor=author, target=proposal, text="Mein Kommentar")
    other = participation.add_comment(actor=UserFactory(), target=proposal, text="Fremd")
    log_in(page, "dora@example.org")
    for path in (
        f"/kommentare/{own.pk}/bearbeiten/",
        f"/kommentare/{other.pk}/melden/",
        f"{proposal.get_absolute_url()}zurueckziehen/",
        f"{proposal.get_absolute_url()}bearbeiten/",
    ):
        page.goto(path)
        expect(page.locator("h1")).to_be_visible()
        assert_accessible(page)
    # With no phase open for proposals, the submit page explains why.
    for phase in process.phases.all():
        phase.allows_submit = False
        phase.save()
    page.goto("/vorschlaege/neu/")
    expect(page.get_by_text("Zurzeit läuft keine Phase")).to_be_visible()
    assert_accessible(page)
