"""Every write of tickets: intake from every channel, replies and notes, first-contact
resolution, forwarding and sending back, service levels and their escalation.

E-mails to citizens only say that there is news, never what it is: the message waits in the
postbox (the account, or the ticket's secret link).
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from lohmar_portal.cache import bump_content_version
from lohmar_portal.models import Department, User
from lohmar_portal.services import next_reference
from lohmar_portal.tasks import enqueue

from . import attachments as files
from . import tasks
from .attachments import NewAttachment
from .models import (
    Channel,
    KnowledgeArticle,
    LifeSituation,
    Message,
    Priority,
    SlaPolicy,
    Ticket,
    TicketEvent,
    new_nonce,
)
from .permissions import can_read_ticket, can_work_ticket, is_agent
from .sla import BusinessCalendar

Status = Ticket.Status
REFERENCE_PREFIX = "SC"
STAFF_CHANNELS = {Channel.PHONE, Channel.WALK_IN, Channel.CHAT, Channel.MOBILE_OFFICE}
NO_SUBJECT = "(ohne Betreff)"


# --- Helpers ------------------------------------------------------------------------------------


def _event(ticket: Ticket, kind: str, actor: User | None, detail: str = "") -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        detail=detail[:1000],
    )


def _refresh_cached_pages() -> None:
    """Writes outside a logged-in request (e-mail intake, secret links, beat jobs) refresh the
    cached pages themselves; the middleware does it only for logged-in requests."""
    transaction.on_commit(bump_content_version)


def _locked(ticket: Ticket) -> Ticket:
    return (
        Ticket.objects.select_for_update(of=("self",)).select_related("citizen").get(pk=ticket.pk)
    )


def _require_staff(actor: User, ticket: Ticket) -> None:
    if not can_work_ticket(actor, ticket):
        raise PermissionDenied(_("Sie können dieses Anliegen nicht bearbeiten."))


def policy_for(ticket: Ticket) -> SlaPolicy | None:
    """The most specific target: life situation and priority, life situation, then priority."""
    policies = list(
        SlaPolicy.objects.filter(life_situation_id=ticket.life_situation_id)
        if ticket.life_situation_id
        else SlaPolicy.objects.none()
    )
    for candidate in policies:
        if candidate.priority == ticket.priority:
            return candidate
    for candidate in policies:
        if not candidate.priority:
            return candidate
    return SlaPolicy.objects.filter(life_situation__isnull=True, priority=ticket.priority).first()


def _set_targets(ticket: Ticket, start) -> None:
    policy = policy_for(ticket)
    if policy is None:
        ticket.first_response_due = ticket.resolution_due = None
        return
    calendar = BusinessCalendar()
    ticket.first_response_due = calendar.add(start, policy.first_response_minutes)
    ticket.resolution_due = calendar.add(start, policy.resolution_minutes)


def _check_text(text: str, field: str = "text", *, maximum: int = 20000) -> str:
    text = text.strip()
    if not text:
        raise ValidationError({field: _("Bitte schreiben Sie eine Nachricht.")})
    if len(text) > maximum:
        raise ValidationError(
            {field: _("Die Nachricht darf höchstens %(max)d Zeichen lang sein.") % {"max": maximum}}
        )
    return text


def _check_files(attachments) -> list[str]:
    try:
        return files.check(list(attachments))
    except ValidationError as error:
        raise ValidationError({"attachments": error.messages}) from None


def _message(
    ticket: Ticket,
    *,
    kind: str,
    text: str,
    author: User | None,
    attachments=(),
    types=(),
    channel: str = Channel.WEB,
    article: KnowledgeArticle | None = None,
    email_message_id: str = "",
) -> Message:
    message = Message.objects.create(
        ticket=ticket,
        kind=kind,
        text=text,
        author=author if author is not None and author.is_authenticated else None,
        channel=channel,
        article=article,
        email_message_id=email_message_id[:300],
    )
    files.save(message, list(attachments), list(types))
    return message


# --- Intake -------------------------------------------------------------------------------------


@transaction.atomic
def open_ticket(
    *,
    actor: User | None,
    subject: str,
    text: str,
    channel: str = Channel.WEB,
    life_situation: LifeSituation | None = None,
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    attachments: list[NewAttachment] = (),
    priority: str = Priority.NORMAL,
    email_message_id: str = "",
    notify: bool = True,
) -> tuple[Ticket, str | None]:
    """Open a ticket. Returns it and, for a ticket without an account, its secret link token.

    - web: a logged-in citizen, or contact details where an e-mail address or a phone number
      suffices;
    - phone, walk-in, chat, mobile office: an agent enters it (a caller needs no e-mail);
    - e-mail: `ingest_email` (no actor).
    """
    logged_in = actor is not None and actor.is_authenticated
    if channel in STAFF_CHANNELS and not (logged_in and is_agent(actor)):
        raise PermissionDenied(_("Nur das Service Center kann Anliegen für andere erfassen."))
    if channel == Channel.EMAIL and logged_in and not is_agent(actor):
        raise PermissionDenied(_("E-Mails werden vom Postfach des Service Centers übernommen."))
    on_account = channel == Channel.WEB and logged_in
    contact_email, contact_phone = contact_email.strip(), contact_phone.strip()
    if channel == Channel.WEB and not on_account and not (contact_email or contact_phone):
        raise ValidationError(
            {
                "contact_email": _(
                    "Bitte geben Sie eine E-Mail-Adresse oder eine Telefonnummer an, damit wir "
                    "Ihnen antworten können."
                )
            }
        )
    subject = " ".join(subject.split())[:200] or (NO_SUBJECT if channel == Channel.EMAIL else "")
    if not subject:
        raise ValidationError({"subject": _("Bitte geben Sie einen Betreff an.")})
    text = _check_text(text)
    types = _check_files(attachments)
    if priority not in Priority.values:
        raise ValidationError({"priority": _("Unbekannte Priorität.")})
    now = timezone.now()
    ticket = Ticket(
        channel=channel,
        citizen=actor if on_account else None,
        contact_name="" if on_account else contact_name.strip()[:200],
        contact_email="" if on_account else contact_email,
        contact_phone="" if on_account else contact_phone[:50],
        subject=subject,
        life_situation=life_situation,
        priority=priority,
        entered_by=actor if channel in STAFF_CHANNELS else None,
        agent=actor if channel in STAFF_CHANNELS else None,
        status=Status.OPEN if channel in STAFF_CHANNELS else Status.NEW,
        created_at=now,
        last_message_at=now,
        reference="-",
    )
    ticket.access_nonce = "" if on_account else new_nonce()
    _set_targets(ticket, now)
    ticket.full_clean(exclude=["reference"])
    ticket.reference = next_reference(REFERENCE_PREFIX, width=6)
    ticket.save()
    _message(
        ticket,
        kind=Message.Kind.FROM_CITIZEN,
        text=text,
        author=actor if on_account else None,
        attachments=attachments,
        types=types,
        channel=channel,
        email_message_id=email_message_id,
    )
    _event(ticket, TicketEvent.Kind.CREATED, actor, Channel(channel).label)
    if notify and ticket.notify_address:
        enqueue(tasks.send_receipt, ticket.pk)
    if not logged_in:
        _refresh_cached_pages()
    return ticket, ticket.access_token or None


# --- First level and departments ----------------------------------------------------------------


@transaction.atomic
def reply(
    *,
    actor: User,
    ticket: Ticket,
    text: str,
    attachments: list[NewAttachment] = (),
    article: KnowledgeArticle | None = None,
    wait_for_citizen: bool = False,
) -> Message:
    """Answer the citizen (in their postbox); optionally wait for their answer (clock paused)."""
    _require_staff(actor, ticket)
    ticket = _locked(ticket)
    if ticket.status == Status.CLOSED:
        raise ValidationError(_("Das Anliegen ist geschlossen. Öffnen Sie es zuerst wieder."))
    text = _check_text(text)
    types = _check_files(attachments)
    if article is not None and article.visibility == KnowledgeArticle.Visibility.DRAFT:
        raise ValidationError({"article": _("Entwürfe können nicht als Antwort genutzt werden.")})
    message = _message(
        ticket,
        kind=Message.Kind.TO_CITIZEN,
        text=text,
        author=actor,
        attachments=attachments,
        types=types,
        article=article,
    )
    now = message.created_at
    ticket.first_response_at = ticket.first_response_at or now
    ticket.last_message_at = now
    if ticket.agent_id is None and is_agent(actor):
        ticket.agent = actor
    old_status = ticket.status
    if wait_for_citizen and not ticket.is_done:
        ticket.status = Status.WAITING
        ticket.waiting_since = ticket.waiting_since or now
    elif ticket.status == Status.NEW:
        ticket.status = Status.OPEN
    ticket.save()
    Ticket.objects.filter(pk=ticket.pk).update(citizen_unread=F("citizen_unread") + 1)
    _event(ticket, TicketEvent.Kind.REPLIED, actor, article.title if article else "")
    if ticket.status != old_status:
        _event(ticket, TicketEvent.Kind.STATUS, actor, _status_change(old_status, ticket.status))
    enqueue(tasks.notify_new_message, ticket.pk)
    return message


@transaction.atomic
def system_message(*, ticket: Ticket, text: str) -> Message:
    """An automatic notice to the citizen (no author; not a first response of the staff)."""
    message = _message(ticket, kind=Message.Kind.TO_CITIZEN, text=_check_text(text), author=None)
    Ticket.objects.filter(pk=ticket.pk).update(
        citizen_unread=F("citizen_unread") + 1, last_message_at=message.created_at
    )
    enqueue(tasks.notify_new_message, ticket.pk)
    _refresh_cached_pages()
    return message


def _status_change(old: str, new: str) -> str:
    return f"{Status(old).label} → {Status(new).label}"


@transaction.atomic
def add_note(
    *, actor: User, ticket: Ticket, text: str, attachments: list[NewAttachment] = ()
) -> Message:
    """An internal note: staff only, never shown to the citizen."""
    _require_staff(actor, ticket)
    text = _check_text(text)
    types = _check_files(attachments)
    message = _message(
        ticket,
        kind=Message.Kind.INTERNAL,
        text=text,
        author=actor,
        attachments=attachments,
        types=types,
    )
    _event(ticket, TicketEvent.Kind.NOTE, actor)
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=timezone.now())
    return message


def _resume_clock(ticket: Ticket, now) -> None:
    """A wait for the citizen ends: the due times move on by the business time waited."""
    if ticket.waiting_since is None:
        return
    calendar = BusinessCalendar()
    waited = calendar.minutes_between(ticket.waiting_since, now)
    if ticket.first_response_due and ticket.first_response_at is None:
        ticket.first_response_due = calendar.add(ticket.first_response_due, waited)
    if ticket.resolution_due:
        ticket.resolution_due = calendar.add(ticket.resolution_due, waited)
    ticket.waiting_since = None


@transaction.atomic
def citizen_reply(
    *,
    ticket: Ticket,
    text: str,
    actor: User | None = None,
    token: str | None = None,
    sender_email: str | None = None,
    attachments: list[NewAttachment] = (),
    email_message_id: str = "",
) -> Message:
    """The citizen answers: from their account, through the secret link, or by e-mail from the
    ticket's address. A resolved ticket opens again; a paused clock runs again."""
    by_mail = (
        sender_email is not None
        and sender_email.strip().lower() == (ticket.notify_address or "").lower()
        and bool(ticket.notify_address)
    )
    if not (by_mail or can_read_ticket(actor or _anonymous(), ticket, token)):
        raise PermissionDenied(_("Sie können auf dieses Anliegen nicht antworten."))
    ticket = _locked(ticket)
    text = _check_text(text)
    types = _check_files(attachments)
    message = _message(
        ticket,
        kind=Message.Kind.FROM_CITIZEN,
        text=text,
        author=actor if actor is not None and actor.is_authenticated else None,
        attachments=attachments,
        types=types,
        channel=Channel.EMAIL if by_mail else Channel.WEB,
        email_message_id=email_message_id,
    )
    now = message.created_at
    old_status = ticket.status
    _resume_clock(ticket, now)
    if ticket.status in (Status.WAITING, Status.RESOLVED, Status.CLOSED):
        ticket.status = Status.FORWARDED if ticket.department_id else Status.OPEN
    if old_status in (Status.RESOLVED, Status.CLOSED):
        ticket.resolved_at = None
        ticket.resolved_at_first_contact = False
        _event(ticket, TicketEvent.Kind.REOPENED, actor)
    ticket.last_message_at = now
    ticket.save()
    _event(ticket, TicketEvent.Kind.CITIZEN_REPLIED, actor)
    enqueue(tasks.notify_citizen_reply, ticket.pk)
    _refresh_cached_pages()
    if ticket.status != old_status:
        _event(ticket, TicketEvent.Kind.STATUS, actor, _status_change(old_status, ticket.status))
    return message


def _anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


@transaction.atomic
def mark_read(*, ticket: Ticket, actor: User | None = None, token: str | None = None) -> None:
    """The citizen opened the ticket: its messages to them count as read."""
    if not can_read_ticket(actor or _anonymous(), ticket, token):
        raise PermissionDenied(_("Sie können dieses Anliegen nicht öffnen."))
    now = timezone.now()
    ticket.messages.filter(kind=Message.Kind.TO_CITIZEN, read_at__isnull=True).update(read_at=now)
    Ticket.objects.filter(pk=ticket.pk).update(citizen_unread=0)
    _refresh_cached_pages()  # the postbox's unread figures (read on a GET, no write request)


@transaction.atomic
def forward(*, actor: User, ticket: Ticket, department: Department, reason: str) -> Ticket:
    """Hand a ticket to the department with the expertise; the reason travels with it."""
    if not is_agent(actor):
        raise PermissionDenied(_("Nur das Service Center leitet Anliegen weiter."))
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Bitte geben Sie einen Grund für die Weiterleitung an.")}
        )
    ticket = _locked(ticket)
    if ticket.is_done:
        raise ValidationError(_("Erledigte Anliegen können nicht weitergeleitet werden."))
    old_status = ticket.status
    ticket.department = department
    ticket.forward_reason = reason
    ticket.was_forwarded = True
    if ticket.status != Status.WAITING:
        ticket.status = Status.FORWARDED
    ticket.save()
    _event(ticket, TicketEvent.Kind.FORWARDED, actor, f"{department.name}: {reason}")
    if ticket.status != old_status:
        _event(ticket, TicketEvent.Kind.STATUS, actor, _status_change(old_status, ticket.status))
    enqueue(tasks.notify_department, ticket.pk)
    return ticket


@transaction.atomic
def send_back(*, actor: User, ticket: Ticket, reason: str) -> Ticket:
    """A department returns a ticket to the service center (not theirs, or needs more)."""
    _require_staff(actor, ticket)
    if ticket.department_id is None:
        raise ValidationError(_("Das Anliegen ist keinem Fachbereich zugeordnet."))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Bitte geben Sie einen Grund an.")})
    ticket = _locked(ticket)
    department = ticket.department
    old_status = ticket.status
    ticket.department = None
    if ticket.status == Status.FORWARDED:
        ticket.status = Status.OPEN
    ticket.save()
    _message(ticket, kind=Message.Kind.INTERNAL, text=reason, author=actor)
    _event(ticket, TicketEvent.Kind.RETURNED, actor, f"{department.name}: {reason}")
    if ticket.status != old_status:
        _event(ticket, TicketEvent.Kind.STATUS, actor, _status_change(old_status, ticket.status))
    return ticket


@transaction.atomic
def resolve(
    *,
    actor: User,
    ticket: Ticket,
    text: str = "",
    article: KnowledgeArticle | None = None,
    first_contact: bool = False,
) -> Ticket:
    """Close the matter, with a last answer to the citizen if given. "At first contact" counts
    only for the service center on a ticket never forwarded (the 115 promise's measure)."""
    _require_staff(actor, ticket)
    if first_contact and not is_agent(actor):
        raise PermissionDenied(_("Nur das Service Center löst Anliegen beim Erstkontakt."))
    if ticket.is_done:
        raise ValidationError(_("Das Anliegen ist bereits erledigt."))
    if first_contact and ticket.was_forwarded:
        raise ValidationError(
            _("Ein weitergeleitetes Anliegen zählt nicht als beim Erstkontakt gelöst.")
        )
    if text.strip():
        reply(actor=actor, ticket=ticket, text=text, article=article)
    ticket = _locked(ticket)
    old_status = ticket.status
    now = timezone.now()
    ticket.status = Status.RESOLVED
    ticket.resolved_at = now
    ticket.first_response_at = ticket.first_response_at or now
    ticket.resolved_at_first_contact = first_contact
    ticket.waiting_since = None
    ticket.save()
    _event(
        ticket,
        TicketEvent.Kind.RESOLVED,
        actor,
        _("beim Erstkontakt gelöst") if first_contact else "",
    )
    _event(ticket, TicketEvent.Kind.STATUS, actor, _status_change(old_status, ticket.status))
    return ticket


@transaction.atomic
def close(*, actor: User, ticket: Ticket) -> Ticket:
    _require_staff(actor, ticket)
    ticket = _locked(ticket)
    if ticket.status == Status.CLOSED:
        return ticket
    old_status = ticket.status
    ticket.status = Status.CLOSED
    ticket.resolved_at = ticket.resolved_at or timezone.now()
    ticket.waiting_since = None
    ticket.save()
    _event(ticket, TicketEvent.Kind.STATUS, actor, _status_change(old_status, ticket.status))
    return ticket


@transaction.atomic
def reopen(*, actor: User, ticket: Ticket) -> Ticket:
    _require_staff(actor, ticket)
    ticket = _locked(ticket)
    if not ticket.is_done:
        return ticket
    old_status = ticket.status
    ticket.status = Status.FORWARDED if ticket.department_id else Status.OPEN
    ticket.resolved_at = None
    ticket.resolved_at_first_contact = False
    ticket.save()
    _event(ticket, TicketEvent.Kind.REOPENED, actor)
    _event(ticket, TicketEvent.Kind.STATUS, actor, _status_change(old_status, ticket.status))
    return ticket


@transaction.atomic
def assign(*, actor: User, ticket: Ticket, agent: User | None) -> Ticket:
    """Give a ticket to an agent of the service center (or to nobody)."""
    if not is_agent(actor):
        raise PermissionDenied(_("Nur das Service Center verteilt Anliegen."))
    if agent is not None and not is_agent(agent):
        raise ValidationError({"agent": _("Diese Person arbeitet nicht im Service Center.")})
    ticket = _locked(ticket)
    ticket.agent = agent
    ticket.save(update_fields=["agent", "updated_at"])
    _event(ticket, TicketEvent.Kind.ASSIGNED, actor, str(agent) if agent else _("niemand"))
    return ticket


@transaction.atomic
def classify(
    *,
    actor: User,
    ticket: Ticket,
    priority: str | None = None,
    life_situation: LifeSituation | bool | None = False,
) -> Ticket:
    """Change priority and/or life situation; the service-level targets follow (from arrival)."""
    _require_staff(actor, ticket)
    ticket = _locked(ticket)
    if priority is not None and priority != ticket.priority:
        if priority not in Priority.values:
            raise ValidationError({"priority": _("Unbekannte Priorität.")})
        _event(
            ticket,
            TicketEvent.Kind.PRIORITY,
            actor,
            f"{Priority(ticket.priority).label} → {Priority(priority).label}",
        )
        ticket.priority = priority
    if life_situation is not False and life_situation != ticket.life_situation:
        _event(ticket, TicketEvent.Kind.LIFE_SITUATION, actor, str(life_situation or "–"))
        ticket.life_situation = life_situation
    _set_targets(ticket, ticket.created_at)
    ticket.save()
    return ticket


# --- Service levels -----------------------------------------------------------------------------


def escalate_breaches(now=None) -> int:
    """Beat: tickets past a target are marked once and their lead is told by e-mail."""
    now = now or timezone.now()
    candidates = Ticket.objects.filter(escalated_at__isnull=True).exclude(
        status__in=[*Ticket.DONE, Status.WAITING]
    )
    late = candidates.filter(resolution_due__lt=now) | candidates.filter(
        first_response_at__isnull=True, first_response_due__lt=now
    )
    count = 0
    for ticket in late.iterator(chunk_size=200):
        with transaction.atomic():
            updated = Ticket.objects.filter(pk=ticket.pk, escalated_at__isnull=True).update(
                escalated_at=now
            )
            if not updated:
                continue
            _event(ticket, TicketEvent.Kind.ESCALATED, None, _("Servicelevel überschritten"))
            enqueue(tasks.notify_escalation, ticket.pk)
        count += 1
    if count:
        bump_content_version()  # the queue's markers
    return count


def erase_old_contacts(now=None) -> int:
    """Beat: contact details of closed tickets without an account go after the retention time."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.SERVICECENTER_CONTACT_RETENTION_DAYS)
    old = Ticket.objects.filter(status=Status.CLOSED, resolved_at__lt=cutoff, citizen__isnull=True)
    old = old.exclude(contact_name="", contact_email="", contact_phone="")
    return old.update(contact_name="", contact_email="", contact_phone="", access_nonce="")
