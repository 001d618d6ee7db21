"""Staff without `participation.moderate` reach the admin pages but cannot moderate."""

import pytest

from ideas.models import Proposal, RoadmapProject, StatusChange
from participation import services as participation
from participation.models import Channel, Comment, ModerationAction
from tests.factories import UserFactory

from .factories import ProcessFactory, ProposalFactory, RoadmapProjectFactory
from .helpers import run_action

pytestmark = pytest.mark.django_db

REFUSAL = "Nur die Moderation darf das. Es wurde nichts geändert."


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("set_status", {"status": "in_review", "note": "Prüfung"}),
        ("answer", {"answer": "Antwort der Stadt"}),
        ("hide_selected", {"reason": "Beleidigung"}),
        ("merge", {"target": "VS-2019-9999", "reason": "Doppelt"}),
        ("create_project", {"title": "Projekt", "description": "Text", "priority": "2"}),
    ],
)
def test_staff_without_moderation_right_cannot_run_proposal_actions(staff_client, action, data):
    proposals = [
        ProposalFactory(status=Proposal.Status.ADOPTED, reference="VS-2019-9999"),
        ProposalFactory(status=Proposal.Status.ADOPTED),
    ]
    response = run_action(staff_client, "/admin/ideas/proposal/", action, proposals, **data)
    assert REFUSAL in response.content.decode()
    assert list(Proposal.objects.values_list("status", "is_hidden", "official_answer")) == [
        ("adopted", False, ""),
        ("adopted", False, ""),
    ]
    assert not StatusChange.objects.exists()
    assert not ModerationAction.objects.exists()
    assert not RoadmapProject.objects.exists()


def test_staff_without_moderation_right_cannot_hide_comments(staff_client):
    proposal = ProposalFactory(process=ProcessFactory())
    comment = participation.add_comment(actor=UserFactory(), target=proposal, text="Hallo")
    response = run_action(
        staff_client,
        "/admin/participation/comment/",
        "hide_selected",
        [comment],
        reason="Beleidigung",
    )
    assert REFUSAL in response.content.decode()
    comment.refresh_from_db()
    assert not comment.is_hidden
    assert not ModerationAction.objects.exists()


def test_the_service_refuses_an_on_behalf_proposal_from_staff_without_moderation_right(
    staff_client,
):
    process = ProcessFactory()
    response = staff_client.post(
        "/admin/ideas/proposal/add/",
        {
            "process": process.pk,
            "pillar": ProposalFactory(process=process).pillar.pk,
            "title": "Titel",
            "summary": "Kurz",
            "text": "Text",
            "channel": Channel.PHONE,
        },
    )
    assert response.status_code == 200
    assert "Nur die Moderation kann Vorschläge für andere erfassen." in response.content.decode()
    assert Proposal.objects.count() == 1


def test_the_service_refuses_an_official_comment_from_staff_without_moderation_right(
    staff_client,
):
    proposal = ProposalFactory(process=ProcessFactory())
    response = staff_client.post(
        "/admin/participation/comment/add/",
        {"target": proposal.reference, "text": "Offiziell", "official": "on"},
    )
    assert response.status_code == 200
    assert "Nur die Moderation kann so kommentieren." in response.content.decode()
    assert not Comment.objects.exists()


def test_the_flag_queue_is_for_moderators_only(staff_client, moderator_client):
    response = staff_client.get("/admin/participation/flag/")
    assert response.status_code == 403
    assert "/admin/participation/flag/" not in staff_client.get("/admin/").content.decode()
    assert "/admin/participation/flag/" in moderator_client.get("/admin/").content.decode()


def test_staff_without_moderation_right_cannot_report_progress(staff_client):
    project = RoadmapProjectFactory()
    response = run_action(
        staff_client,
        "/admin/ideas/roadmapproject/",
        "report_progress",
        [project],
        progress="in_progress",
        percent="50",
    )
    assert REFUSAL in response.content.decode()
    project.refresh_from_db()
    assert (project.progress, project.percent) == ("planned", 0)
