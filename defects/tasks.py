"""Celery entry points of the Mängelmelder: photo processing, e-mails, expiry."""

from celery import shared_task
from django.conf import settings

from lohmar_portal.tasks import send_templated_email


def _mail(*, template: str, to: str, context: dict) -> None:
    send_templated_email(f"defects/email/{template}", to=to, context=context)


@shared_task(acks_late=True)
def process_photo(photo_id: int) -> bool:
    """Re-encode an uploaded photo without EXIF/GPS and make its thumbnail."""
    from . import services
    from .models import Photo

    photo = services.process_photo(photo_id)
    return photo is not None and photo.state == Photo.State.READY


@shared_task(acks_late=True)
def send_confirmation(report_id: int, url: str) -> bool:
    """The link to the page where an anonymous reporter confirms the report (then public)."""
    from .models import DefectReport

    report = DefectReport.objects.select_related("category").filter(pk=report_id).first()
    if report is None or not report.reporter_email:
        return False
    _mail(
        template="confirm",
        to=report.reporter_email,
        context={"report": report, "url": url, "days": settings.DEFECTS_CONFIRMATION_DAYS},
    )
    return True


@shared_task(acks_late=True)
def send_support_confirmation(support_id: int, url: str) -> bool:
    from .models import Support

    support = Support.objects.select_related("report__category").filter(pk=support_id).first()
    if support is None or not support.email:
        return False
    _mail(
        template="confirm_support", to=support.email, context={"report": support.report, "url": url}
    )
    return True


@shared_task(acks_late=True)
def notify_status_change(update_id: int) -> int:
    """Tell the reporter and the confirmed supporters, each in their own e-mail."""
    from .models import StatusUpdate

    update = (
        StatusUpdate.objects.select_related(
            "report__category", "report__reporter", "report__duplicate_of"
        )
        .filter(pk=update_id)
        .first()
    )
    if update is None:
        return 0
    report = update.report
    recipients = []
    if report.reporter_id:
        if report.reporter.is_active and report.reporter.notify_status:
            recipients.append(report.reporter.email)
    elif report.reporter_email and report.confirmed_at:
        recipients.append(report.reporter_email)
    for support in report.supports.filter(confirmed_at__isnull=False).select_related("user"):
        if support.user_id and not (support.user.is_active and support.user.notify_status):
            continue
        recipients.append(support.contact_email)
    sent = 0
    for address in dict.fromkeys(a.lower() for a in recipients if a):
        _mail(template="status", to=address, context={"report": report, "update": update})
        sent += 1
    return sent


@shared_task
def expire_unconfirmed() -> int:
    """Beat: unconfirmed reports older than DEFECTS_CONFIRMATION_DAYS go, with their photos."""
    from . import services

    return services.expire_unconfirmed()
