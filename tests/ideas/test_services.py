"""The ideas services: submit, edit, withdraw, status, answer, merge and the roadmap."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count, Sum
from django.utils import timezone
from PIL import Image

from ideas import services
from ideas.models import Proposal, ProposalImage, RoadmapProject, RoadmapUpdate, StatusChange
from lohmar_portal.models import ReferenceSequence
from participation import services as participation
from participation.models import Channel, Comment, Follow, ModerationAction, Rating
from participation.services import RATING_PRIOR_MEAN, RATING_PRIOR_WEIGHT
from tests.factories import DepartmentFactory, DistrictFactory, PillarFactory, UserFactory
from tests.participation.factories import (
    PhaseFactory,
    ProcessFactory,
    ProposalFactory,
    make_moderator,
    open_process,
)

pytestmark = pytest.mark.django_db

INSIDE = (50.8394, 7.2164)  # Lohmar town centre
OUTSIDE = (50.9375, 6.9603)  # Cologne cathedral
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def png(name: str = "rathaus.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), "steelblue").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def image(alt_text: str = "Das Rathaus von vorn", file=None) -> services.NewImage:
    return services.NewImage(file=file or png(), alt_text=alt_text)


@pytest.fixture
def process():
    return open_process()


@pytest.fixture
def pillar():
    return PillarFactory()


@pytest.fixture
def citizen():
    return UserFactory()


@pytest.fixture
def moderator():
    return make_moderator()


def submit(actor, process, pillar, **kwargs):
    fields = {
        "title": "Freies WLAN am Rathaus",
        "summary": "Offenes WLAN rund um Rathaus und Bibliothek.",
        "text": "Besucherinnen und Besucher der Innenstadt brauchen Internet.",
        **kwargs,
    }
    return services.submit_proposal(actor=actor, process=process, pillar=pillar, **fields)


def assert_nothing_saved() -> None:
    assert Proposal.objects.count() == 0
    assert ProposalImage.objects.count() == 0
    assert StatusChange.objects.count() == 0
    assert Follow.objects.count() == 0
    assert ReferenceSequence.objects.filter(prefix="VS").count() == 0


def ratings_on(proposal) -> dict[int, int]:
    return dict(
        Rating.objects.filter(
            content_type=participation.content_type_of(proposal), object_id=proposal.pk
        ).values_list("user_id", "value")
    )


def log_of(proposal) -> list[tuple[str, int | None, str]]:
    return list(
        ModerationAction.objects.filter(
            content_type=participation.content_type_of(proposal), object_id=proposal.pk
        )
        .order_by("pk")
        .values_list("action", "actor_id", "reason")
    )


# --- Submit -------------------------------------------------------------------------------------


def test_submitting_gives_a_yearly_reference_an_initial_status_and_a_follow(
    process, pillar, citizen
):
    year = timezone.localdate().year
    first = submit(citizen, process, pillar, title="  Freies WLAN  ")
    second = submit(UserFactory(), process, pillar)
    assert (first.reference, second.reference) == (f"VS-{year}-0001", f"VS-{year}-0002")
    first.refresh_from_db()
    assert (first.title, first.author, first.status, first.channel) == (
        "Freies WLAN",
        citizen,
        Proposal.Status.SUBMITTED,
        Channel.WEB,
    )
    assert (first.rating_count, first.rating_sum, first.rating_score, first.comment_count) == (
        0,
        0,
        RATING_PRIOR_MEAN,
        0,
    )
    assert list(first.status_changes.values_list("from_status", "to_status", "actor")) == [
        ("", Proposal.Status.SUBMITTED, citizen.pk)
    ]
    assert list(Follow.objects.filter(object_id=first.pk).values_list("user_id", flat=True)) == [
        citizen.pk
    ]


def test_a_proposal_with_a_point_in_the_city_district_and_picture_is_saved(
    process, pillar, citizen
):
    district = DistrictFactory(name="Wahlscheid", slug="wahlscheid")
    proposal = submit(
        citizen,
        process,
        pillar,
        district=district,
        latitude=INSIDE[0],
        longitude=INSIDE[1],
        images=[image(" Das Rathaus im Sommer ")],
    )
    proposal.refresh_from_db()
    assert (proposal.latitude, proposal.longitude, proposal.district) == (*INSIDE, district)
    [picture] = proposal.images.all()
    assert picture.alt_text == "Das Rathaus im Sommer"
    with picture.image.open() as stored, Image.open(stored) as loaded:
        assert (loaded.format, loaded.size) == ("PNG", (4, 3))


def test_a_point_outside_the_city_is_refused(process, pillar, citizen):
    with pytest.raises(ValidationError) as refused:
        submit(citizen, process, pillar, latitude=OUTSIDE[0], longitude=OUTSIDE[1])
    assert refused.value.message_dict["latitude"] == [
        "Der Ort liegt nicht im Stadtgebiet. Bitte wählen Sie einen Ort in der Stadt oder "
        "lassen Sie die Karte leer."
    ]
    assert_nothing_saved()


@pytest.mark.parametrize(
    "point", [{"latitude": INSIDE[0]}, {"longitude": INSIDE[1]}], ids=["lat", "lon"]
)
def test_only_one_coordinate_is_refused(process, pillar, citizen, point):
    with pytest.raises(ValidationError) as refused:
        submit(citizen, process, pillar, **point)
    assert refused.value.message_dict["latitude"] == ["Bitte geben Sie Breiten- und Längengrad an."]
    assert_nothing_saved()


def test_more_than_three_images_are_refused(process, pillar, citizen):
    with pytest.raises(ValidationError) as refused:
        submit(citizen, process, pillar, images=[image() for _ in range(4)])
    assert refused.value.message_dict["images"] == ["Höchstens 3 Bilder pro Vorschlag."]
    assert_nothing_saved()


def test_three_images_are_taken_in_order(process, pillar, citizen):
    proposal = submit(
        citizen, process, pillar, images=[image(f"Bild {n}", png(f"{n}.png")) for n in range(3)]
    )
    assert list(proposal.images.values_list("alt_text", "order")) == [
        ("Bild 0", 0),
        ("Bild 1", 1),
        ("Bild 2", 2),
    ]


def test_an_image_without_alt_text_is_refused(process, pillar, citizen):
    with pytest.raises(ValidationError) as refused:
        submit(citizen, process, pillar, images=[image(alt_text="   ")])
    assert refused.value.message_dict["images"] == [
        "Bitte beschreiben Sie jedes Bild in einem Satz (Alternativtext)."
    ]
    assert_nothing_saved()


def test_a_pdf_renamed_to_jpg_is_refused(process, pillar, citizen):
    fake = SimpleUploadedFile("foto.jpg", PDF, content_type="image/jpeg")
    with pytest.raises(ValidationError) as refused:
        submit(citizen, process, pillar, images=[image(file=fake)])
    assert refused.value.message_dict["images"] == [
        "„foto.jpg“ ist kein Bild (erlaubt: JPEG, PNG, WebP, GIF)."
    ]
    assert_nothing_saved()


def test_an_image_in_a_format_not_allowed_is_refused(process, pillar, citizen):
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2)).save(buffer, "BMP")
    bitmap = SimpleUploadedFile("bild.png", buffer.getvalue(), content_type="image/png")
    with pytest.raises(ValidationError) as refused:
        submit(citizen, process, pillar, images=[image(file=bitmap)])
    assert refused.value.message_dict["images"] == [
        "„bild.png“ hat kein erlaubtes Format (JPEG, PNG, WebP, GIF)."
    ]
    assert_nothing_saved()


def test_an_image_over_5_mb_is_refused(process, pillar, citizen):
    big = SimpleUploadedFile("gross.png", png().read() + b"\0" * (5 * 1024 * 1024))
    with pytest.raises(ValidationError) as refused:
        submit(citizen, process, pillar, images=[image(file=big)])
    assert refused.value.message_dict["images"] == [
        "„gross.png“ ist zu groß: ein Bild darf höchstens 5 MB groß sein."
    ]
    assert_nothing_saved()


def test_an_empty_title_and_a_100_kb_text_are_refused_in_german(process, pillar, citizen):
    with pytest.raises(ValidationError) as refused:
        submit(citizen, process, pillar, title="   ", text="a" * 100_000)
    errors = refused.value.message_dict
    assert errors["title"] == ["Dieses Feld darf nicht leer sein."]
    assert errors["text"] == [
        "Bitte sicherstellen, dass der Wert aus höchstens 10000 Zeichen besteht. "
        "(Er besteht aus 100000 Zeichen.)"
    ]
    assert_nothing_saved()


def test_submitting_outside_the_submit_phase_is_refused(pillar, citizen):
    process = ProcessFactory()
    PhaseFactory(process=process, allows_submit=False)
    with pytest.raises(PermissionDenied) as refused:
        submit(citizen, process, pillar)
    assert str(refused.value) == "In dieser Phase können keine Vorschläge eingereicht werden."
    assert_nothing_saved()


def test_a_moderator_enters_a_paper_proposal_on_behalf_of_a_citizen(pillar, moderator):
    closed = ProcessFactory()  # staff may enter outside the phase; it is recorded as such
    proposal = submit(
        moderator, closed, pillar, channel=Channel.PAPER, on_behalf_of=" Erika Mustermann "
    )
    proposal.refresh_from_db()
    assert (proposal.author, proposal.entered_by, proposal.on_behalf_of, proposal.channel) == (
        None,
        moderator,
        "Erika Mustermann",
        Channel.PAPER,
    )
    assert Follow.objects.count() == 0


def test_a_citizen_cannot_enter_a_proposal_on_behalf_of_somebody(process, pillar, citizen):
    with pytest.raises(PermissionDenied):
        submit(citizen, process, pillar, channel=Channel.PHONE, on_behalf_of="Oma")
    assert_nothing_saved()


# --- Edit ---------------------------------------------------------------------------------------


def edit(actor, proposal, **kwargs):
    fields = {
        "pillar": proposal.pillar,
        "title": "Neuer Titel",
        "summary": proposal.summary,
        "text": proposal.text,
        **kwargs,
    }
    return services.edit_proposal(actor=actor, proposal=proposal, **fields)


def test_the_author_edits_while_the_submit_phase_runs(process, pillar, citizen):
    proposal = submit(citizen, process, pillar, images=[image("Alt", png("alt.png"))])
    old_image = proposal.images.get()
    edit(
        citizen,
        proposal,
        title=" Besserer Titel ",
        latitude=INSIDE[0],
        longitude=INSIDE[1],
        new_images=[image("Neu", png("neu.png"))],
        remove_images=[old_image.pk],
    )
    proposal.refresh_from_db()
    assert (proposal.title, proposal.latitude, proposal.longitude) == ("Besserer Titel", *INSIDE)
    assert list(proposal.images.values_list("alt_text", flat=True)) == ["Neu"]


def test_editing_counts_the_kept_images_toward_the_limit(process, pillar, citizen):
    proposal = submit(citizen, process, pillar, images=[image(), image()])
    with pytest.raises(ValidationError):
        edit(citizen, proposal, new_images=[image(), image()])
    assert proposal.images.count() == 2


def test_nobody_but_the_author_edits(process, pillar, citizen, moderator):
    proposal = submit(citizen, process, pillar)
    for other in (UserFactory(), moderator):
        with pytest.raises(PermissionDenied) as refused:
            edit(other, proposal, title="Übernommen")
    assert str(refused.value) == "Dieser Vorschlag kann nicht mehr bearbeitet werden."
    proposal.refresh_from_db()
    assert proposal.title == "Freies WLAN am Rathaus"


@pytest.mark.parametrize("staff_action", ["status", "answer", "hide"])
def test_the_author_cannot_edit_once_staff_acted(process, pillar, citizen, moderator, staff_action):
    proposal = submit(citizen, process, pillar)
    if staff_action == "status":
        services.change_status(actor=moderator, proposal=proposal, status="in_review")
    elif staff_action == "answer":
        services.answer_proposal(actor=moderator, proposal=proposal, answer="Wir prüfen das.")
    else:
        participation.hide(actor=moderator, target=proposal, reason="Werbung")
    with pytest.raises(PermissionDenied):
        edit(citizen, proposal, title="Geändert")
    proposal.refresh_from_db()
    assert proposal.title == "Freies WLAN am Rathaus"


def test_the_author_cannot_edit_after_the_submit_phase(process, pillar, citizen):
    proposal = submit(citizen, process, pillar)
    closed = process.phases.get().ends_at + timedelta(seconds=1)
    with time_machine.travel(closed), pytest.raises(PermissionDenied):
        edit(citizen, proposal, title="Zu spät")
    proposal.refresh_from_db()
    assert proposal.title == "Freies WLAN am Rathaus"


# --- Withdraw -----------------------------------------------------------------------------------


def test_the_author_withdraws_and_followers_are_told(
    process, pillar, citizen, django_capture_on_commit_callbacks, mailoutbox
):
    proposal = submit(citizen, process, pillar)
    follower = UserFactory()
    participation.follow(user=follower, target=proposal)
    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw_proposal(actor=citizen, proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.WITHDRAWN
    assert list(proposal.status_changes.values_list("from_status", "to_status")) == [
        ("", "submitted"),
        ("submitted", "withdrawn"),
    ]
    assert [mail.to for mail in mailoutbox] == [[follower.email]]
    assert "zurückgezogen" in mailoutbox[0].body
    assert Proposal.objects.listed().filter(pk=proposal.pk).exists() is False


def test_nobody_else_withdraws_and_not_after_the_shortlist(process, pillar, citizen, moderator):
    proposal = submit(citizen, process, pillar)
    with pytest.raises(PermissionDenied):
        services.withdraw_proposal(actor=UserFactory(), proposal=proposal)
    services.change_status(actor=moderator, proposal=proposal, status="in_review")
    services.change_status(actor=moderator, proposal=proposal, status="shortlisted")
    with pytest.raises(PermissionDenied):
        services.withdraw_proposal(actor=citizen, proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.SHORTLISTED


# --- Status and answer --------------------------------------------------------------------------


def test_the_workflow_to_adoption_is_recorded_and_logged(process, pillar, citizen, moderator):
    proposal = submit(citizen, process, pillar)
    path = ["in_review", "shortlisted", "recommended", "adopted"]
    for status in path:
        services.change_status(
            actor=moderator, proposal=proposal, status=status, note=f" Schritt {status} "
        )
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.ADOPTED
    changes = list(
        proposal.status_changes.values_list("from_status", "to_status", "by_staff", "note")
    )
    assert changes == [
        ("", "submitted", False, ""),
        ("submitted", "in_review", True, "Schritt in_review"),
        ("in_review", "shortlisted", True, "Schritt shortlisted"),
        ("shortlisted", "recommended", True, "Schritt recommended"),
        ("recommended", "adopted", True, "Schritt adopted"),
    ]
    entries = ModerationAction.objects.filter(object_id=proposal.pk).order_by("pk")
    assert [(e.action, e.actor_id, e.details) for e in entries] == [
        (ModerationAction.Action.STATUS, moderator.pk, {"old": old, "new": new})
        for old, new in zip(["submitted", *path[:-1]], path, strict=True)
    ]


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ([], "adopted"),
        ([], "shortlisted"),
        ([], "withdrawn"),
        ([], "merged"),
        (["in_review", "shortlisted", "recommended", "adopted"], "in_review"),
        (["rejected"], "adopted"),
        (["in_review", "deferred"], "shortlisted"),
    ],
)
def test_a_transition_outside_the_workflow_is_refused(
    process, pillar, citizen, moderator, path, refused
):
    proposal = submit(citizen, process, pillar)
    for status in path:
        services.change_status(actor=moderator, proposal=proposal, status=status)
    before = (StatusChange.objects.count(), ModerationAction.objects.count())
    with pytest.raises(ValidationError) as error:
        services.change_status(actor=moderator, proposal=proposal, status=refused)
    proposal.refresh_from_db()
    assert proposal.status == (path[-1] if path else "submitted")
    assert error.value.messages == [
        f"Von „{proposal.get_status_display()}“ geht es nicht zu "
        f"„{Proposal.Status(refused).label}“."
    ]
    assert (StatusChange.objects.count(), ModerationAction.objects.count()) == before


def test_a_rejected_or_deferred_proposal_can_go_back_to_review(process, pillar, moderator):
    first, second = ProposalFactory(process=process), ProposalFactory(process=process)
    services.change_status(actor=moderator, proposal=first, status="rejected")
    services.change_status(actor=moderator, proposal=first, status="in_review")
    services.change_status(actor=moderator, proposal=second, status="in_review")
    services.change_status(actor=moderator, proposal=second, status="deferred")
    services.change_status(actor=moderator, proposal=second, status="in_review")
    assert set(Proposal.objects.values_list("status", flat=True)) == {"in_review"}


def test_only_moderators_change_the_status(process, pillar, citizen):
    proposal = submit(citizen, process, pillar)
    for actor in (citizen, UserFactory(is_staff=True)):
        with pytest.raises(PermissionDenied):
            services.change_status(actor=actor, proposal=proposal, status="in_review")
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.SUBMITTED


def test_a_status_change_e_mails_followers_who_want_it_after_the_commit(
    process, pillar, citizen, moderator, django_capture_on_commit_callbacks, mailoutbox
):
    proposal = submit(citizen, process, pillar)
    wants_mail = UserFactory()
    no_mail = UserFactory(notify_status=False)
    gone = UserFactory(is_active=False)
    for user in (wants_mail, no_mail, gone, moderator):
        Follow.objects.create(
            content_type=participation.content_type_of(proposal), object_id=proposal.pk, user=user
        )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.change_status(actor=moderator, proposal=proposal, status="in_review")
        assert mailoutbox == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    assert sorted(mail.to[0] for mail in mailoutbox) == sorted([citizen.email, wants_mail.email])
    mail = next(m for m in mailoutbox if m.to == [citizen.email])
    assert mail.subject == f"Neuer Stand: {proposal}"
    assert "hat einen neuen Stand: in Prüfung." in mail.body
    assert f"/vorschlaege/{proposal.reference}/" in mail.body
    assert citizen.real_name not in mail.body


def test_a_refused_status_change_sends_no_e_mail(
    process, pillar, citizen, moderator, django_capture_on_commit_callbacks, mailoutbox
):
    proposal = submit(citizen, process, pillar)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        services.change_status(actor=moderator, proposal=proposal, status="adopted")
    assert mailoutbox == []


def test_the_official_answer_is_published_logged_and_mailed(
    process, pillar, citizen, moderator, django_capture_on_commit_callbacks, mailoutbox
):
    proposal = submit(citizen, process, pillar)
    with django_capture_on_commit_callbacks(execute=True):
        services.answer_proposal(
            actor=moderator, proposal=proposal, answer=" Das WLAN kommt 2020. "
        )
    proposal.refresh_from_db()
    assert proposal.official_answer == "Das WLAN kommt 2020."
    assert proposal.answered_at is not None
    assert log_of(proposal) == [(ModerationAction.Action.ANSWER, moderator.pk, "")]
    assert [mail.to for mail in mailoutbox] == [[citizen.email]]
    assert mailoutbox[0].subject == f"Die Stadt hat geantwortet: {proposal}"


def test_an_empty_answer_or_a_citizen_answering_is_refused(process, pillar, citizen, moderator):
    proposal = submit(citizen, process, pillar)
    with pytest.raises(ValidationError) as refused:
        services.answer_proposal(actor=moderator, proposal=proposal, answer="  ")
    assert refused.value.message_dict == {"official_answer": ["Bitte schreiben Sie eine Antwort."]}
    with pytest.raises(PermissionDenied):
        services.answer_proposal(actor=citizen, proposal=proposal, answer="Ich antworte selbst.")
    proposal.refresh_from_db()
    assert (proposal.official_answer, proposal.answered_at) == ("", None)
    assert log_of(proposal) == []


# --- Merge --------------------------------------------------------------------------------------


def test_merging_moves_rows_keeps_the_newer_rating_of_a_double_rater_and_recounts(
    process, moderator
):
    source, target = ProposalFactory(process=process), ProposalFactory(process=process)
    only_source, only_target, newer_on_source, newer_on_target = UserFactory.create_batch(4)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        participation.rate(user=only_source, target=source, value=4)
        participation.rate(user=only_target, target=target, value=2)
        participation.rate(user=newer_on_source, target=target, value=1)
        participation.rate(user=newer_on_target, target=source, value=2)
        traveller.shift(timedelta(minutes=5))
        participation.rate(user=newer_on_source, target=source, value=5)
        participation.rate(user=newer_on_target, target=target, value=3)
        traveller.shift(timedelta(minutes=5))
        on_source = participation.add_comment(actor=only_source, target=source, text="Quelle")
        hidden = participation.add_comment(actor=only_target, target=source, text="Spam")
        participation.hide(actor=moderator, target=hidden, reason="Spam")
        participation.add_comment(actor=only_target, target=target, text="Ziel")
        for user, proposal in [
            (only_source, source),
            (only_target, source),
            (only_target, target),
        ]:
            participation.follow(user=user, target=proposal)

    kept = services.merge_proposals(
        actor=moderator, source=source, target=target, reason=" Gleiche Idee "
    )

    assert kept == target
    source.refresh_from_db()
    target.refresh_from_db()
    assert (source.status, source.merged_into) == (Proposal.Status.MERGED, target)
    assert ratings_on(target) == {
        only_source.pk: 4,
        only_target.pk: 2,
        newer_on_source.pk: 5,
        newer_on_target.pk: 3,
    }
    assert ratings_on(source) == {}
    rows = Rating.objects.filter(object_id=target.pk).aggregate(n=Count("pk"), s=Sum("value"))
    assert (target.rating_count, target.rating_sum) == (rows["n"], rows["s"]) == (4, 14)
    assert target.rating_score == pytest.approx(
        (RATING_PRIOR_WEIGHT * RATING_PRIOR_MEAN + 14) / (RATING_PRIOR_WEIGHT + 4)
    )
    assert (source.rating_count, source.rating_sum, source.comment_count) == (0, 0, 0)
    assert source.rating_score == RATING_PRIOR_MEAN
    assert set(Comment.objects.filter(object_id=target.pk).values_list("text", flat=True)) == {
        "Quelle",
        "Spam",
        "Ziel",
    }
    assert Comment.objects.get(pk=on_source.pk).object_id == target.pk
    assert target.comment_count == 2  # the hidden one is not counted
    follows = Follow.objects.filter(object_id__in=[source.pk, target.pk])
    assert sorted(follows.values_list("object_id", "user_id")) == sorted(
        [(target.pk, only_source.pk), (target.pk, only_target.pk)]
    )
    assert list(source.status_changes.values_list("to_status", "note", "by_staff")) == [
        ("merged", "Gleiche Idee", True)
    ]
    for proposal, other in ((source, target), (target, source)):
        entry = ModerationAction.objects.get(
            object_id=proposal.pk, action=ModerationAction.Action.MERGE
        )
        assert (entry.actor, entry.reason) == (moderator, "Gleiche Idee")
        assert entry.details == {
            "merged": source.reference,
            "kept": target.reference,
            "other": other.reference,
        }
    assert Proposal.objects.visible().filter(pk=source.pk).exists() is False


def test_after_a_merge_the_kept_proposals_author_has_no_rating_on_it(process, moderator):
    """The author of the kept proposal may have rated the duplicate; that is no self-rating."""
    source, target = ProposalFactory(process=process), ProposalFactory(process=process)
    participation.rate(user=target.author, target=source, value=5)
    participation.rate(user=source.author, target=target, value=2)
    services.merge_proposals(actor=moderator, source=source, target=target, reason="Doppelt")
    target.refresh_from_db()
    assert target.author_id not in ratings_on(target)
    assert (target.rating_count, target.rating_sum) == (1, 2)


def test_merging_refuses_itself_merged_proposals_missing_reasons_and_citizens(
    process, citizen, moderator
):
    first, second, third = ProposalFactory.create_batch(3, process=process)
    with pytest.raises(ValidationError):
        services.merge_proposals(actor=moderator, source=first, target=first, reason="Doppelt")
    with pytest.raises(ValidationError):
        services.merge_proposals(actor=moderator, source=first, target=second, reason=" ")
    with pytest.raises(PermissionDenied):
        services.merge_proposals(actor=citizen, source=first, target=second, reason="Doppelt")
    services.merge_proposals(actor=moderator, source=first, target=second, reason="Doppelt")
    with pytest.raises(ValidationError):
        services.merge_proposals(actor=moderator, source=third, target=first, reason="Doppelt")
    third.refresh_from_db()
    assert third.status == Proposal.Status.SUBMITTED
    assert ModerationAction.objects.filter(object_id=third.pk).count() == 0


# --- Roadmap ------------------------------------------------------------------------------------


def adopted(process, moderator, **kwargs) -> Proposal:
    proposal = ProposalFactory(process=process, **kwargs)
    for status in ["in_review", "shortlisted", "recommended", "adopted"]:
        services.change_status(actor=moderator, proposal=proposal, status=status)
    proposal.refresh_from_db()
    return proposal


def test_a_roadmap_project_is_made_from_adopted_proposals(process, moderator):
    first, second = adopted(process, moderator), adopted(process, moderator)
    department = DepartmentFactory()
    project = services.create_roadmap_project(
        actor=moderator,
        proposals=[first, second],
        title=" Freies WLAN in der Innenstadt ",
        description="Hotspots an Rathaus und Bibliothek.",
        department=department,
        priority=RoadmapProject.Priority.HIGH,
    )
    project.refresh_from_db()
    assert (project.title, project.slug, project.pillar, project.department) == (
        "Freies WLAN in der Innenstadt",
        "freies-wlan-in-der-innenstadt",
        first.pillar,
        department,
    )
    assert (project.priority, project.progress, project.percent) == (1, "planned", 0)
    assert set(project.proposals.all()) == {first, second}
    again = services.create_roadmap_project(
        actor=moderator, proposals=[first], title="Freies WLAN in der Innenstadt", description="x"
    )
    assert again.slug == "freies-wlan-in-der-innenstadt-2"


def test_only_adopted_proposals_go_on_the_roadmap(process, moderator):
    good = adopted(process, moderator)
    pending = ProposalFactory(process=process)
    with pytest.raises(ValidationError) as refused:
        services.create_roadmap_project(
            actor=moderator, proposals=[good, pending], title="Projekt", description="x"
        )
    assert refused.value.messages == [
        f"Nur beschlossene Vorschläge kommen auf die Roadmap: {pending.reference}"
    ]
    with pytest.raises(ValidationError):
        services.create_roadmap_project(actor=moderator, proposals=[], title="P", description="x")
    with pytest.raises(PermissionDenied):
        services.create_roadmap_project(
            actor=UserFactory(), proposals=[good], title="Projekt", description="x"
        )
    assert RoadmapProject.objects.count() == 0


def test_progress_is_reported_with_a_dated_note(process, moderator):
    project = services.create_roadmap_project(
        actor=moderator, proposals=[adopted(process, moderator)], title="WLAN", description="x"
    )
    services.report_progress(
        actor=moderator,
        project=project,
        progress="in_progress",
        percent=40,
        text=" Ausgeschrieben ",
    )
    services.report_progress(actor=moderator, project=project, progress="done", percent=70)
    project.refresh_from_db()
    assert (project.progress, project.percent) == ("done", 100)
    assert list(RoadmapUpdate.objects.values_list("project", "text", "date")) == [
        (project.pk, "Ausgeschrieben", timezone.localdate())
    ]


@pytest.mark.parametrize("percent", [-1, 101])
def test_progress_outside_0_to_100_percent_is_refused(process, moderator, percent):
    project = services.create_roadmap_project(
        actor=moderator, proposals=[adopted(process, moderator)], title="WLAN", description="x"
    )
    with pytest.raises(ValidationError) as refused:
        services.report_progress(
            actor=moderator, project=project, progress="in_progress", percent=percent, text="x"
        )
    assert refused.value.message_dict == {
        "percent": ["Der Fortschritt liegt zwischen 0 und 100 Prozent."]
    }
    project.refresh_from_db()
    assert (project.progress, project.percent) == ("planned", 0)
    assert RoadmapUpdate.objects.count() == 0


def test_only_moderators_report_progress(process, moderator):
    project = services.create_roadmap_project(
        actor=moderator, proposals=[adopted(process, moderator)], title="WLAN", description="x"
    )
    with pytest.raises(PermissionDenied):
        services.report_progress(actor=UserFactory(), project=project, progress="done", percent=100)
    project.refresh_from_db()
    assert project.progress == "planned"


@pytest.mark.parametrize(
    ("target_fields", "source_fields"),
    [
        ({"status": "withdrawn"}, {}),
        ({"status": "rejected"}, {}),
        ({"is_hidden": True, "hidden_reason": "Prüfung"}, {}),
        ({}, {"status": "adopted"}),
    ],
)
def test_merging_needs_an_open_target_and_an_undecided_source(target_fields, source_fields):
    from django.contrib.auth.models import Permission
    from django.core.exceptions import ValidationError as Invalid

    from ideas import services as idea_services
    from tests.factories import StaffFactory
    from tests.ideas.conftest import make_process, make_proposal

    moderator = StaffFactory()
    moderator.user_permissions.add(Permission.objects.get(codename="moderate"))
    process = make_process()
    target = make_proposal(process=process, **target_fields)
    source = make_proposal(process=process, **source_fields)
    with pytest.raises(Invalid):
        idea_services.merge_proposals(actor=moderator, source=source, target=target, reason="x")
    source.refresh_from_db()
    assert source.status != "merged"
