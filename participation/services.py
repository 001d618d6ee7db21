"""Every write of the participation engine: ratings, comments, flags, follows, moderation.

Each service checks permission with the predicate the page uses, writes inside a transaction,
keeps the target's counters exact with F-expressions, and queues e-mails after the commit.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models import F, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from lohmar_portal.models import User
from lohmar_portal.tasks import enqueue

from . import tasks
from .models import Channel, Comment, Flag, Follow, ModerationAction, Rating
from .permissions import can_comment, can_flag, can_follow, can_moderate, can_rate, is_citizen

# Bayesian average: every object starts as if it had RATING_PRIOR_WEIGHT ratings of the prior
# mean, so two 5-star ratings (3.33) do not outrank 200 ratings averaging 4.6 (4.52).
RATING_PRIOR_MEAN = 3.0
RATING_PRIOR_WEIGHT = 10
COMMENT_EDIT_WINDOW = timedelta(minutes=15)
COMMENT_MAX_LENGTH = 5000
FLAG_REASON_MAX_LENGTH = 500


def content_type_of(target: models.Model) -> ContentType:
    return ContentType.objects.get_for_model(target)


def _rows_of(target: models.Model, model: type[models.Model]) -> models.QuerySet:
    return model.objects.filter(content_type=content_type_of(target), object_id=target.pk)


def bayesian_score(*, count, total):
    """The ranking score from a count and a sum of ratings (numbers or expressions)."""
    return (Value(RATING_PRIOR_WEIGHT * RATING_PRIOR_MEAN) + total) / (
        Value(float(RATING_PRIOR_WEIGHT)) + count
    )


def _change_rating_counters(target: models.Model, *, count: int = 0, total: int = 0) -> None:
    # One UPDATE; every F() reads the row's old values, so the three columns stay consistent.
    type(target)._default_manager.filter(pk=target.pk).update(
        rating_count=F("rating_count") + count,
        rating_sum=F("rating_sum") + total,
        rating_score=models.ExpressionWrapper(
            bayesian_score(count=F("rating_count") + count, total=F("rating_sum") + total),
            output_field=models.FloatField(),
        ),
    )


def recount(target: models.Model) -> None:
    """Set the target's counters from the rows (after a merge moved rows between objects)."""
    ratings = _rows_of(target, Rating).aggregate(
        count=models.Count("pk"), total=models.Sum("value", default=0)
    )
    comments = _rows_of(target, Comment).filter(is_hidden=False, is_deleted=False).count()
    type(target)._default_manager.filter(pk=target.pk).update(
        rating_count=ratings["count"],
        rating_sum=ratings["total"],
        rating_score=RATING_PRIOR_MEAN
        if not ratings["count"]
        else (RATING_PRIOR_WEIGHT * RATING_PRIOR_MEAN + ratings["total"])
        / (RATING_PRIOR_WEIGHT + ratings["count"]),
        comment_count=comments,
    )


def _change_comment_count(content_type_id: int, object_id: int, delta: int) -> None:
    model = ContentType.objects.get_for_id(content_type_id).model_class()
    model._default_manager.filter(pk=object_id).update(comment_count=F("comment_count") + delta)


# --- Ratings ------------------------------------------------------------------------------------


def locked_target(queryset: models.QuerySet, **lookup) -> models.Model:
    """Read the target of the services to come under a row lock, inside the caller's
    transaction: they act on it as read here instead of reading it again (a write request
    spares a query). Raises the model's DoesNotExist like `get`."""
    target = queryset.select_for_update(of=("self",)).get(**lookup)
    target._locked_in = connection.atomic_blocks[0]
    return target


def _locked(target: models.Model) -> models.Model:
    """The target under a row lock, so that a merge or status change that commits first is seen:
    as given when `locked_target` read it in this transaction, else read again.

    The process never changes, so the one already loaded (with its phases) is kept.
    """
    if getattr(target, "_locked_in", None) is connection.atomic_blocks[0]:
        return target
    locked = type(target)._default_manager.select_for_update().get(pk=target.pk)
    locked.process = target.process
    return locked


def _insert_rating(*, target: models.Model, user: User, value: int) -> Rating | None:
    """Insert the person's rating unless they have one; the new rating, or None.

    One statement and no savepoint: the unique constraint decides, also between concurrent
    requests of the same person (PostgreSQL and SQLite both know ON CONFLICT … RETURNING).
    """
    table = connection.ops.quote_name(Rating._meta.db_table)
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (content_type_id, object_id, user_id, value, created_at, "  # noqa: S608 - names from our model, values bound
            "updated_at) VALUES (%s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (content_type_id, object_id, user_id) DO NOTHING RETURNING id",
            [content_type_of(target).pk, target.pk, user.pk, value, now, now],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    return Rating(
        pk=row[0],
        content_type=content_type_of(target),
        object_id=target.pk,
        user=user,
        value=value,
        created_at=now,
        updated_at=now,
    )


def rate(*, user: User, target: models.Model, value: int) -> Rating:
    """Give or change one's 1–5 rating; a second rating by the same person is impossible."""
    if value not in range(1, 6):
        raise ValidationError(_("Bitte bewerten Sie mit 1 bis 5 Sternen."))
    # Without a savepoint in the caller's transaction (two round trips less for the most
    # frequent write): nothing in the block fails on purpose, a refusal is raised after it.
    with transaction.atomic(savepoint=False):
        target = _locked(target)
        if not can_rate(user, target):
            rating = None
        elif (rating := _insert_rating(target=target, user=user, value=value)) is not None:
            _change_rating_counters(target, count=1, total=value)
        else:
            rating = _rows_of(target, Rating).filter(user=user).select_for_update().get()
            if rating.value != value:
                _change_rating_counters(target, total=value - rating.value)
                rating.value = value
                rating.save(update_fields=["value", "updated_at"])
    if rating is None:
        raise PermissionDenied(_("Sie können diesen Beitrag gerade nicht bewerten."))
    return rating


@transaction.atomic
def withdraw_rating(*, user: User, target: models.Model) -> None:
    """Take one's rating back while rating is open."""
    target = _locked(target)
    if not can_rate(user, target):
        raise PermissionDenied(_("Sie können Ihre Bewertung gerade nicht zurücknehmen."))
    rating = _rows_of(target, Rating).filter(user=user).select_for_update().first()
    if rating is not None:
        rating.delete()
        _change_rating_counters(target, count=-1, total=-rating.value)


# --- Comments -----------------------------------------------------------------------------------


def _clean_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Bitte schreiben Sie einen Kommentar."))
    if len(text) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            _("Ein Kommentar darf höchstens %(max)d Zeichen lang sein.")
            % {"max": COMMENT_MAX_LENGTH}
        )
    return text


@transaction.atomic
def add_comment(
    *,
    actor: User,
    target: models.Model,
    text: str,
    parent: Comment | None = None,
    official: bool = False,
    channel: str = Channel.WEB,
    on_behalf_of: str = "",
) -> Comment:
    """Comment or reply; staff may answer officially or enter a citizen's comment for them."""
    on_behalf = channel != Channel.WEB
    if (official or on_behalf) and not can_moderate(actor):
        raise PermissionDenied(_("Nur die Moderation kann so kommentieren."))
    target = _locked(target)
    if not can_comment(actor, target):
        raise PermissionDenied(_("Dieser Beitrag kann gerade nicht kommentiert werden."))
    if parent is not None:
        # Read it again, locked: it may have been deleted or hidden a moment ago.
        parent = Comment.objects.select_for_update().get(pk=parent.pk)
        if (parent.content_type_id, parent.object_id) != (
            content_type_of(target).pk,
            target.pk,
        ):
            raise ValidationError(_("Die Antwort gehört nicht zu diesem Beitrag."))
        if parent.is_deleted or parent.is_hidden:
            raise ValidationError(_("Auf diesen Kommentar kann nicht mehr geantwortet werden."))
        parent = parent.parent or parent  # one level of replies: answer the thread's start
    comment = Comment.objects.create(
        content_type=content_type_of(target),
        object_id=target.pk,
        author=None if on_behalf else actor,
        parent=parent,
        text=_clean_text(text),
        is_official=official,
        channel=channel,
        entered_by=actor if on_behalf or official else None,
        on_behalf_of=on_behalf_of.strip() if on_behalf else "",
    )
    _change_comment_count(comment.content_type_id, comment.object_id, +1)
    if parent is not None and parent.author_id and parent.author_id != actor.pk:
        enqueue(tasks.notify_reply, comment.pk)
    return comment


def can_edit_comment(user: User, comment: Comment, now=None) -> bool:
    """Authors fix their comment within 15 minutes of writing it."""
    now = now or timezone.now()
    return (
        is_citizen(user)
        and comment.author_id == user.pk
        and not comment.is_deleted
        and not comment.is_hidden
        and now - comment.created_at <= COMMENT_EDIT_WINDOW
    )


def can_delete_comment(user: User, comment: Comment) -> bool:
    return is_citizen(user) and comment.author_id == user.pk and not comment.is_deleted


@transaction.atomic
def edit_comment(*, actor: User, comment: Comment, text: str) -> Comment:
    """Change one's comment within the edit window."""
    if not can_edit_comment(actor, comment):
        raise PermissionDenied(_("Dieser Kommentar kann nicht mehr bearbeitet werden."))
    comment.text = _clean_text(text)
    comment.edited_at = timezone.now()
    comment.save(update_fields=["text", "edited_at"])
    return comment


@transaction.atomic
def delete_comment(*, actor: User, comment: Comment) -> Comment:
    """Delete one's comment; a tombstone keeps the thread's replies in place."""
    if not can_delete_comment(actor, comment):
        raise PermissionDenied(_("Sie können nur Ihre eigenen Kommentare löschen."))
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if comment.is_deleted:  # deleted meanwhile (a second tab, a double click): count it once
        return comment
    if not comment.is_hidden:
        _change_comment_count(comment.content_type_id, comment.object_id, -1)
    comment.is_deleted = True
    comment.text = ""
    comment.save(update_fields=["is_deleted", "text"])
    return comment


# --- Flags and moderation -----------------------------------------------------------------------


def log_action(
    *, actor: User | None, target: models.Model, action: str, reason: str = "", **details
) -> ModerationAction:
    """Write one entry of the moderation log."""
    return ModerationAction.objects.create(
        content_type=content_type_of(target),
        object_id=target.pk,
        actor=actor,
        action=action,
        reason=reason,
        details=details,
    )


def _set_hidden(
    target: models.Model, *, hidden: bool, reason: str, actor: User | None, action: str
) -> None:
    target = type(target)._default_manager.select_for_update().get(pk=target.pk)
    if target.is_hidden != hidden and isinstance(target, Comment) and not target.is_deleted:
        _change_comment_count(target.content_type_id, target.object_id, -1 if hidden else +1)
    target.is_hidden = hidden
    target.hidden_reason = reason if hidden else ""
    target.save(update_fields=["is_hidden", "hidden_reason"])
    log_action(actor=actor, target=target, action=action, reason=reason)


def _resolve_flags(target: models.Model, actor: User | None) -> int:
    return (
        _rows_of(target, Flag)
        .filter(resolved_at__isnull=True)
        .update(resolved_at=timezone.now(), resolved_by=actor)
    )


@transaction.atomic
def flag(*, user: User, target: models.Model, reason: str) -> Flag:
    """Report a contribution; enough open reports hide it until a moderator decides."""
    if not can_flag(user, target):
        raise PermissionDenied(_("Sie können diesen Beitrag nicht melden."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Bitte nennen Sie den Grund Ihrer Meldung."))
    if len(reason) > FLAG_REASON_MAX_LENGTH:
        raise ValidationError(
            _("Der Grund darf höchstens %(max)d Zeichen lang sein.")
            % {"max": FLAG_REASON_MAX_LENGTH}
        )
    try:
        with transaction.atomic():
            report = Flag.objects.create(
                content_type=content_type_of(target),
                object_id=target.pk,
                user=user,
                reason=reason,
            )
    except IntegrityError:
        raise ValidationError(_("Sie haben diesen Beitrag bereits gemeldet.")) from None
    open_flags = _rows_of(target, Flag).filter(resolved_at__isnull=True).count()
    if open_flags >= settings.PARTICIPATION_FLAG_THRESHOLD and not target.is_hidden:
        _set_hidden(
            target,
            hidden=True,
            reason=_("Nach Meldungen vorläufig ausgeblendet, bis die Moderation entscheidet."),
            actor=None,
            action=ModerationAction.Action.AUTO_HIDE,
        )
    return report


def _require_moderator(actor: User, reason: str) -> str:
    if not can_moderate(actor):
        raise PermissionDenied(_("Nur die Moderation darf das."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Bitte geben Sie eine öffentliche Begründung an."))
    return reason


@transaction.atomic
def hide(*, actor: User, target: models.Model, reason: str) -> None:
    """Hide a contribution with a public reason; open reports are settled."""
    reason = _require_moderator(actor, reason)
    _set_hidden(
        target, hidden=True, reason=reason, actor=actor, action=ModerationAction.Action.HIDE
    )
    _resolve_flags(target, actor)


@transaction.atomic
def restore(*, actor: User, target: models.Model, reason: str) -> None:
    """Show a hidden contribution again; open reports are settled."""
    reason = _require_moderator(actor, reason)
    _set_hidden(
        target, hidden=False, reason=reason, actor=actor, action=ModerationAction.Action.RESTORE
    )
    _resolve_flags(target, actor)


@transaction.atomic
def dismiss_flags(*, actor: User, target: models.Model, reason: str) -> int:
    """Settle the open reports of a contribution that stays as it is."""
    reason = _require_moderator(actor, reason)
    settled = _resolve_flags(target, actor)
    log_action(
        actor=actor, target=target, action=ModerationAction.Action.DISMISS_FLAGS, reason=reason
    )
    return settled


# --- Follows ------------------------------------------------------------------------------------


def follow(*, user: User, target: models.Model) -> Follow:
    """Get an e-mail when the object's status changes or it is answered."""
    if not can_follow(user, target):
        raise PermissionDenied(_("Sie können diesem Beitrag nicht folgen."))
    follow_row, _created = Follow.objects.get_or_create(
        content_type=content_type_of(target), object_id=target.pk, user=user
    )
    return follow_row


def unfollow(*, user: User, target: models.Model) -> None:
    """Stop the e-mails about an object."""
    _rows_of(target, Follow).filter(user=user).delete()


def notify_followers(*, target: models.Model, event: str, exclude: User | None = None) -> None:
    """After the commit, e-mail the target's followers about `status` or `answer`."""
    enqueue(
        tasks.notify_followers,
        content_type_of(target).pk,
        target.pk,
        event,
        exclude.pk if exclude else None,
    )
