"""Moderators work on proposals in the admin; every change goes through the services."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ideas.models import Proposal, RoadmapProject, StatusChange
from participation import services as participation
from participation.models import Channel, ModerationAction, Rating
from tests.factories import DepartmentFactory, DistrictFactory, PillarFactory, UserFactory

from .factories import ProcessFactory, ProposalFactory
from .helpers import run_action

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/ideas/proposal/"
ADD = "/admin/ideas/proposal/add/"


def log_of(proposal, action):
    return ModerationAction.objects.filter(object_id=proposal.pk, action=action)


def test_proposal_changelist_runs_a_constant_number_of_queries(moderator_client):
    process, pillar = ProcessFactory(), PillarFactory()
    ProposalFactory(process=process, pillar=pillar, title="Erster Vorschlag")
    moderator_client.get(CHANGELIST)  # the account is read once, then kept in the cache
    with CaptureQueriesContext(connection) as one:
        response = moderator_client.get(CHANGELIST)
    assert "Erster Vorschlag" in response.content.decode()
    ProposalFactory.create_batch(19, process=process, pillar=pillar)
    with CaptureQueriesContext(connection) as twenty:
        response = moderator_client.get(CHANGELIST)
    assert response.content.decode().count('name="_selected_action"') == 20
    assert len(one) == len(twenty)


def test_changelist_filters_by_status_and_finds_by_reference(moderator_client):
    wanted = ProposalFactory(title="Bürgerbus", status=Proposal.Status.IN_REVIEW)
    ProposalFactory(title="Parkplatz-App")
    html = moderator_client.get(CHANGELIST, {"status__exact": "in_review"}).content.decode()
    assert "Bürgerbus" in html
    assert "Parkplatz-App" not in html
    html = moderator_client.get(CHANGELIST, {"q": wanted.reference}).content.decode()
    assert "Bürgerbus" in html
    assert "Parkplatz-App" not in html


def test_set_status_asks_for_the_status_and_note_before_changing_anything(moderator_client):
    proposal = ProposalFactory()
    response = moderator_client.post(
        CHANGELIST, {"action": "set_status", "_selected_action": [proposal.pk]}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Neuer Status" in html
    assert proposal.reference in html
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.SUBMITTED
    assert not StatusChange.objects.exists()


def test_set_status_changes_each_proposal_and_reports_which_failed_and_why(moderator_client):
    movable = ProposalFactory()
    decided = ProposalFactory(status=Proposal.Status.ADOPTED)
    response = run_action(
        moderator_client,
        CHANGELIST,
        "set_status",
        [movable, decided],
        status="in_review",
        note="Die Verwaltung prüft die Kosten.",
    )
    html = response.content.decode()
    assert "1 Vorschlag hat jetzt den Status „in Prüfung“." in html
    assert f"{decided.reference}" in html
    assert "Von „vom Rat beschlossen“ geht es nicht zu „in Prüfung“." in html
    movable.refresh_from_db()
    decided.refresh_from_db()
    assert movable.status == Proposal.Status.IN_REVIEW
    assert decided.status == Proposal.Status.ADOPTED
    change = StatusChange.objects.get()
    assert (change.proposal, change.from_status, change.to_status) == (
        movable,
        "submitted",
        "in_review",
    )
    assert change.note == "Die Verwaltung prüft die Kosten."
    assert change.by_staff
    assert log_of(movable, ModerationAction.Action.STATUS).count() == 1
    assert not log_of(decided, ModerationAction.Action.STATUS).exists()


def test_answer_action_publishes_the_official_answer(moderator_client, moderator):
    proposal = ProposalFactory()
    run_action(
        moderator_client,
        CHANGELIST,
        "answer",
        [proposal],
        answer="Die Stadt prüft das WLAN bis Ende 2019.",
    )
    proposal.refresh_from_db()
    assert proposal.official_answer == "Die Stadt prüft das WLAN bis Ende 2019."
    assert proposal.answered_at is not None
    entry = log_of(proposal, ModerationAction.Action.ANSWER).get()
    assert entry.actor == moderator


def test_hide_needs_a_reason_and_changes_nothing_without_one(moderator_client):
    proposal = ProposalFactory()
    response = run_action(moderator_client, CHANGELIST, "hide_selected", [proposal], reason="")
    assert "Bitte korrigieren Sie die markierten Angaben." in response.content.decode()
    proposal.refresh_from_db()
    assert not proposal.is_hidden
    assert not ModerationAction.objects.exists()


def test_hide_and_restore_proposals_with_a_public_reason(moderator_client):
    proposal = ProposalFactory()
    response = run_action(
        moderator_client,
        CHANGELIST,
        "hide_selected",
        [proposal],
        reason="Enthält persönliche Daten Dritter.",
    )
    assert "1 Beitrag ausgeblendet." in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.is_hidden
    assert proposal.hidden_reason == "Enthält persönliche Daten Dritter."

    run_action(
        moderator_client,
        CHANGELIST,
        "restore_selected",
        [proposal],
        reason="Die Daten wurden entfernt.",
    )
    proposal.refresh_from_db()
    assert not proposal.is_hidden
    assert proposal.hidden_reason == ""
    actions = list(
        ModerationAction.objects.filter(object_id=proposal.pk)
        .order_by("pk")
        .values_list("action", "reason")
    )
    assert actions == [
        ("hide", "Enthält persönliche Daten Dritter."),
        ("restore", "Die Daten wurden entfernt."),
    ]


def test_merge_moves_ratings_into_the_kept_proposal_without_counting_anyone_twice(
    moderator_client,
):
    process = ProcessFactory()
    kept = ProposalFactory(process=process)
    duplicate = ProposalFactory(process=process)
    both, only_duplicate = UserFactory(), UserFactory()
    participation.rate(user=both, target=kept, value=2)
    participation.rate(user=both, target=duplicate, value=5)
    participation.rate(user=only_duplicate, target=duplicate, value=4)

    response = run_action(
        moderator_client,
        CHANGELIST,
        "merge",
        [kept, duplicate],
        target=kept.reference.lower(),
        reason="Gleiche Idee wie der ältere Vorschlag.",
    )

    assert f"1 Vorschlag in {kept.reference} zusammengeführt." in response.content.decode()
    kept.refresh_from_db()
    duplicate.refresh_from_db()
    assert duplicate.status == Proposal.Status.MERGED
    assert duplicate.merged_into == kept
    assert kept.status == Proposal.Status.SUBMITTED
    assert (kept.rating_count, kept.rating_sum) == (2, 9)
    assert (duplicate.rating_count, duplicate.rating_sum) == (0, 0)
    assert Rating.objects.filter(object_id=kept.pk).count() == 2
    assert log_of(kept, ModerationAction.Action.MERGE).count() == 1
    assert log_of(duplicate, ModerationAction.Action.MERGE).count() == 1


def test_merge_into_an_unknown_reference_is_refused_by_the_form(moderator_client):
    duplicate = ProposalFactory()
    response = run_action(
        moderator_client, CHANGELIST, "merge", [duplicate], target="VS-1999-9999", reason="Doppelt"
    )
    assert "Es gibt keinen Vorschlag mit diesem Aktenzeichen." in response.content.decode()
    duplicate.refresh_from_db()
    assert duplicate.status == Proposal.Status.SUBMITTED


def test_create_roadmap_project_from_adopted_proposals(moderator_client):
    pillar = PillarFactory()
    department = DepartmentFactory(name="Fachbereich Digitales")
    adopted = ProposalFactory.create_batch(2, pillar=pillar, status=Proposal.Status.ADOPTED)
    response = run_action(
        moderator_client,
        CHANGELIST,
        "create_project",
        adopted,
        title="Freies WLAN im Rathaus",
        description="Hotspots in allen öffentlichen Gebäuden.",
        department=department.pk,
        priority="1",
    )
    assert "Das Umsetzungsprojekt „" in response.content.decode()
    project = RoadmapProject.objects.get()
    assert project.title == "Freies WLAN im Rathaus"
    assert project.slug == "freies-wlan-im-rathaus"
    assert project.pillar == pillar
    assert project.department == department
    assert project.priority == RoadmapProject.Priority.HIGH
    assert set(project.proposals.all()) == set(adopted)


def test_roadmap_project_needs_adopted_proposals_only(moderator_client):
    adopted = ProposalFactory(status=Proposal.Status.ADOPTED)
    open_one = ProposalFactory()
    response = run_action(
        moderator_client,
        CHANGELIST,
        "create_project",
        [adopted, open_one],
        title="Projekt",
        description="Beschreibung",
        priority="2",
    )
    assert "Nur beschlossene Vorschläge kommen auf die Roadmap" in response.content.decode()
    assert open_one.reference in response.content.decode()
    assert not RoadmapProject.objects.exists()


def test_add_form_enters_a_proposal_on_behalf_of_a_citizen(moderator_client, moderator):
    process = ProcessFactory(open_phase=False)  # staff enter on behalf outside any phase, too
    pillar, district = PillarFactory(), DistrictFactory(name="Wahlscheid", slug="wahlscheid")
    assert moderator_client.get(ADD).status_code == 200

    response = moderator_client.post(
        ADD,
        {
            "process": process.pk,
            "pillar": pillar.pk,
            "title": "Sitzbänke mit Ladestation",
            "summary": "Bänke mit USB-Anschluss am Marktplatz.",
            "text": "Eingegangen per Brief am Bürgerbüro.",
            "district": district.pk,
            "channel": Channel.PAPER,
            "on_behalf_of": "Erika Mustermann, Hauptstraße 1",
        },
    )

    proposal = Proposal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/ideas/proposal/{proposal.pk}/change/"
    assert proposal.reference == f"VS-{timezone.localdate().year}-0001"
    assert proposal.author is None
    assert proposal.entered_by == moderator
    assert proposal.channel == Channel.PAPER
    assert proposal.on_behalf_of == "Erika Mustermann, Hauptstraße 1"
    assert proposal.district == district
    assert proposal.status_changes.get().to_status == Proposal.Status.SUBMITTED


def test_add_form_offers_only_analog_channels(moderator_client):
    process, pillar = ProcessFactory(), PillarFactory()
    response = moderator_client.post(
        ADD,
        {
            "process": process.pk,
            "pillar": pillar.pk,
            "title": "Titel",
            "summary": "Kurz",
            "text": "Text",
            "channel": Channel.WEB,
        },
    )
    assert response.status_code == 200
    assert "web ist keine gültige Auswahl." in response.content.decode()
    assert not Proposal.objects.exists()


def test_change_form_corrects_wording_but_never_status_counters_or_visibility(moderator_client):
    proposal = ProposalFactory(title="Tippfeler", rating_count=7, comment_count=3)
    new_pillar = PillarFactory()
    response = moderator_client.post(
        f"/admin/ideas/proposal/{proposal.pk}/change/",
        {
            "title": "Tippfehler",
            "summary": proposal.summary,
            "text": proposal.text,
            "pillar": new_pillar.pk,
            "district": "",
            "status": Proposal.Status.ADOPTED,
            "is_hidden": "on",
            "rating_count": "99",
            "comment_count": "99",
            "on_behalf_of": "Manipuliert",
        },
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.title == "Tippfehler"
    assert proposal.pillar == new_pillar
    assert proposal.status == Proposal.Status.SUBMITTED
    assert not proposal.is_hidden
    assert (proposal.rating_count, proposal.comment_count) == (7, 3)
    assert proposal.on_behalf_of == ""


def test_change_page_shows_status_history_and_moderation_log(moderator_client, moderator):
    from ideas import services

    proposal = ProposalFactory()
    services.change_status(
        actor=moderator, proposal=proposal, status="in_review", note="Kosten werden geschätzt."
    )
    participation.hide(actor=moderator, target=proposal, reason="Beleidigung im Text.")
    html = moderator_client.get(f"/admin/ideas/proposal/{proposal.pk}/change/").content.decode()
    assert "Statusverlauf" in html
    assert "Kosten werden geschätzt." in html
    assert "Moderationsprotokoll" in html
    assert "Beleidigung im Text." in html
    assert 'name="status"' not in html
    assert 'name="rating_count"' not in html


def test_proposals_cannot_be_deleted_in_the_admin(moderator_client):
    proposal = ProposalFactory()
    response = moderator_client.get(f"/admin/ideas/proposal/{proposal.pk}/delete/")
    assert response.status_code == 403
    assert Proposal.objects.filter(pk=proposal.pk).exists()
