"""Celery entry points of the core."""

from celery import shared_task
from django.core.mail import EmailMultiAlternatives


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_email(
    *,
    subject: str,
    body: str,
    to: list[str],
    html: str | None = None,
    from_email: str | None = None,
) -> None:
    """Send one e-mail; queued after commit so a rolled-back action sends nothing."""
    message = EmailMultiAlternatives(subject=subject, body=body, to=to, from_email=from_email)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


@shared_task
def ping() -> str:
    """Answer 'pong': proves a worker takes tasks from the broker and returns results."""
    return "pong"
