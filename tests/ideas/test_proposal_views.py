"""The public proposal pages as citizens and visitors use them."""

import io
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from ideas.models import Proposal
from lohmar_portal.cache import bump_content_version
from participation import services as participation
from participation.models import Comment, Rating
from tests.factories import PASSWORD, DistrictFactory, PillarFactory, UserFactory
from tests.ideas.conftest import make_process, make_proposal

pytestmark = pytest.mark.django_db


def png(name="bild.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def submit_data(process, pillar, **overrides):
    return {
        "process": process.pk,
        "pillar": pillar.pk,
        "title": "WLAN am Rathaus",
        "summary": "Freies WLAN für alle.",
        "text": "Am Rathaus und in der Bibliothek.",
        "district": "",
        "latitude": "",
        "longitude": "",
        **overrides,
    }


# --- List ---------------------------------------------------------------------------------------


def test_list_shows_listed_proposals_only(client, open_process):
    shown = make_proposal(process=open_process, title="Sichtbar")
    make_proposal(process=open_process, title="Versteckt", is_hidden=True, hidden_reason="Spam")
    make_proposal(process=open_process, title="Zurückgezogen", status=Proposal.Status.WITHDRAWN)
    make_proposal(
        process=open_process, title="Doppelt", status=Proposal.Status.MERGED, merged_into=shown
    )
    html = client.get("/vorschlaege/").content.decode()
    assert "Sichtbar" in html
    for title in ("Versteckt", "Zurückgezogen", "Doppelt"):
        assert title not in html
    assert "1 Vorschlag" in html


def test_list_filters_by_pillar_status_and_district(client, open_process):
    pillar, other = PillarFactory(slug="lernen"), PillarFactory()
    birk = DistrictFactory(name="Birk", slug="birk")
    make_proposal(
        process=open_process,
        pillar=pillar,
        title="Treffer",
        district=birk,
        status=Proposal.Status.IN_REVIEW,
    )
    make_proposal(
        process=open_process,
        pillar=other,
        title="Anderer Schwerpunkt",
        district=birk,
        status=Proposal.Status.IN_REVIEW,
    )
    make_proposal(process=open_process, pillar=pillar, title="Anderer Status", district=birk)
    html = client.get("/vorschlaege/?pillar=lernen&status=in_review&district=birk").content.decode()
    assert "Treffer" in html
    assert "Anderer Schwerpunkt" not in html and "Anderer Status" not in html


def test_list_ignores_unknown_filter_values(client, open_process):
    make_proposal(process=open_process, title="Da")
    response = client.get("/vorschlaege/?pillar=gibts-nicht&sort=quatsch&page=99")
    assert response.status_code == 200


def test_search_finds_words_in_title_summary_and_text(client, open_process):
    make_proposal(process=open_process, title="Radweg nach Wahlscheid")
    make_proposal(process=open_process, title="Bücherei", text="Ausleihe von Tablets")
    make_proposal(process=open_process, title="Anderes")
    html = client.get("/vorschlaege/?q=Tablets").content.decode()
    assert "Bücherei" in html and "Radweg" not in html and "Anderes" not in html


def test_best_rated_uses_the_bayesian_average(client, open_process):
    few = make_proposal(process=open_process, title="Zwei Fünfer")
    many = make_proposal(process=open_process, title="Viele Gute")
    Proposal.objects.filter(pk=few.pk).update(
        rating_count=2, rating_sum=10, rating_score=(30 + 10) / 12
    )
    Proposal.objects.filter(pk=many.pk).update(
        rating_count=200, rating_sum=920, rating_score=(30 + 920) / 210
    )
    html = client.get("/vorschlaege/?sort=best").content.decode()
    assert html.index("Viele Gute") < html.index("Zwei Fünfer")


def test_random_order_is_stable_for_a_seed(client, open_process):
    for n in range(25):
        make_proposal(process=open_process, title=f"Zufall {n:02d}")

    def order(url):
        return re.findall(r"Zufall \d\d", client.get(url).content.decode())

    first = order("/vorschlaege/?sort=random&seed=42")
    assert len(first) == 20
    assert order("/vorschlaege/?sort=random&seed=42") == first
    assert order("/vorschlaege/?sort=random&seed=7") != first
    assert first != sorted(first) and first != sorted(first, reverse=True)
    # Page 2 continues the same order: together the pages hold every proposal once.
    second = order("/vorschlaege/?sort=random&seed=42&page=2")
    assert sorted(first + second) == [f"Zufall {n:02d}" for n in range(25)]
    assert "seed=42" in client.get("/vorschlaege/?sort=random&seed=42").content.decode()


def test_list_is_paginated(client, open_process):
    for n in range(25):
        make_proposal(process=open_process, title=f"Nummer {n:02d}")
    first = client.get("/vorschlaege/").content.decode()
    second = client.get("/vorschlaege/?page=2").content.decode()
    assert "Seite 1 von 2" in first and "Seite 2 von 2" in second
    assert first.count("portal-proposal-card") == 20
    assert second.count("portal-proposal-card") == 5


@pytest.mark.parametrize("query", ["", "?sort=best", "?sort=random&seed=3", "?q=Vorschlag"])
def test_list_runs_a_constant_number_of_queries(client, open_process, query):
    make_proposal(process=open_process)
    bump_content_version()  # as any write would; measure the rendering, not the cache
    with CaptureQueriesContext(connection) as one:
        client.get(f"/vorschlaege/{query}")
    for _ in range(19):
        make_proposal(process=open_process)
    bump_content_version()
    with CaptureQueriesContext(connection) as twenty:
        client.get(f"/vorschlaege/{query}")
    assert len(one) == len(twenty)


# --- Detail -------------------------------------------------------------------------------------


def test_detail_shows_the_proposal_with_display_name_never_real_name_or_email(client):
    author = UserFactory(
        display_name="Anna B.", real_name="Anna Berger", email="anna.berger@example.org"
    )
    proposal = make_proposal(
        author=author,
        title="Digitale Sprechstunde",
        official_answer="Wir prüfen das.",
        answered_at="2026-11-01T10:00:00+01:00",
    )
    html = client.get(proposal.get_absolute_url()).content.decode()
    assert "Digitale Sprechstunde" in html and "Anna B." in html
    assert "Wir prüfen das." in html
    assert "Anna Berger" not in html and "anna.berger@example.org" not in html


def test_detail_of_a_hidden_proposal_shows_only_the_public_reason(client):
    proposal = make_proposal(title="Geheim", is_hidden=True, hidden_reason="Werbung")
    response = client.get(proposal.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "Werbung" in html and "Geheim" not in html


def test_merged_proposal_redirects_to_the_kept_one(client):
    kept = make_proposal()
    merged = make_proposal(status=Proposal.Status.MERGED, merged_into=kept)
    response = client.get(merged.get_absolute_url())
    assert response.status_code == 301
    assert response["Location"] == kept.get_absolute_url()


def test_unknown_proposal_is_404(client):
    assert client.get("/vorschlaege/VS-1999-9999/").status_code == 404


def test_detail_runs_a_constant_number_of_queries(client, open_process):
    proposal = make_proposal(process=open_process)
    users = [UserFactory() for _ in range(21)]
    participation.add_comment(actor=users[0], target=proposal, text="Erster")
    participation.rate(user=users[20], target=proposal, value=5)
    bump_content_version()  # as any write would; measure the rendering, not the cache
    with CaptureQueriesContext(connection) as one:
        client.get(proposal.get_absolute_url())
    for user in users[1:]:
        top = participation.add_comment(actor=user, target=proposal, text="Noch einer")
        participation.add_comment(actor=users[0], target=proposal, text="Antwort", parent=top)
        participation.rate(user=user, target=proposal, value=4)
    bump_content_version()
    with CaptureQueriesContext(connection) as twenty:
        client.get(proposal.get_absolute_url())
    assert len(one) == len(twenty)


def test_long_threads_are_paginated(client, open_process):
    proposal = make_proposal(process=open_process)
    user = UserFactory()
    for n in range(25):
        participation.add_comment(actor=user, target=proposal, text=f"Beitrag {n:02d}")
    first = client.get(proposal.get_absolute_url()).content.decode()
    third = client.get(proposal.get_absolute_url() + "?kommentare=3").content.decode()
    assert "Beitrag 00" in first and "Beitrag 09" in first and "Beitrag 10" not in first
    assert "Beitrag 24" in third and "Beitrag 19" not in third
    assert "Seite 1 von 3" in first


def test_comment_text_is_escaped_and_links_are_clickable(client, open_process):
    proposal = make_proposal(process=open_process)
    participation.add_comment(
        actor=UserFactory(),
        target=proposal,
        text="<script>alert(1)</script> Siehe https://www.lohmar.de",
    )
    html = client.get(proposal.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
    assert 'href="https://www.lohmar.de"' in html


# --- Submit, edit, withdraw ---------------------------------------------------------------------


def test_citizen_submits_a_proposal_with_point_and_image(client, open_process):
    pillar = PillarFactory()
    client.force_login(UserFactory())
    response = client.post(
        "/vorschlaege/neu/",
        submit_data(
            open_process,
            pillar,
            latitude="50.8394",
            longitude="7.2164",
            image_1=png(),
            alt_1="Der Rathausplatz",
        ),
    )
    proposal = Proposal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == proposal.get_absolute_url()
    assert proposal.reference.startswith("VS-")
    assert (proposal.latitude, proposal.longitude) == (50.8394, 7.2164)
    assert proposal.images.get().alt_text == "Der Rathausplatz"


def test_submit_form_is_not_offered_outside_the_submit_phase(client, closed_process):
    client.force_login(UserFactory())
    page = client.get("/vorschlaege/neu/")
    assert "Zurzeit läuft keine Phase" in page.content.decode()
    response = client.post("/vorschlaege/neu/", submit_data(closed_process, PillarFactory()))
    assert response.status_code == 403
    assert "keine Phase" in response.content.decode()
    assert not Proposal.objects.exists()


def test_submitting_needs_an_account(client, open_process):
    response = client.get("/vorschlaege/neu/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "Dieses Feld ist zwingend erforderlich."),
        ({"text": "x" * 100_000}, "höchstens 10000 Zeichen"),
        ({"latitude": "54.0", "longitude": "7.2"}, "nicht im Stadtgebiet"),
        ({"latitude": "50.84"}, "Breiten- und Längengrad"),
        ({"image_1": "pdf", "alt_1": "Plan"}, "Die hochgeladene Datei ist kein Bild"),
        ({"image_1": "png", "alt_1": ""}, "Bitte beschreiben Sie das Bild"),
    ],
)
def test_bad_input_is_refused_in_german_and_saves_nothing(client, open_process, overrides, message):
    if overrides.get("image_1") == "pdf":
        overrides["image_1"] = SimpleUploadedFile(
            "plan.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg"
        )
    elif overrides.get("image_1") == "png":
        overrides["image_1"] = png()
    client.force_login(UserFactory())
    response = client.post(
        "/vorschlaege/neu/", submit_data(open_process, PillarFactory(), **overrides)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Proposal.objects.exists()


def test_author_edits_while_the_submit_phase_runs(client, open_process):
    author = UserFactory()
    proposal = make_proposal(process=open_process, author=author)
    client.force_login(author)
    response = client.post(
        f"{proposal.get_absolute_url()}bearbeiten/",
        {
            "pillar": proposal.pillar.pk,
            "title": "Neuer Titel",
            "summary": "Neu",
            "text": "Neu",
        },
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.title == "Neuer Titel"


def test_others_cannot_edit_or_withdraw(client, open_process):
    proposal = make_proposal(process=open_process)
    client.force_login(UserFactory())
    assert client.get(f"{proposal.get_absolute_url()}bearbeiten/").status_code == 403
    assert client.post(f"{proposal.get_absolute_url()}zurueckziehen/").status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.SUBMITTED


def test_author_withdraws(client, open_process):
    author = UserFactory()
    proposal = make_proposal(process=open_process, author=author)
    client.force_login(author)
    assert client.get(f"{proposal.get_absolute_url()}zurueckziehen/").status_code == 200
    client.post(f"{proposal.get_absolute_url()}zurueckziehen/")
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.WITHDRAWN


# --- Ratings, comments, flags, follows ----------------------------------------------------------


def test_citizen_rates_changes_and_withdraws(client, open_process):
    proposal = make_proposal(process=open_process)
    client.force_login(UserFactory())
    client.post(f"{proposal.get_absolute_url()}bewerten/", {"value": "4"})
    client.post(f"{proposal.get_absolute_url()}bewerten/", {"value": "2"})
    proposal.refresh_from_db()
    assert (proposal.rating_count, proposal.rating_sum) == (1, 2)
    html = client.get(proposal.get_absolute_url()).content.decode()
    assert "Ihre Bewertung: 2 von 5 Sternen" in html
    client.post(f"{proposal.get_absolute_url()}bewertung-zuruecknehmen/")
    proposal.refresh_from_db()
    assert (proposal.rating_count, proposal.rating_sum) == (0, 0)


@pytest.mark.postgres  # the statements as PostgreSQL gets them (SQLite has no FOR UPDATE)
def test_a_rating_reads_the_proposal_once_and_neither_the_account_nor_the_phases(
    client, open_process
):
    first, second = make_proposal(process=open_process), make_proposal(process=open_process)
    client.force_login(UserFactory())
    client.post(f"{first.get_absolute_url()}bewerten/", {"value": "4"})  # account, phases kept
    bump_content_version()  # as the first rating's commit does
    with CaptureQueriesContext(connection) as queries:
        response = client.post(f"{second.get_absolute_url()}bewerten/", {"value": "5"})
    assert response.status_code == 302
    statements = [query["sql"] for query in queries.captured_queries]
    # The request's transaction is a savepoint inside the test's; the service opens none.
    assert [sql.split()[0] for sql in statements if "SAVEPOINT" in sql] == ["SAVEPOINT", "RELEASE"]
    # Then the proposal under its lock, the rating, the counters.
    statements = [sql for sql in statements if "SAVEPOINT" not in sql]
    assert len(statements) == 3, statements
    assert statements[0].startswith('SELECT "ideas_proposal"') and "FOR UPDATE" in statements[0]
    assert statements[1].startswith('INSERT INTO "participation_rating"')
    assert statements[2].startswith('UPDATE "ideas_proposal"')
    second.refresh_from_db()
    assert (second.rating_count, second.rating_sum) == (1, 5)


def test_rating_of_six_is_refused(client, open_process):
    proposal = make_proposal(process=open_process)
    client.force_login(UserFactory())
    response = client.post(f"{proposal.get_absolute_url()}bewerten/", {"value": "6"})
    assert response.status_code == 400
    assert "Bitte bewerten Sie mit 1 bis 5 Sternen." in response.content.decode()
    assert not Rating.objects.exists()


def test_rating_outside_the_rating_phase_is_403(client, closed_process):
    proposal = make_proposal(process=closed_process)
    client.force_login(UserFactory())
    response = client.post(f"{proposal.get_absolute_url()}bewerten/", {"value": "5"})
    assert response.status_code == 403
    assert "nicht bewerten" in response.content.decode()
    assert not Rating.objects.exists()


def test_authors_cannot_rate_their_own_proposal(client, open_process):
    author = UserFactory()
    proposal = make_proposal(process=open_process, author=author)
    client.force_login(author)
    assert client.post(f"{proposal.get_absolute_url()}bewerten/", {"value": "5"}).status_code == 403


def test_comment_and_reply_notify_the_author(
    client, open_process, django_capture_on_commit_callbacks
):
    proposal = make_proposal(process=open_process)
    anna, bernd = UserFactory(email="anna@example.org"), UserFactory()
    client.force_login(anna)
    client.post(f"{proposal.get_absolute_url()}kommentieren/", {"text": "Gute Idee!"})
    first = Comment.objects.get()
    client.force_login(bernd)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"{proposal.get_absolute_url()}kommentieren/",
            {"text": "Finde ich auch.", "parent": first.pk},
        )
    assert Comment.objects.get(parent=first).text == "Finde ich auch."
    proposal.refresh_from_db()
    assert proposal.comment_count == 2
    assert [m.to for m in mail.outbox] == [["anna@example.org"]]
    assert "Finde ich auch." not in mail.outbox[0].body  # the e-mail links, it does not quote


def test_comment_on_a_hidden_proposal_is_refused(client, open_process):
    proposal = make_proposal(process=open_process, is_hidden=True, hidden_reason="Prüfung")
    client.force_login(UserFactory())
    response = client.post(f"{proposal.get_absolute_url()}kommentieren/", {"text": "Hallo"})
    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_empty_comment_is_refused_with_a_german_message(client, open_process):
    proposal = make_proposal(process=open_process)
    client.force_login(UserFactory())
    response = client.post(f"{proposal.get_absolute_url()}kommentieren/", {"text": "  "})
    assert response.status_code == 400
    assert "Dieses Feld ist zwingend erforderlich." in response.content.decode()


def test_author_edits_within_15_minutes_and_deletes_to_a_tombstone(
    client, open_process, time_machine
):
    proposal = make_proposal(process=open_process)
    author = UserFactory()
    time_machine.move_to("2026-11-21 10:00:00+01:00", tick=False)
    comment = participation.add_comment(actor=author, target=proposal, text="Tippfeler")
    client.force_login(author)
    client.post(f"/kommentare/{comment.pk}/bearbeiten/", {"text": "Tippfehler"})
    comment.refresh_from_db()
    assert comment.text == "Tippfehler" and comment.edited_at
    time_machine.move_to("2026-11-21 10:16:00+01:00", tick=False)
    assert (
        client.post(f"/kommentare/{comment.pk}/bearbeiten/", {"text": "Zu spät"}).status_code == 403
    )
    client.post(f"/kommentare/{comment.pk}/loeschen/")
    comment.refresh_from_db()
    assert comment.is_deleted and comment.text == ""
    html = client.get(proposal.get_absolute_url()).content.decode()
    assert "Dieser Kommentar wurde von seiner Verfasserin oder seinem Verfasser gelöscht." in html


def test_hidden_comment_shows_its_public_reason(client, open_process, moderator):
    proposal = make_proposal(process=open_process)
    comment = participation.add_comment(actor=UserFactory(), target=proposal, text="Beleidigung")
    participation.hide(actor=moderator, target=comment, reason="Verstoß gegen die Netiquette")
    html = client.get(proposal.get_absolute_url()).content.decode()
    assert "Verstoß gegen die Netiquette" in html and "Beleidigung" not in html


def test_three_flags_hide_a_proposal_pending_review(client, open_process, settings):
    settings.PARTICIPATION_FLAG_THRESHOLD = 3
    proposal = make_proposal(process=open_process)
    for _ in range(3):
        client.force_login(UserFactory())
        client.post(f"{proposal.get_absolute_url()}melden/", {"reason": "Werbung"})
    proposal.refresh_from_db()
    assert proposal.is_hidden
    assert "vorläufig ausgeblendet" in client.get(proposal.get_absolute_url()).content.decode()


def test_follow_and_unfollow(client, open_process):
    proposal = make_proposal(process=open_process)
    user = UserFactory()
    client.force_login(user)
    client.post(f"{proposal.get_absolute_url()}folgen/", {"follow": "1"})
    assert "Nicht mehr folgen" in client.get(proposal.get_absolute_url()).content.decode()
    client.post(f"{proposal.get_absolute_url()}folgen/", {"follow": "0"})
    assert (
        "Folgen: Neuigkeiten per E-Mail" in client.get(proposal.get_absolute_url()).content.decode()
    )


def test_login_is_needed_for_every_participation_post(client, open_process):
    proposal = make_proposal(process=open_process)
    for action in ("bewerten", "kommentieren", "melden", "folgen"):
        response = client.post(f"{proposal.get_absolute_url()}{action}/", {"value": "3"})
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_process_fixture_password_is_usable(client):
    # The browser journeys log in with the factories' password.
    assert UserFactory().check_password(PASSWORD)


def test_make_process_gives_a_running_phase():
    process = make_process(submit=False)
    assert process.phase_at().allows_rate and not process.phase_at().allows_submit


def test_a_comment_is_reported_on_its_own_page(client, open_process):
    from participation.models import Flag

    proposal = make_proposal(process=open_process)
    comment = participation.add_comment(actor=UserFactory(), target=proposal, text="Werbung!")
    client.force_login(UserFactory())
    page = client.get(f"/kommentare/{comment.pk}/melden/")
    assert page.status_code == 200 and "Werbung!" in page.content.decode()
    response = client.post(f"/kommentare/{comment.pk}/melden/", {"reason": "Spam"})
    assert response.status_code == 302
    assert response["Location"] == f"{proposal.get_absolute_url()}#kommentar-{comment.pk}"
    assert Flag.objects.get().reason == "Spam"
    again = client.post(f"/kommentare/{comment.pk}/melden/", {"reason": "Noch mal"})
    assert again.status_code == 400
    assert "Sie haben diesen Beitrag bereits gemeldet." in again.content.decode()
    assert Flag.objects.count() == 1


def test_proposals_of_a_non_public_process_are_not_public(client, open_process):
    open_process.is_public = False
    open_process.save()
    proposal = make_proposal(process=open_process, title="Intern vorbereitet")
    assert "Intern vorbereitet" not in client.get("/vorschlaege/").content.decode()
    assert client.get(proposal.get_absolute_url()).status_code == 404
    client.force_login(UserFactory())
    assert client.post(f"{proposal.get_absolute_url()}bewerten/", {"value": "5"}).status_code in (
        403,
        404,
    )
    assert not Rating.objects.exists()


def test_the_comment_report_page_of_a_hidden_proposal_is_not_found(client, open_process):
    proposal = make_proposal(
        process=open_process, title="Verborgen", is_hidden=True, hidden_reason="Prüfung"
    )
    comment = participation.add_comment(
        actor=UserFactory(), target=make_proposal(process=open_process), text="x"
    )
    Comment.objects.filter(pk=comment.pk).update(object_id=proposal.pk)
    client.force_login(UserFactory())
    response = client.get(f"/kommentare/{comment.pk}/melden/")
    assert response.status_code == 404
    assert "Verborgen" not in response.content.decode()


def test_nobody_reports_their_own_or_a_deleted_comment(client, open_process):
    proposal = make_proposal(process=open_process)
    author = UserFactory()
    own = participation.add_comment(actor=author, target=proposal, text="Meins")
    client.force_login(author)
    assert client.get(f"/kommentare/{own.pk}/melden/").status_code == 403


def test_images_are_served_without_exif_and_only_while_the_proposal_is_visible(
    client, open_process
):
    from PIL import Image as PILImage

    buffer = io.BytesIO()
    exif = PILImage.Exif()
    exif[0x010F] = "Kamera-Hersteller"  # Make
    exif[0x8825] = {2: (50.0, 50.0, 0.0)}  # GPS latitude
    PILImage.new("RGB", (3000, 1000), "green").save(buffer, "JPEG", exif=exif)
    upload = SimpleUploadedFile("foto.jpg", buffer.getvalue(), content_type="image/jpeg")
    client.force_login(UserFactory())
    client.post(
        "/vorschlaege/neu/",
        submit_data(open_process, PillarFactory(), image_1=upload, alt_1="Eine grüne Wiese"),
    )
    image = Proposal.objects.get().images.get()
    response = client.get(f"/vorschlaege/bilder/{image.pk}/")
    assert response.status_code == 200
    served = PILImage.open(io.BytesIO(b"".join(response.streaming_content)))
    assert served.getexif() == {}
    assert max(served.size) == 2048
    Proposal.objects.update(is_hidden=True, hidden_reason="Prüfung")
    client.logout()
    assert client.get(f"/vorschlaege/bilder/{image.pk}/").status_code == 404


# --- The page shared by logged-in visitors (one rendering per content version, personal holes) ---


def _csrf_of_reply_form(html: str, parent_pk: int) -> str:
    form = re.search(
        r'<form[^>]*kommentieren/"[^>]*>\s*<input type="hidden" name="csrfmiddlewaretoken" '
        rf'value="([^"]+)">\s*<input type="hidden" name="parent" value="{parent_pk}">',
        html,
    )
    assert form, "no reply form with a CSRF field"
    return form.group(1)


def _cached_bytes() -> bytes:
    """Everything the cache holds (local memory or Redis), as stored."""
    from django.core.cache import cache

    if isinstance(getattr(cache, "_cache", None), dict):
        return b"".join(cache._cache.values())
    client = cache._cache.get_client()
    return b"".join(client.get(key) or b"" for key in client.scan_iter())


def test_each_visitor_sees_their_own_rating_and_the_actions_of_their_own_comments(
    client, open_process
):
    proposal = make_proposal(process=open_process)
    anna, bernd = UserFactory(), UserFactory()
    annas = participation.add_comment(actor=anna, target=proposal, text="Von Anna")
    bernds = participation.add_comment(actor=bernd, target=proposal, text="Von Bernd")
    participation.rate(user=anna, target=proposal, value=4)

    client.force_login(anna)
    html = client.get(proposal.get_absolute_url()).content.decode()
    assert "Ihre Bewertung: 4 von 5 Sternen" in html
    assert f"/kommentare/{annas.pk}/bearbeiten/" in html
    assert f"/kommentare/{annas.pk}/loeschen/" in html
    assert f"/kommentare/{annas.pk}/melden/" not in html
    assert f"/kommentare/{bernds.pk}/melden/" in html
    assert f"/kommentare/{bernds.pk}/bearbeiten/" not in html

    # Same content version: Bernd gets the page Anna's request rendered, with his own holes.
    client.force_login(bernd)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(proposal.get_absolute_url()).content.decode()
    assert not any("participation_comment" in q["sql"] for q in queries.captured_queries)
    assert "Ihre Bewertung" not in html and "Wie finden Sie diesen Vorschlag?" in html
    assert f"/kommentare/{bernds.pk}/bearbeiten/" in html
    assert f"/kommentare/{bernds.pk}/melden/" not in html
    assert f"/kommentare/{annas.pk}/melden/" in html
    assert f"/kommentare/{annas.pk}/bearbeiten/" not in html
    assert f"/kommentare/{annas.pk}/loeschen/" not in html


def test_every_form_of_the_shared_page_carries_the_visitors_own_csrf_token(open_process):
    from django.test import Client

    proposal = make_proposal(process=open_process)
    thread = participation.add_comment(actor=UserFactory(), target=proposal, text="Los geht's")
    anna, bernd = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    anna.force_login(UserFactory())
    bernd.force_login(UserFactory())
    annas_token = _csrf_of_reply_form(
        anna.get(proposal.get_absolute_url()).content.decode(), thread.pk
    )
    bernds_page = bernd.get(proposal.get_absolute_url()).content.decode()  # from the cache
    bernds_token = _csrf_of_reply_form(bernds_page, thread.pk)
    assert annas_token not in bernds_page
    for visitor, token, text in ((anna, annas_token, "Anna"), (bernd, bernds_token, "Bernd")):
        response = visitor.post(
            f"{proposal.get_absolute_url()}kommentieren/",
            {"csrfmiddlewaretoken": token, "text": text, "parent": thread.pk},
        )
        assert response.status_code == 302
    assert list(Comment.objects.filter(parent=thread).values_list("text", flat=True)) == [
        "Anna",
        "Bernd",
    ]


def test_a_logged_in_visitor_sees_a_new_comment_at_once(
    client, open_process, django_capture_on_commit_callbacks
):
    proposal = make_proposal(process=open_process)
    reader = UserFactory()
    client.force_login(reader)
    assert "Noch keine Kommentare." in client.get(proposal.get_absolute_url()).content.decode()
    client.force_login(UserFactory())
    with django_capture_on_commit_callbacks(execute=True):  # the commit bumps the version
        response = client.post(
            f"{proposal.get_absolute_url()}kommentieren/", {"text": "Ganz frisch"}
        )
    assert response.status_code == 302
    client.force_login(reader)
    html = client.get(proposal.get_absolute_url()).content.decode()
    assert "Ganz frisch" in html and "1 Kommentar" in html


def test_logged_in_detail_runs_a_constant_number_of_queries(client, open_process):
    proposal = make_proposal(process=open_process)
    users = [UserFactory() for _ in range(21)]
    participation.add_comment(actor=users[0], target=proposal, text="Erster")
    client.force_login(users[1])

    def counts() -> tuple[int, int]:
        bump_content_version()  # as any write would: the first request renders the page
        with CaptureQueriesContext(connection) as rendered:
            client.get(proposal.get_absolute_url())
        with CaptureQueriesContext(connection) as shared:
            client.get(proposal.get_absolute_url())
        return len(rendered), len(shared)

    client.get(proposal.get_absolute_url())  # the process's phases stay in the cache
    one = counts()
    for user in users[2:]:
        top = participation.add_comment(actor=user, target=proposal, text="Noch einer")
        participation.add_comment(actor=users[0], target=proposal, text="Antwort", parent=top)
    twenty = counts()
    assert one == twenty
    assert twenty[1] <= 3  # the visitor (user, session) and their rating and follow, at once


def test_cached_comments_and_proposals_hold_no_personal_data(client, open_process):
    author = UserFactory(email="carla.privat@example.org", real_name="Carla Geheimname")
    commenter = UserFactory(email="dora.privat@example.org", real_name="Dora Geheimname")
    proposal = make_proposal(process=open_process, author=author)
    participation.add_comment(actor=commenter, target=proposal, text="Hallo")
    participation.add_comment(actor=commenter, target=proposal, text="Nochmal", parent=None)
    client.get(proposal.get_absolute_url())  # anonymous: the page cache
    client.force_login(UserFactory())
    html = client.get(proposal.get_absolute_url()).content.decode()  # the shared fragment
    assert author.display_name in html and commenter.display_name in html
    cached = _cached_bytes()
    assert author.display_name.encode() in cached
    for user in (author, commenter):
        for private in (user.email, user.real_name, user.password):
            assert private.encode() not in cached
