"""The process pages, the public roadmap, and the demo data behind them."""

import json
import re
from datetime import date, datetime
from itertools import count
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ideas import demo
from ideas.models import Proposal, RoadmapProject, RoadmapUpdate, StatusChange
from lohmar_portal.cache import bump_content_version
from lohmar_portal.geo import is_in_city
from lohmar_portal.models import User
from lohmar_portal.services import next_reference
from participation.models import Comment, Phase, Process, Rating
from participation.services import content_type_of
from tests.factories import DepartmentFactory, PillarFactory, UserFactory, VisionFactory

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
_numbers = count(1)


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def lohmar_2019(*, slug="digitalisierung-2019", is_public=True) -> Process:
    """The 2019 schedule: ideas until 13 Oct, workshop 4 Nov, council 11 Dec, implementation."""
    process = Process.objects.create(
        title="Digitalisierungsstrategie 2019",
        slug=slug,
        description="Ihre Ideen für das digitale Lohmar.",
        is_public=is_public,
    )
    Phase.objects.create(
        process=process,
        name="Ideensammlung",
        starts_at=berlin(2019, 9, 1),
        ends_at=berlin(2019, 10, 13, 23, 59, 59),
        allows_submit=True,
        allows_rate=True,
        allows_comment=True,
    )
    Phase.objects.create(
        process=process,
        name="Workshop der Verwaltung",
        starts_at=berlin(2019, 11, 4),
        ends_at=berlin(2019, 11, 4, 23, 59, 59),
    )
    Phase.objects.create(
        process=process,
        name="Ratssitzung",
        starts_at=berlin(2019, 12, 11),
        ends_at=berlin(2019, 12, 11, 23, 59, 59),
    )
    return process


def proposal(*, process, pillar=None, **fields) -> Proposal:
    n = next(_numbers)
    return Proposal.objects.create(
        reference=fields.pop("reference", f"VS-2019-{n:04d}"),
        process=process,
        pillar=pillar or PillarFactory(),
        title=fields.pop("title", f"Vorschlag {n}"),
        summary="Kurz gesagt.",
        text="Ausführlich.",
        author=UserFactory(),
        **fields,
    )


def project(*, pillar=None, **fields) -> RoadmapProject:
    n = next(_numbers)
    return RoadmapProject.objects.create(
        title=fields.pop("title", f"Projekt {n}"),
        slug=fields.pop("slug", f"projekt-{n}"),
        description=fields.pop("description", "Was die Stadt umsetzt."),
        pillar=pillar or PillarFactory(),
        **fields,
    )


def step_of(html: str, name: str) -> str:
    """The timeline entry (<li>…</li>) of the phase called `name`."""
    for item in re.findall(
        r"<li class=\"portal-timeline__step.*?</li>\s*(?=<li class=\"portal-timeline__step|</ol>)",
        html,
        re.S,
    ):
        if f">{name}</h3>" in item:
            return item
    raise AssertionError(f"no timeline entry for {name!r}")


# --- Process pages ------------------------------------------------------------------------------


def test_process_detail_marks_the_running_phase_and_what_it_allows(client, time_machine):
    time_machine.move_to(berlin(2019, 9, 20, 12, 0))
    process = lohmar_2019()
    html = client.get(f"/beteiligung/{process.slug}/").content.decode()

    assert "<h1" in html and "Digitalisierungsstrategie 2019" in html
    assert "Ihre Ideen für das digitale Lohmar." in html
    assert html.index('<ol class="portal-timeline">') < html.index(">Ideensammlung</h3>")
    ideas = step_of(html, "Ideensammlung")
    assert 'aria-current="step"' in ideas
    assert "aktuelle Phase" in ideas
    for feature in ("Vorschläge einreichen", "Bewerten", "Kommentieren"):
        assert feature in ideas
    workshop = step_of(html, "Workshop der Verwaltung")
    assert 'aria-current="step"' not in workshop
    assert "geplant" in workshop
    assert "Vorschläge einreichen" not in workshop
    assert "keine Online-Beteiligung" in workshop
    assert html.count('aria-current="step"') == 1


def test_process_detail_shows_dates_in_german_in_berlin_time(client, time_machine):
    time_machine.move_to(berlin(2019, 9, 20, 12, 0))
    process = lohmar_2019()
    html = client.get(f"/beteiligung/{process.slug}/").content.decode()
    ideas = step_of(html, "Ideensammlung")
    # 13 Oct 23:59:59 in Berlin is 21:59:59 UTC; the page must still say the 13th.
    assert "1. September 2019" in ideas and "13. Oktober 2019" in ideas
    assert "4. November 2019" in step_of(html, "Workshop der Verwaltung")
    assert "11. Dezember 2019" in step_of(html, "Ratssitzung")


def test_process_detail_marks_past_phases_as_finished(client, time_machine):
    time_machine.move_to(berlin(2019, 11, 20, 12, 0))
    process = lohmar_2019()
    html = client.get(f"/beteiligung/{process.slug}/").content.decode()
    assert "abgeschlossen" in step_of(html, "Ideensammlung")
    assert "abgeschlossen" in step_of(html, "Workshop der Verwaltung")
    assert "geplant" in step_of(html, "Ratssitzung")
    assert 'aria-current="step"' not in html  # between the workshop and the council


def test_process_detail_counts_listed_proposals_their_ratings_and_comments(client):
    process = lohmar_2019()
    proposal(process=process, rating_count=4, comment_count=2)
    proposal(process=process, rating_count=1, comment_count=3)
    proposal(process=process, rating_count=50, comment_count=50, is_hidden=True)
    proposal(process=lohmar_2019(slug="anderes"), rating_count=9, comment_count=9)
    html = client.get(f"/beteiligung/{process.slug}/").content.decode()
    figures = re.sub(r"\s+", " ", html[html.index('id="zahlen-titel"') :])
    assert re.search(r"Vorschläge</dt> <dd[^>]*> ?2 ?</dd>", figures)
    assert re.search(r"Bewertungen</dt> <dd[^>]*> ?5 ?</dd>", figures)
    assert re.search(r"Kommentare</dt> <dd[^>]*> ?5 ?</dd>", figures)
    assert 'href="/vorschlaege/"' in figures


def test_process_figures_are_read_in_one_query():
    from ideas.roadmap_selectors import process_figures

    process = lohmar_2019()
    proposal(process=process, rating_count=2)
    with CaptureQueriesContext(connection) as queries:
        assert process_figures(process) == {"proposals": 1, "ratings": 2, "comments": 0}
    assert len(queries) == 1


def test_non_public_or_unknown_processes_are_404(client):
    hidden = lohmar_2019(is_public=False)
    assert client.get(f"/beteiligung/{hidden.slug}/").status_code == 404
    assert client.get("/beteiligung/gibt-es-nicht/").status_code == 404
    assert hidden.title not in client.get("/beteiligung/").content.decode()


def test_process_list_shows_public_processes_newest_first_with_their_state(client, time_machine):
    time_machine.move_to(berlin(2026, 11, 21, 12, 0))
    old = lohmar_2019()
    current = Process.objects.create(title="Ideen 2026/27", slug="ideen-2026")
    Phase.objects.create(
        process=current,
        name="Ideensammlung 2026",
        starts_at=berlin(2026, 11, 1),
        ends_at=berlin(2027, 1, 31, 23, 59, 59),
        allows_submit=True,
    )
    Process.objects.create(title="Internes Verfahren", slug="intern", is_public=False)
    html = client.get("/beteiligung/").content.decode()

    assert "Internes Verfahren" not in html
    assert html.index("Ideen 2026/27") < html.index("Digitalisierungsstrategie 2019")
    assert f'href="/beteiligung/{current.slug}/"' in html
    assert f'href="/beteiligung/{old.slug}/"' in html
    current_card = html[html.index("Ideen 2026/27") : html.index("Digitalisierungsstrategie 2019")]
    assert "Ideensammlung 2026" in current_card and "31. Januar 2027" in current_card
    assert "abgeschlossen" in html[html.index("Digitalisierungsstrategie 2019") :]


def test_process_list_between_phases_names_the_next_one(client, time_machine):
    time_machine.move_to(berlin(2019, 11, 20, 12, 0))
    lohmar_2019()
    html = client.get("/beteiligung/").content.decode()
    assert "Nächste Phase: Ratssitzung ab 11. Dezember 2019" in html
    assert "aktuelle Phase" not in html and "abgeschlossen" not in html


@pytest.mark.parametrize("page", ["list", "detail"])
def test_process_pages_run_a_constant_number_of_queries(client, page):
    process = lohmar_2019()
    url = "/beteiligung/" if page == "list" else f"/beteiligung/{process.slug}/"
    bump_content_version()  # as any write would; measure the rendering, not the cache
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for n in range(19):
        lohmar_2019(slug=f"verfahren-{n}")
        Phase.objects.create(
            process=process,
            name=f"Phase {n}",
            starts_at=berlin(2020, 1, n + 1),
            ends_at=berlin(2020, 1, n + 2),
        )
        proposal(process=process)
    bump_content_version()
    with CaptureQueriesContext(connection) as twenty:
        assert client.get(url).status_code == 200
    assert len(one) == len(twenty)


# --- Roadmap ------------------------------------------------------------------------------------


def test_roadmap_groups_published_projects_by_pillar_in_strategy_order(client):
    vision = VisionFactory()
    second = PillarFactory(vision=vision, title="Digital gut unterwegs!", order=2)
    first = PillarFactory(vision=vision, title="Digital nah dran!", order=1)
    department = DepartmentFactory(name="Bürgerservice und Ordnung")
    online = project(
        pillar=first,
        title="Online-Terminvergabe",
        department=department,
        priority=RoadmapProject.Priority.HIGH,
        progress=RoadmapProject.Progress.IN_PROGRESS,
        percent=40,
    )
    RoadmapUpdate.objects.create(project=online, date=date(2020, 3, 2), text="Ausschreibung.")
    RoadmapUpdate.objects.create(project=online, date=date(2021, 2, 1), text="Freigeschaltet.")
    project(pillar=second, title="Echtzeit-Bus")
    project(pillar=first, title="Geheimes Projekt", is_published=False)
    html = client.get("/roadmap/").content.decode()

    assert "Geheimes Projekt" not in html
    assert (
        html.index("Digital nah dran!")
        < html.index("Online-Terminvergabe")
        < html.index("Digital gut unterwegs!")
        < html.index("Echtzeit-Bus")
    )
    card = html[html.index("Online-Terminvergabe") : html.index("Digital gut unterwegs!")]
    assert f'href="/roadmap/{online.slug}/"' in html
    assert "hoch" in card and "Bürgerservice und Ordnung" in card and "in Umsetzung" in card
    assert re.search(r'<progress id="fortschritt-\d+" max="100" value="40">', card)
    assert "40 % umgesetzt" in card
    assert re.search(r'<label class="kern-label" for="fortschritt-\d+">', card)
    assert "1. Februar 2021" in card and "2. März 2020" not in card


def test_roadmap_without_projects_says_so(client):
    assert "noch keine Umsetzungsprojekte" in client.get("/roadmap/").content.decode()


def test_project_detail_shows_progress_dated_updates_and_visible_proposals(client):
    department = DepartmentFactory(name="Schule, Bildung und Sport")
    process = lohmar_2019()
    shown = proposal(process=process, title="Tablets für alle Schulen", status="adopted")
    hidden = proposal(process=process, title="Ausgeblendeter Vorschlag", is_hidden=True)
    merged = proposal(process=process, title="Doppelter Vorschlag", status="merged")
    schools = project(
        title="Digitale Ausstattung der Schulen",
        description="Glasfaser und WLAN für jede Schule.",
        department=department,
        progress=RoadmapProject.Progress.IN_PROGRESS,
        percent=85,
    )
    schools.proposals.set([shown, hidden, merged])
    RoadmapUpdate.objects.create(project=schools, date=date(2020, 5, 18), text="Planung fertig.")
    RoadmapUpdate.objects.create(project=schools, date=date(2024, 9, 2), text="WLAN überall.")
    html = client.get(f"/roadmap/{schools.slug}/").content.decode()

    assert "Glasfaser und WLAN für jede Schule." in html
    assert "Schule, Bildung und Sport" in html
    assert 'max="100" value="85"' in html and "85 % umgesetzt" in html
    assert html.index("2. September 2024") < html.index("18. Mai 2020")
    assert html.index("WLAN überall.") < html.index("Planung fertig.")
    assert f'href="/vorschlaege/{shown.reference}/"' in html
    assert f"{shown.reference}: Tablets für alle Schulen" in html
    assert hidden.reference not in html and "Ausgeblendeter Vorschlag" not in html
    assert merged.reference not in html


def test_unpublished_or_unknown_projects_are_404(client):
    draft = project(is_published=False)
    assert client.get(f"/roadmap/{draft.slug}/").status_code == 404
    assert client.get("/roadmap/gibt-es-nicht/").status_code == 404


def test_roadmap_runs_a_constant_number_of_queries(client):
    vision = VisionFactory()
    project(pillar=PillarFactory(vision=vision), department=DepartmentFactory())
    bump_content_version()  # as any write would; measure the rendering, not the cache
    with CaptureQueriesContext(connection) as one:
        assert client.get("/roadmap/").status_code == 200
    for n in range(19):
        item = project(pillar=PillarFactory(vision=vision), department=DepartmentFactory())
        RoadmapUpdate.objects.create(project=item, date=date(2025, 1, n + 1), text="Weiter.")
    bump_content_version()
    with CaptureQueriesContext(connection) as twenty:
        html = client.get("/roadmap/").content.decode()
    assert html.count("<progress") == 20
    assert len(one) == len(twenty)


def test_project_detail_runs_a_constant_number_of_queries(client):
    process = lohmar_2019()
    item = project(department=DepartmentFactory())
    item.proposals.add(proposal(process=process))
    RoadmapUpdate.objects.create(project=item, text="Start.")
    bump_content_version()  # as any write would; measure the rendering, not the cache
    with CaptureQueriesContext(connection) as one:
        assert client.get(f"/roadmap/{item.slug}/").status_code == 200
    for n in range(19):
        item.proposals.add(proposal(process=process))
        RoadmapUpdate.objects.create(project=item, date=date(2025, 1, n + 1), text=f"Nr. {n}")
    bump_content_version()
    with CaptureQueriesContext(connection) as twenty:
        html = client.get(f"/roadmap/{item.slug}/").content.decode()
    assert html.count('href="/vorschlaege/VS-') == 20
    assert len(one) == len(twenty)


# --- Demo data ----------------------------------------------------------------------------------


def _ideas_demo_people() -> int:
    """The demo citizens of the participation data (other apps bring demo people of their own)."""
    from ideas.demo import PARTICIPATION

    emails = [item["email"] for item in json.loads(PARTICIPATION.read_text())["citizens"]]
    return User.objects.filter(email__in=emails).count()


def _demo_counts() -> tuple:
    return (
        Process.objects.count(),
        Phase.objects.count(),
        Proposal.objects.count(),
        StatusChange.objects.count(),
        Rating.objects.count(),
        Comment.objects.count(),
        RoadmapProject.objects.count(),
        RoadmapUpdate.objects.count(),
        _ideas_demo_people(),
        list(Proposal.objects.order_by("pk").values_list("rating_count", "comment_count")),
    )


@pytest.mark.parametrize(
    "moment",
    [berlin(2026, 11, 21, 12, 0), berlin(2027, 6, 1, 12, 0)],
    ids=["idea-phase-open", "idea-phase-closed"],
)
def test_load_demo_twice_gives_the_same_participation_data(settings, time_machine, moment):
    settings.DEBUG = False  # no demo staff account and no credentials file in this test
    time_machine.move_to(moment)
    call_command("load_demo")
    first = _demo_counts()
    call_command("load_demo")

    assert _demo_counts() == first
    assert first[:9] == (2, 7, 12, 35, 34, 11, 3, 10, 6)
    assert Process.objects.filter(is_public=True).count() == 2


def test_demo_data_is_consistent_and_inside_the_city(settings, time_machine):
    settings.DEBUG = False
    time_machine.move_to(berlin(2026, 11, 21, 12, 0))
    call_command("load_demo")

    points = Proposal.objects.filter(latitude__isnull=False)
    assert points.count() >= 5
    assert all(is_in_city(p.latitude, p.longitude) for p in points)

    ideas_2019 = Phase.objects.get(
        process__slug="digitalisierungsstrategie-2019", name__startswith="Ideen"
    )
    assert ideas_2019.ends_at == berlin(2019, 10, 13, 23, 59, 59)
    assert ideas_2019.allows_submit and ideas_2019.allows_rate and ideas_2019.allows_comment
    current = Process.objects.get(slug="digitales-lohmar-2026-27")
    assert current.phase_at().allows_submit

    for item in Proposal.objects.all():
        history = list(item.status_changes.order_by("created_at", "pk"))
        assert history[0].to_status == "submitted"
        assert history[-1].to_status == item.status
        for step in history[1:]:
            assert step.to_status in Proposal.TRANSITIONS[step.from_status]
        if item.status in {"adopted", "rejected", "deferred"}:
            assert item.official_answer and item.answered_at
        ratings = Rating.objects.filter(content_type=content_type_of(item), object_id=item.pk)
        assert item.rating_count == ratings.count()
        assert not ratings.filter(user_id=item.author_id).exists()
    statuses = set(
        Proposal.objects.filter(reference__startswith="VS-2019").values_list("status", flat=True)
    )
    assert {"adopted", "rejected", "shortlisted"} <= statuses

    for item in RoadmapProject.objects.all():
        assert item.is_published and item.updates.exists()
        assert {p.status for p in item.proposals.all()} == {"adopted"}

    citizens = User.objects.filter(is_staff=False)
    assert all(u.email.endswith("@example.org") and not u.has_usable_password() for u in citizens)
    assert not any(u.real_name for u in citizens)
    # The demo's fixed numbers are reserved: a new proposal gets the next free one.
    assert next_reference("VS", year=2026) == "VS-2026-0005"


def test_demo_source_marks_everything_as_demo_content():
    import json

    source = json.loads(demo.PARTICIPATION.read_text())["_source"]
    assert "DEMO" in source and "ASSUMED" in source
