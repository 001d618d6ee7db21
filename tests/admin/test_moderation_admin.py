"""Comments, the flag queue and the moderation log in the admin."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from participation import services as participation
from participation.models import Channel, Comment, Flag, ModerationAction
from tests.factories import UserFactory

from .factories import ProcessFactory, ProposalFactory
from .helpers import run_action

pytestmark = pytest.mark.django_db

COMMENTS = "/admin/participation/comment/"
FLAGS = "/admin/participation/flag/"
LOG = "/admin/participation/moderationaction/"


def comment_on(proposal, text="Gute Idee!"):
    return participation.add_comment(actor=UserFactory(), target=proposal, text=text)


def flag_by_citizens(target, count, reason="Beleidigend"):
    return [
        participation.flag(user=UserFactory(), target=target, reason=f"{reason} {n}")
        for n in range(count)
    ]


# --- Comments -----------------------------------------------------------------------------------


def test_comment_changelist_runs_a_constant_number_of_queries(moderator_client):
    proposal = ProposalFactory(process=ProcessFactory())
    comment_on(proposal, "Der erste Kommentar")
    moderator_client.get(COMMENTS)  # the account is read once, then kept in the cache
    with CaptureQueriesContext(connection) as one:
        response = moderator_client.get(COMMENTS)
    html = response.content.decode()
    assert "Der erste Kommentar" in html
    assert f'href="/admin/ideas/proposal/{proposal.pk}/change/"' in html
    for _ in range(19):
        comment_on(ProposalFactory(process=proposal.process))
    with CaptureQueriesContext(connection) as twenty:
        response = moderator_client.get(COMMENTS)
    assert response.content.decode().count('name="_selected_action"') == 20
    assert len(one) == len(twenty)


def test_staff_enter_an_official_answer_comment(moderator_client, moderator):
    proposal = ProposalFactory(process=ProcessFactory(open_phase=False))
    response = moderator_client.post(
        f"{COMMENTS}add/",
        {"target": proposal.reference, "text": "Die Stadt prüft das.", "official": "on"},
    )
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert comment.is_official
    assert comment.author == moderator
    assert comment.entered_by == moderator
    assert comment.target == proposal
    proposal.refresh_from_db()
    assert proposal.comment_count == 1


def test_staff_enter_a_citizens_comment_from_a_phone_call(moderator_client, moderator):
    proposal = ProposalFactory(process=ProcessFactory())
    response = moderator_client.post(
        f"{COMMENTS}add/",
        {
            "target": proposal.reference.lower(),
            "text": "Bitte auch in Birk!",
            "channel": Channel.PHONE,
            "on_behalf_of": "Max Mustermann, 02246 123",
        },
    )
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert not comment.is_official
    assert comment.author is None
    assert comment.entered_by == moderator
    assert comment.channel == Channel.PHONE
    assert comment.on_behalf_of == "Max Mustermann, 02246 123"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"target": "VS-1999-0001", "official": "on"}, "Es gibt keinen Beitrag"),
        ({"channel": Channel.PAPER, "official": "on"}, "nicht im Auftrag einer Person"),
        ({}, "Bitte wählen Sie einen Eingangsweg"),
    ],
)
def test_comment_entry_form_refuses_incomplete_input(moderator_client, data, error):
    proposal = ProposalFactory(process=ProcessFactory())
    response = moderator_client.post(
        f"{COMMENTS}add/", {"target": proposal.reference, "text": "Text", **data}
    )
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Comment.objects.exists()


def test_hiding_and_restoring_a_comment_keeps_the_comment_count_exact(moderator_client):
    proposal = ProposalFactory(process=ProcessFactory())
    rude, kind = comment_on(proposal, "Unhöflich"), comment_on(proposal, "Freundlich")
    run_action(moderator_client, COMMENTS, "hide_selected", [rude], reason="Beleidigung")
    rude.refresh_from_db()
    proposal.refresh_from_db()
    assert rude.is_hidden
    assert rude.hidden_reason == "Beleidigung"
    assert proposal.comment_count == 1

    run_action(moderator_client, COMMENTS, "restore_selected", [rude], reason="Missverständnis")
    rude.refresh_from_db()
    proposal.refresh_from_db()
    assert not rude.is_hidden
    assert proposal.comment_count == 2
    kind.refresh_from_db()
    assert not kind.is_hidden


def test_comments_are_not_edited_or_deleted_in_the_admin(moderator_client):
    comment = comment_on(ProposalFactory(process=ProcessFactory()), "Original")
    url = f"{COMMENTS}{comment.pk}/change/"
    assert "Original" in moderator_client.get(url).content.decode()  # shown read-only
    response = moderator_client.post(url, {"text": "Verfälscht"})
    assert response.status_code == 403
    assert moderator_client.get(f"{COMMENTS}{comment.pk}/delete/").status_code == 403
    comment.refresh_from_db()
    assert comment.text == "Original"


# --- Flag queue ---------------------------------------------------------------------------------


def test_flag_queue_lists_open_flags_with_the_count_per_target(moderator_client, moderator):
    process = ProcessFactory()
    reported = ProposalFactory(process=process, title="Gemeldeter Vorschlag")
    flag_by_citizens(reported, 2, reason="Werbung")
    settled = ProposalFactory(process=process, title="Erledigter Vorschlag")
    flag_by_citizens(settled, 1, reason="Spam")
    participation.dismiss_flags(actor=moderator, target=settled, reason="Kein Verstoß")

    html = moderator_client.get(FLAGS).content.decode()
    assert html.count("Gemeldeter Vorschlag") == 2
    assert "Werbung 0" in html
    assert "Erledigter Vorschlag" not in html
    assert '<td class="field-open_on_target">2</td>' in html

    html = moderator_client.get(FLAGS, {"stand": "resolved"}).content.decode()
    assert "Erledigter Vorschlag" in html
    assert "Gemeldeter Vorschlag" not in html


def test_flag_queue_runs_a_constant_number_of_queries(moderator_client):
    process = ProcessFactory()
    flag_by_citizens(ProposalFactory(process=process), 1)
    moderator_client.get(FLAGS)  # the account is read once, then kept in the cache
    with CaptureQueriesContext(connection) as one:
        moderator_client.get(FLAGS)
    for _ in range(19):
        flag_by_citizens(ProposalFactory(process=process), 1)
    with CaptureQueriesContext(connection) as twenty:
        response = moderator_client.get(FLAGS)
    assert response.content.decode().count('name="_selected_action"') == 20
    assert len(one) == len(twenty)


def test_hiding_a_flagged_proposal_settles_its_flags(moderator_client, moderator):
    proposal = ProposalFactory(process=ProcessFactory())
    flags = flag_by_citizens(proposal, 2)
    response = run_action(
        moderator_client, FLAGS, "hide_targets", flags, reason="Verstößt gegen die Regeln."
    )
    assert "1 Beitrag ausgeblendet." in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.is_hidden
    assert proposal.hidden_reason == "Verstößt gegen die Regeln."
    assert not Flag.objects.filter(resolved_at__isnull=True).exists()
    assert set(Flag.objects.values_list("resolved_by", flat=True)) == {moderator.pk}
    assert ModerationAction.objects.get(object_id=proposal.pk).action == "hide"


def test_dismissing_flags_leaves_the_target_visible(moderator_client):
    proposal = ProposalFactory(process=ProcessFactory())
    comment = comment_on(proposal)
    flags = flag_by_citizens(comment, 3)  # the threshold hid it until a moderator decides
    comment.refresh_from_db()
    assert comment.is_hidden

    run_action(moderator_client, FLAGS, "dismiss", flags, reason="Sachliche Kritik.")

    assert not Flag.objects.filter(resolved_at__isnull=True).exists()
    entry = ModerationAction.objects.filter(object_id=comment.pk).first()
    assert entry.action == ModerationAction.Action.DISMISS_FLAGS
    assert entry.reason == "Sachliche Kritik."


# --- Moderation log -----------------------------------------------------------------------------


def test_moderation_log_is_read_only_and_filterable(moderator_client, moderator):
    proposal = ProposalFactory(process=ProcessFactory())
    participation.hide(actor=moderator, target=proposal, reason="Werbung für eine Firma")
    participation.restore(actor=moderator, target=proposal, reason="Firma entfernt")
    entry = ModerationAction.objects.get(action="hide")

    html = moderator_client.get(LOG, {"action__exact": "hide"}).content.decode()
    assert "Werbung für eine Firma" in html
    assert "Firma entfernt" not in html
    html = moderator_client.get(LOG, {"q": "entfernt"}).content.decode()
    assert "Firma entfernt" in html
    assert "Werbung für eine Firma" not in html

    detail = moderator_client.get(f"{LOG}{entry.pk}/change/").content.decode()
    assert f'href="/admin/ideas/proposal/{proposal.pk}/change/"' in detail
    assert moderator_client.get(f"{LOG}add/").status_code == 403
    assert moderator_client.get(f"{LOG}{entry.pk}/delete/").status_code == 403
    response = moderator_client.post(f"{LOG}{entry.pk}/change/", {"reason": "Geändert"})
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.reason == "Werbung für eine Firma"
