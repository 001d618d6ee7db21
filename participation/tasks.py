"""Celery entry points of the participation engine: e-mails to followers and to repliers."""

from celery import shared_task
from django.contrib.contenttypes.models import ContentType

from lohmar_portal.tasks import send_templated_email

from .models import Comment, Follow


def _mail(*, template: str, to: str, context: dict) -> None:
    send_templated_email(f"participation/email/{template}", to=to, context=context)


@shared_task(acks_late=True)
def notify_followers(
    content_type_id: int, object_id: int, event: str, exclude_user_id: int | None
) -> int:
    """E-mail everybody who follows the object about a status change or an official answer."""
    model = ContentType.objects.get_for_id(content_type_id).model_class()
    target = model._default_manager.filter(pk=object_id).first()
    if target is None:
        return 0
    followers = (
        Follow.objects.filter(
            content_type_id=content_type_id,
            object_id=object_id,
            user__is_active=True,
            user__notify_status=True,
        )
        .exclude(user_id=exclude_user_id)
        .select_related("user")
    )
    sent = 0
    for follow in followers:
        _mail(template=event, to=follow.user.email, context={"target": target, "user": follow.user})
        sent += 1
    return sent


@shared_task(acks_late=True)
def notify_reply(comment_id: int) -> bool:
    """Tell a comment's author that somebody answered."""
    reply = Comment.objects.select_related("parent__author").filter(pk=comment_id).first()
    if reply is None or reply.parent is None or reply.parent.author is None:
        return False
    author = reply.parent.author
    if not (author.is_active and author.notify_replies):
        return False
    _mail(
        template="reply",
        to=author.email,
        context={"reply": reply, "target": reply.target, "user": author},
    )
    return True
