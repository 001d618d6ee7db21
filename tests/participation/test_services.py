"""The participation services: ratings, comments, flags, moderation and follows keep exact state."""

import contextlib
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ideas.models import Proposal
from participation import services
from participation.models import Channel, Comment, Flag, Follow, ModerationAction, Rating
from participation.services import RATING_PRIOR_MEAN, RATING_PRIOR_WEIGHT
from tests.factories import UserFactory

from .factories import PhaseFactory, ProcessFactory, ProposalFactory, make_moderator, open_process

pytestmark = pytest.mark.django_db


def expected_score(*values: int) -> float:
    return (RATING_PRIOR_WEIGHT * RATING_PRIOR_MEAN + sum(values)) / (
        RATING_PRIOR_WEIGHT + len(values)
    )


def counters(proposal: Proposal) -> tuple[int, int, float]:
    proposal.refresh_from_db()
    return proposal.rating_count, proposal.rating_sum, proposal.rating_score


def ratings_of(proposal: Proposal) -> dict[int, int]:
    return dict(
        Rating.objects.filter(
            content_type=services.content_type_of(proposal), object_id=proposal.pk
        ).values_list("user_id", "value")
    )


def comments_of(proposal: Proposal):
    return Comment.objects.filter(
        content_type=services.content_type_of(proposal), object_id=proposal.pk
    )


def comment_count(proposal: Proposal) -> int:
    proposal.refresh_from_db()
    return proposal.comment_count


def log_of(target) -> list[tuple[str, int | None, str]]:
    return list(
        ModerationAction.objects.filter(
            content_type=services.content_type_of(target), object_id=target.pk
        )
        .order_by("pk")
        .values_list("action", "actor_id", "reason")
    )


@pytest.fixture
def proposal():
    return ProposalFactory()


@pytest.fixture
def citizen():
    return UserFactory()


@pytest.fixture
def moderator():
    return make_moderator()


# --- Ratings ------------------------------------------------------------------------------------


def test_a_first_rating_sets_count_sum_and_bayesian_score(proposal, citizen):
    services.rate(user=citizen, target=proposal, value=4)
    assert counters(proposal) == (1, 4, pytest.approx(expected_score(4)))
    assert ratings_of(proposal) == {citizen.pk: 4}


def test_ratings_of_several_people_add_up(proposal):
    for value in (5, 3, 1):
        services.rate(user=UserFactory(), target=proposal, value=value)
    assert counters(proposal) == (3, 9, pytest.approx(expected_score(5, 3, 1)))


def test_changing_a_rating_changes_the_sum_but_not_the_count(proposal, citizen):
    services.rate(user=UserFactory(), target=proposal, value=5)
    services.rate(user=citizen, target=proposal, value=4)
    services.rate(user=citizen, target=proposal, value=2)
    assert counters(proposal) == (2, 7, pytest.approx(expected_score(5, 2)))
    assert sorted(ratings_of(proposal).values()) == [2, 5]


def test_rating_again_with_the_same_value_changes_nothing(proposal, citizen):
    services.rate(user=citizen, target=proposal, value=3)
    services.rate(user=citizen, target=proposal, value=3)
    assert counters(proposal) == (1, 3, pytest.approx(expected_score(3)))


def test_withdrawing_a_rating_deletes_it_and_restores_the_counters(proposal, citizen):
    other = UserFactory()
    services.rate(user=other, target=proposal, value=5)
    services.rate(user=citizen, target=proposal, value=1)
    services.withdraw_rating(user=citizen, target=proposal)
    assert counters(proposal) == (1, 5, pytest.approx(expected_score(5)))
    assert ratings_of(proposal) == {other.pk: 5}
    services.withdraw_rating(user=other, target=proposal)
    assert counters(proposal) == (0, 0, pytest.approx(RATING_PRIOR_MEAN))


def test_withdrawing_without_a_rating_changes_nothing(proposal, citizen):
    services.rate(user=UserFactory(), target=proposal, value=4)
    services.withdraw_rating(user=citizen, target=proposal)
    assert counters(proposal) == (1, 4, pytest.approx(expected_score(4)))


def test_two_five_star_ratings_rank_below_200_ratings_averaging_4_6():
    process = open_process()
    few, many = ProposalFactory(process=process), ProposalFactory(process=process)
    raters = UserFactory.create_batch(200, verified=False)
    for user in raters[:2]:
        services.rate(user=user, target=few, value=5)
    for index, user in enumerate(raters):
        services.rate(user=user, target=many, value=5 if index < 120 else 4)
    assert counters(few) == (2, 10, pytest.approx(40 / 12))
    assert counters(many) == (200, 920, pytest.approx(950 / 210))
    assert many.rating_sum / many.rating_count == pytest.approx(4.6)
    ranking = list(Proposal.objects.order_by("-rating_score").values_list("pk", flat=True))
    assert ranking == [many.pk, few.pk]


@pytest.mark.parametrize("value", [0, 6, -1])
def test_a_rating_outside_1_to_5_is_refused_in_german_and_changes_nothing(proposal, citizen, value):
    services.rate(user=citizen, target=proposal, value=3)
    with pytest.raises(ValidationError) as refused:
        services.rate(user=citizen, target=proposal, value=value)
    assert refused.value.messages == ["Bitte bewerten Sie mit 1 bis 5 Sternen."]
    assert ratings_of(proposal) == {citizen.pk: 3}
    assert counters(proposal) == (1, 3, pytest.approx(expected_score(3)))


def test_a_first_rating_of_6_leaves_no_row(proposal, citizen):
    with pytest.raises(ValidationError):
        services.rate(user=citizen, target=proposal, value=6)
    assert ratings_of(proposal) == {}
    assert counters(proposal) == (0, 0, pytest.approx(RATING_PRIOR_MEAN))


def test_the_author_cannot_rate_their_own_proposal(proposal):
    with pytest.raises(PermissionDenied) as refused:
        services.rate(user=proposal.author, target=proposal, value=5)
    assert str(refused.value) == "Sie können diesen Beitrag gerade nicht bewerten."
    assert ratings_of(proposal) == {}
    assert counters(proposal) == (0, 0, pytest.approx(RATING_PRIOR_MEAN))


def test_rating_is_refused_when_the_phase_does_not_allow_it(citizen):
    process = ProcessFactory()
    PhaseFactory(process=process, allows_rate=False)
    proposal = ProposalFactory(process=process)
    with pytest.raises(PermissionDenied):
        services.rate(user=citizen, target=proposal, value=4)
    assert ratings_of(proposal) == {}


def test_a_decided_proposal_can_no_longer_be_rated_or_the_rating_withdrawn(proposal, citizen):
    services.rate(user=citizen, target=proposal, value=4)
    Proposal.objects.filter(pk=proposal.pk).update(status=Proposal.Status.ADOPTED)
    proposal.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.rate(user=citizen, target=proposal, value=1)
    with pytest.raises(PermissionDenied):
        services.withdraw_rating(user=citizen, target=proposal)
    assert ratings_of(proposal) == {citizen.pk: 4}


def test_recount_sets_the_counters_from_the_rows(proposal, citizen):
    services.rate(user=citizen, target=proposal, value=2)
    services.add_comment(actor=citizen, target=proposal, text="Gute Idee.")
    Proposal.objects.filter(pk=proposal.pk).update(
        rating_count=99, rating_sum=99, rating_score=0, comment_count=99
    )
    services.recount(proposal)
    assert counters(proposal) == (1, 2, pytest.approx(expected_score(2)))
    assert proposal.comment_count == 1


# --- Comments -----------------------------------------------------------------------------------


def test_a_comment_is_stored_and_counted(proposal, citizen):
    comment = services.add_comment(actor=citizen, target=proposal, text="  Sehr gute Idee!  ")
    comment.refresh_from_db()
    assert (comment.text, comment.author, comment.parent, comment.is_official) == (
        "Sehr gute Idee!",
        citizen,
        None,
        False,
    )
    assert comment_count(proposal) == 1


def test_a_reply_to_a_reply_attaches_to_the_start_of_the_thread(proposal, citizen):
    start = services.add_comment(actor=citizen, target=proposal, text="Anfang")
    reply = services.add_comment(actor=UserFactory(), target=proposal, text="Antwort", parent=start)
    nested = services.add_comment(actor=citizen, target=proposal, text="Noch eine", parent=reply)
    assert reply.parent_id == start.pk
    assert nested.parent_id == start.pk
    assert set(start.replies.values_list("text", flat=True)) == {"Antwort", "Noch eine"}
    assert comment_count(proposal) == 3


def test_a_reply_to_a_comment_of_another_proposal_is_refused(proposal, citizen):
    elsewhere = services.add_comment(
        actor=citizen, target=ProposalFactory(process=proposal.process), text="Woanders"
    )
    with pytest.raises(ValidationError):
        services.add_comment(actor=citizen, target=proposal, text="Antwort", parent=elsewhere)
    assert comments_of(proposal).count() == 0
    assert comment_count(proposal) == 0


def test_a_reply_to_a_deleted_comment_is_refused(proposal, citizen):
    start = services.add_comment(actor=citizen, target=proposal, text="Anfang")
    services.delete_comment(actor=citizen, comment=start)
    with pytest.raises(ValidationError) as refused:
        services.add_comment(
            actor=UserFactory(),
            target=proposal,
            text="Antwort",
            parent=Comment.objects.get(pk=start.pk),
        )
    assert refused.value.messages == ["Auf diesen Kommentar kann nicht mehr geantwortet werden."]
    assert comments_of(proposal).count() == 1


def test_a_reply_e_mails_the_author_of_the_comment(
    proposal, citizen, django_capture_on_commit_callbacks, mailoutbox
):
    start = services.add_comment(actor=citizen, target=proposal, text="Anfang")
    with django_capture_on_commit_callbacks(execute=True):
        services.add_comment(actor=UserFactory(), target=proposal, text="Antwort", parent=start)
    assert [mail.to for mail in mailoutbox] == [[citizen.email]]
    assert proposal.get_absolute_url() in mailoutbox[0].body


def test_an_author_edits_their_comment_within_15_minutes(proposal, citizen):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        comment = services.add_comment(actor=citizen, target=proposal, text="Erste Fassung")
        traveller.shift(timedelta(minutes=14, seconds=59))
        services.edit_comment(actor=citizen, comment=comment, text="Zweite Fassung")
        comment.refresh_from_db()
        assert comment.text == "Zweite Fassung"
        assert comment.edited_at == timezone.now()


def test_editing_after_15_minutes_is_refused_and_the_text_stays(proposal, citizen):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        comment = services.add_comment(actor=citizen, target=proposal, text="Erste Fassung")
        traveller.shift(timedelta(minutes=15, seconds=1))
        with pytest.raises(PermissionDenied) as refused:
            services.edit_comment(actor=citizen, comment=comment, text="Zu spät")
    assert str(refused.value) == "Dieser Kommentar kann nicht mehr bearbeitet werden."
    comment.refresh_from_db()
    assert (comment.text, comment.edited_at) == ("Erste Fassung", None)


def test_nobody_else_edits_a_comment(proposal, citizen, moderator):
    comment = services.add_comment(actor=citizen, target=proposal, text="Meins")
    for other in (UserFactory(), moderator):
        with pytest.raises(PermissionDenied):
            services.edit_comment(actor=other, comment=comment, text="Geändert")
    comment.refresh_from_db()
    assert comment.text == "Meins"


def test_deleting_leaves_a_tombstone_with_its_replies_and_decrements_the_count(proposal, citizen):
    start = services.add_comment(actor=citizen, target=proposal, text="Anfang")
    services.add_comment(actor=UserFactory(), target=proposal, text="Antwort", parent=start)
    services.delete_comment(actor=citizen, comment=start)
    start.refresh_from_db()
    assert (start.is_deleted, start.text) == (True, "")
    assert list(start.replies.values_list("text", flat=True)) == ["Antwort"]
    assert comment_count(proposal) == 1


def test_deleting_twice_or_someone_elses_comment_is_refused(proposal, citizen):
    comment = services.add_comment(actor=citizen, target=proposal, text="Meins")
    with pytest.raises(PermissionDenied):
        services.delete_comment(actor=UserFactory(), comment=comment)
    services.delete_comment(actor=citizen, comment=comment)
    with pytest.raises(PermissionDenied):
        services.delete_comment(actor=citizen, comment=Comment.objects.get(pk=comment.pk))
    assert comment_count(proposal) == 0


def test_a_double_delete_from_two_copies_of_the_comment_decrements_only_once(proposal, citizen):
    """Two delete requests (a double click) each load the comment before either has saved."""
    services.add_comment(actor=citizen, target=proposal, text="Bleibt")
    comment = services.add_comment(actor=citizen, target=proposal, text="Weg damit")
    first_copy, second_copy = (Comment.objects.get(pk=comment.pk) for _ in range(2))
    services.delete_comment(actor=citizen, comment=first_copy)
    with contextlib.suppress(PermissionDenied):  # refusing the second is as good as ignoring it
        services.delete_comment(actor=citizen, comment=second_copy)
    assert comment_count(proposal) == 1


def test_hiding_a_comment_decrements_and_restoring_increments_the_count(
    proposal, citizen, moderator
):
    comment = services.add_comment(actor=citizen, target=proposal, text="Grenzwertig")
    services.add_comment(actor=citizen, target=proposal, text="Harmlos")
    services.hide(actor=moderator, target=comment, reason="Beleidigend")
    assert comment_count(proposal) == 1
    services.hide(actor=moderator, target=comment, reason="Nochmals")
    assert comment_count(proposal) == 1
    services.restore(actor=moderator, target=comment, reason="Doch in Ordnung")
    assert comment_count(proposal) == 2
    comment.refresh_from_db()
    assert (comment.is_hidden, comment.hidden_reason) == (False, "")


def test_deleting_a_hidden_comment_does_not_decrement_twice(proposal, citizen, moderator):
    comment = services.add_comment(actor=citizen, target=proposal, text="Grenzwertig")
    services.hide(actor=moderator, target=comment, reason="Beleidigend")
    services.delete_comment(actor=citizen, comment=comment)
    assert comment_count(proposal) == 0
    services.restore(actor=moderator, target=Comment.objects.get(pk=comment.pk), reason="Fehler")
    assert comment_count(proposal) == 0


def test_commenting_on_a_hidden_proposal_is_refused(proposal, citizen, moderator):
    services.hide(actor=moderator, target=proposal, reason="Werbung")
    proposal.refresh_from_db()
    for actor in (citizen, moderator):
        with pytest.raises(PermissionDenied) as refused:
            services.add_comment(actor=actor, target=proposal, text="Hallo?")
    assert str(refused.value) == "Dieser Beitrag kann gerade nicht kommentiert werden."
    assert comments_of(proposal).count() == 0
    assert comment_count(proposal) == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Bitte schreiben Sie einen Kommentar."),
        ("   \n ", "Bitte schreiben Sie einen Kommentar."),
        ("x" * 5001, "Ein Kommentar darf höchstens 5000 Zeichen lang sein."),
    ],
)
def test_an_empty_or_too_long_comment_is_refused_in_german(proposal, citizen, text, message):
    with pytest.raises(ValidationError) as refused:
        services.add_comment(actor=citizen, target=proposal, text=text)
    assert refused.value.messages == [message]
    assert comments_of(proposal).count() == 0
    assert comment_count(proposal) == 0


def test_a_comment_of_exactly_5000_characters_is_taken(proposal, citizen):
    services.add_comment(actor=citizen, target=proposal, text="x" * 5000)
    assert comment_count(proposal) == 1


def test_an_edit_to_an_empty_text_is_refused(proposal, citizen):
    comment = services.add_comment(actor=citizen, target=proposal, text="Vorher")
    with pytest.raises(ValidationError):
        services.edit_comment(actor=citizen, comment=comment, text=" ")
    comment.refresh_from_db()
    assert comment.text == "Vorher"


def test_only_moderators_answer_officially(proposal, citizen, moderator):
    with pytest.raises(PermissionDenied):
        services.add_comment(actor=citizen, target=proposal, text="Amtlich", official=True)
    official = services.add_comment(
        actor=moderator, target=proposal, text="Die Stadt prüft das.", official=True
    )
    assert (official.is_official, official.author, official.entered_by) == (
        True,
        moderator,
        moderator,
    )


def test_a_moderator_enters_a_paper_comment_on_behalf_of_a_citizen(proposal, moderator):
    comment = services.add_comment(
        actor=moderator,
        target=proposal,
        text="Per Brief eingegangen.",
        channel=Channel.PAPER,
        on_behalf_of=" Erika Mustermann ",
    )
    comment.refresh_from_db()
    assert (comment.author, comment.entered_by, comment.on_behalf_of, comment.channel) == (
        None,
        moderator,
        "Erika Mustermann",
        Channel.PAPER,
    )


def test_a_citizen_cannot_enter_a_comment_on_behalf_of_somebody(proposal, citizen):
    with pytest.raises(PermissionDenied):
        services.add_comment(actor=citizen, target=proposal, text="Für Oma", channel=Channel.PHONE)
    assert comments_of(proposal).count() == 0


def test_commenting_outside_the_comment_phase_is_refused_but_moderators_still_answer(moderator):
    process = ProcessFactory()
    PhaseFactory(process=process, allows_comment=False)
    proposal = ProposalFactory(process=process)
    with pytest.raises(PermissionDenied):
        services.add_comment(actor=UserFactory(), target=proposal, text="Zu spät")
    services.add_comment(actor=moderator, target=proposal, text="Antwort", official=True)
    assert comment_count(proposal) == 1


# --- Flags --------------------------------------------------------------------------------------


def test_flagging_the_same_contribution_twice_is_refused(proposal, citizen):
    services.flag(user=citizen, target=proposal, reason="Werbung")
    with pytest.raises(ValidationError) as refused:
        services.flag(user=citizen, target=proposal, reason="Immer noch Werbung")
    assert refused.value.messages == ["Sie haben diesen Beitrag bereits gemeldet."]
    assert Flag.objects.filter(user=citizen).count() == 1


def test_a_flag_needs_a_reason(proposal, citizen):
    with pytest.raises(ValidationError) as refused:
        services.flag(user=citizen, target=proposal, reason="  ")
    assert refused.value.messages == ["Bitte nennen Sie den Grund Ihrer Meldung."]
    assert Flag.objects.count() == 0


def test_the_author_cannot_flag_their_own_proposal(proposal):
    with pytest.raises(PermissionDenied):
        services.flag(user=proposal.author, target=proposal, reason="Versehen")
    assert Flag.objects.count() == 0


def test_two_open_flags_do_not_hide(proposal):
    for user in UserFactory.create_batch(2):
        services.flag(user=user, target=proposal, reason="Werbung")
    proposal.refresh_from_db()
    assert proposal.is_hidden is False
    assert log_of(proposal) == []


def test_three_open_flags_hide_with_a_public_reason_and_log_an_auto_hide(proposal):
    for user in UserFactory.create_batch(3):
        services.flag(user=user, target=proposal, reason="Werbung")
    proposal.refresh_from_db()
    assert proposal.is_hidden is True
    assert proposal.hidden_reason == (
        "Nach Meldungen vorläufig ausgeblendet, bis die Moderation entscheidet."
    )
    assert log_of(proposal) == [(ModerationAction.Action.AUTO_HIDE, None, proposal.hidden_reason)]
    assert Proposal.objects.visible().filter(pk=proposal.pk).exists() is False


def test_the_flag_threshold_comes_from_the_settings(proposal, settings):
    settings.PARTICIPATION_FLAG_THRESHOLD = 2
    first, second = UserFactory.create_batch(2)
    services.flag(user=first, target=proposal, reason="Werbung")
    proposal.refresh_from_db()
    assert proposal.is_hidden is False
    services.flag(user=second, target=proposal, reason="Werbung")
    proposal.refresh_from_db()
    assert proposal.is_hidden is True


def test_resolved_flags_do_not_count_toward_the_threshold(proposal, moderator):
    for user in UserFactory.create_batch(2):
        services.flag(user=user, target=proposal, reason="Werbung")
    services.dismiss_flags(actor=moderator, target=proposal, reason="Keine Werbung")
    services.flag(user=UserFactory(), target=proposal, reason="Werbung")
    proposal.refresh_from_db()
    assert proposal.is_hidden is False


def test_flags_hide_a_comment_and_take_it_out_of_the_count(proposal, citizen):
    comment = services.add_comment(actor=citizen, target=proposal, text="Unsinn")
    for user in UserFactory.create_batch(3):
        services.flag(user=user, target=comment, reason="Beleidigend")
    comment.refresh_from_db()
    assert comment.is_hidden is True
    assert comment_count(proposal) == 0


def test_a_hidden_contribution_cannot_be_flagged_again(proposal):
    for user in UserFactory.create_batch(3):
        services.flag(user=user, target=proposal, reason="Werbung")
    proposal.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.flag(user=UserFactory(), target=proposal, reason="Werbung")
    assert Flag.objects.count() == 3


# --- Moderation ---------------------------------------------------------------------------------


def test_hide_logs_actor_and_reason_and_settles_the_open_flags(proposal, moderator):
    services.flag(user=UserFactory(), target=proposal, reason="Werbung")
    services.hide(actor=moderator, target=proposal, reason=" Werbung für ein Geschäft ")
    proposal.refresh_from_db()
    assert (proposal.is_hidden, proposal.hidden_reason) == (True, "Werbung für ein Geschäft")
    assert log_of(proposal) == [
        (ModerationAction.Action.HIDE, moderator.pk, "Werbung für ein Geschäft")
    ]
    assert list(Flag.objects.values_list("resolved_by", flat=True)) == [moderator.pk]


def test_restore_logs_actor_and_reason_and_shows_the_proposal_again(proposal, moderator):
    services.hide(actor=moderator, target=proposal, reason="Prüfung")
    services.restore(actor=moderator, target=proposal, reason="Geprüft, in Ordnung")
    proposal.refresh_from_db()
    assert (proposal.is_hidden, proposal.hidden_reason) == (False, "")
    assert log_of(proposal) == [
        (ModerationAction.Action.HIDE, moderator.pk, "Prüfung"),
        (ModerationAction.Action.RESTORE, moderator.pk, "Geprüft, in Ordnung"),
    ]


def test_dismissing_flags_settles_them_logs_and_keeps_the_proposal_visible(proposal, moderator):
    for user in UserFactory.create_batch(2):
        services.flag(user=user, target=proposal, reason="Werbung")
    settled = services.dismiss_flags(actor=moderator, target=proposal, reason="Keine Werbung")
    proposal.refresh_from_db()
    assert settled == 2
    assert proposal.is_hidden is False
    assert Flag.objects.filter(resolved_at__isnull=True).count() == 0
    assert set(Flag.objects.values_list("resolved_by", flat=True)) == {moderator.pk}
    assert log_of(proposal) == [
        (ModerationAction.Action.DISMISS_FLAGS, moderator.pk, "Keine Werbung")
    ]


@pytest.mark.parametrize("action", [services.hide, services.restore, services.dismiss_flags])
def test_moderation_needs_a_moderator_and_a_reason(proposal, citizen, moderator, action):
    for actor in (citizen, UserFactory(is_staff=True)):  # staff without the permission
        with pytest.raises(PermissionDenied):
            action(actor=actor, target=proposal, reason="Grund")
    with pytest.raises(ValidationError) as refused:
        action(actor=moderator, target=proposal, reason=" ")
    assert refused.value.messages == ["Bitte geben Sie eine öffentliche Begründung an."]
    assert log_of(proposal) == []


# --- Follows ------------------------------------------------------------------------------------


def test_following_twice_keeps_one_row_and_unfollow_removes_it(proposal, citizen):
    services.follow(user=citizen, target=proposal)
    services.follow(user=citizen, target=proposal)
    assert Follow.objects.filter(user=citizen).count() == 1
    services.unfollow(user=citizen, target=proposal)
    assert Follow.objects.filter(user=citizen).count() == 0


def test_following_a_hidden_proposal_is_refused(proposal, citizen, moderator):
    services.hide(actor=moderator, target=proposal, reason="Werbung")
    proposal.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.follow(user=citizen, target=proposal)
    assert Follow.objects.count() == 0
