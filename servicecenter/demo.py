"""Demo data of the service center: life situations and knowledge articles, service levels and
closing days, example tickets across every channel and status (with their messages and history),
and the next stops of the Mobile Bürgerbüro with a few booked appointments.

Safe to load again: what exists is found by its key (slug, priority, date, reference, district
and place) and never duplicated. An existing demo ticket keeps its history; a ticket that holds a
demo reference but is not a demo ticket (a real one took the number) is left alone.
"""

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from dateutil.easter import easter
from django.conf import settings
from django.contrib.auth.models import Permission
from django.utils import timezone, translation

from lohmar_portal.models import Department, District, User
from lohmar_portal.services import reserve_references

from .models import (
    Appointment,
    Channel,
    ClosingDay,
    KnowledgeArticle,
    LifeSituation,
    Message,
    MobileOfficeStop,
    SlaPolicy,
    Ticket,
    TicketEvent,
    new_nonce,
)
from .sla import BusinessCalendar

KNOWLEDGE = Path(__file__).parent / "demo_data" / "knowledge.json"
SERVICE = Path(__file__).parent / "demo_data" / "service.json"
REFERENCE_PREFIX = "SC"
STAFF_CHANNELS = {Channel.PHONE, Channel.WALK_IN, Channel.CHAT, Channel.MOBILE_OFFICE}
# The escalation beat runs every five minutes: a breach is marked a few minutes after the fact.
ESCALATION_DELAY = timedelta(minutes=10)
Status = Ticket.Status
Kind = TicketEvent.Kind


def load(log) -> None:
    """Create or update the knowledge base, service levels, demo tickets and mobile office."""
    with translation.override(settings.LANGUAGE_CODE):
        knowledge = json.loads(KNOWLEDGE.read_text())
        situations, articles = _knowledge(knowledge)
        log(
            f"{len(situations)} Lebenslagen, {len(articles)} Wissensartikel "
            f"({sum(a.visibility == 'public' for a in articles.values())} öffentlich)"
        )
        data = json.loads(SERVICE.read_text())
        for item in data["sla_policies"]:
            SlaPolicy.objects.update_or_create(
                priority=item["priority"],
                life_situation=None,
                defaults={
                    key: item[key]
                    for key in ("name", "first_response_minutes", "resolution_minutes")
                },
            )
        closing = _closing_days(timezone.localdate().year)
        log(f"{len(data['sla_policies'])} Servicelevel, {closing} Schließtage")
        people = _people(data)
        context = _TicketContext(
            now=timezone.now(),
            calendar=BusinessCalendar(),
            policies={
                policy.priority: policy for policy in SlaPolicy.objects.filter(life_situation=None)
            },
            situations=situations,
            articles=articles,
            **people,
        )
        created = sum(_ticket(item, context, log) for item in data["tickets"])
        references = [item["reference"] for item in data["tickets"]]
        year = int(references[0].split("-")[1])
        reserve_references(
            REFERENCE_PREFIX, year=year, up_to=max(int(r.split("-")[2]) for r in references)
        )
        log(f"{len(references)} Beispielanliegen ({created} neu angelegt)")
        stops, booked = _mobile_office(data["mobile_office"], context.calendar)
        log(f"{stops} Termine des Mobilen Bürgerbüros ({booked} Buchungen neu angelegt)")


# --- Knowledge base -----------------------------------------------------------------------------


def _knowledge(data: dict) -> tuple[dict[str, LifeSituation], dict[str, KnowledgeArticle]]:
    situations = {}
    for order, item in enumerate(data["life_situations"], start=1):
        situation, _ = LifeSituation.objects.update_or_create(
            slug=item["slug"],
            defaults={"name": item["name"], "summary": item["summary"], "order": order},
        )
        situation.departments.set(
            [Department.objects.get(slug=slug) for slug in item["departments"]]
        )
        situations[item["slug"]] = situation
    articles = {}
    for item in data["articles"]:
        article = KnowledgeArticle.objects.filter(slug=item["slug"]).first() or KnowledgeArticle(
            slug=item["slug"]
        )
        for key in ("title", "answer", "internal_notes", "keywords", "visibility", "order"):
            setattr(article, key, item[key])
        article.department = Department.objects.get(slug=item["department"])
        article.full_clean()
        article.save()
        article.life_situations.set([situations[slug] for slug in item["situations"]])
        articles[item["slug"]] = article
    return situations, articles


# --- Service levels and closing days ------------------------------------------------------------


def closing_days_of(year: int) -> list[tuple[date, str]]:
    """Rosenmontag (48 days before Easter Sunday), Heiligabend and Silvester of a year."""
    return [
        (easter(year) - timedelta(days=48), "Rosenmontag"),
        (date(year, 12, 24), "Heiligabend"),
        (date(year, 12, 31), "Silvester"),
    ]


def _closing_days(year: int) -> int:
    days = closing_days_of(year) + closing_days_of(year + 1)
    for day, name in days:
        # A closing day the city entered itself on that date keeps its own name.
        ClosingDay.objects.get_or_create(date=day, defaults={"name": name})
    return len(days)


# --- People -------------------------------------------------------------------------------------


def _person(email: str, display_name: str, **fields) -> User:
    user, _ = User.objects.update_or_create(
        email=email, defaults={"display_name": display_name, **fields}
    )
    if user.has_usable_password():  # demo people exist to be seen, never to log in
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _people(data: dict) -> dict:
    service_department = Department.objects.filter(slug=settings.SERVICECENTER_DEPARTMENT).first()
    first_level = Permission.objects.get(
        content_type__app_label="servicecenter", codename="work_first_level"
    )
    agents = []
    for item in data["agents"]:
        agent = _person(
            item["email"], item["display_name"], is_staff=True, department=service_department
        )
        agent.user_permissions.add(first_level)
        agents.append(agent)
    citizens = {
        item["email"]: _person(
            item["email"],
            item["display_name"],
            district=District.objects.filter(slug=item["district"]).first(),
        )
        for item in data["citizens"]
    }
    department_slugs = {
        step["department"]
        for ticket in data["tickets"]
        for step in ticket["steps"]
        if step["do"] == "forward"
    }
    departments = {slug: Department.objects.get(slug=slug) for slug in sorted(department_slugs)}
    department_staff = {
        slug: _person(
            f"{slug}.sc.demo@example.org",
            f"{department.name} (Demo)",
            is_staff=True,
            department=department,
        )
        for slug, department in departments.items()
    }
    return {
        "agents": agents,
        "citizens": citizens,
        "departments": departments,
        "department_staff": department_staff,
    }


# --- Tickets ------------------------------------------------------------------------------------


@dataclass
class _TicketContext:
    now: datetime
    calendar: BusinessCalendar
    policies: dict[str, SlaPolicy]
    situations: dict[str, LifeSituation]
    articles: dict[str, KnowledgeArticle]
    agents: list[User]
    citizens: dict[str, User]
    departments: dict[str, Department]
    department_staff: dict[str, User]


@dataclass
class _Thread:
    """A ticket's messages and events, written after the ticket itself."""

    messages: list[Message] = field(default_factory=list)
    events: list[TicketEvent] = field(default_factory=list)

    def event(self, kind: str, at: datetime, actor: User | None = None, detail: str = "") -> None:
        self.events.append(TicketEvent(kind=kind, actor=actor, detail=detail[:1000], created_at=at))


def _created_at(item: dict, context: _TicketContext) -> datetime:
    """When the demo ticket arrived: hours ago, or on an open day some days ago (staff work on
    open days only; a day that is not one moves back to the last one that is)."""
    if "hours_ago" in item:
        return context.now - timedelta(hours=item["hours_ago"])
    day = timezone.localdate(context.now) - timedelta(days=item["days_ago"])
    while not context.calendar.is_open_day(day):
        day -= timedelta(days=1)
    hour, minute = map(int, item["at"].split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=context.calendar.zone)


def _status_change(old: str, new: str) -> str:
    return f"{Status(old).label} → {Status(new).label}"


def _set_status(ticket: Ticket, thread: _Thread, new: str, at: datetime, actor) -> None:
    if ticket.status != new:
        thread.event(Kind.STATUS, at, actor, _status_change(ticket.status, new))
        ticket.status = new


def _ticket(item: dict, context: _TicketContext, log) -> bool:
    """Create one demo ticket with its history; True if it was created now."""
    existing = Ticket.objects.filter(reference=item["reference"]).first()
    if existing is not None:
        if existing.subject != item["subject"]:
            log(f"{item['reference']} gehört nicht zur Demo und bleibt unverändert.")
        return False
    channel = item["channel"]
    created = _created_at(item, context)
    citizen = context.citizens[item["citizen"]] if "citizen" in item else None
    contact = item.get("contact", {})
    agent = context.agents[item["agent"]] if item["agent"] is not None else None
    staff_entry = channel in STAFF_CHANNELS
    ticket = Ticket(
        reference=item["reference"],
        channel=channel,
        citizen=citizen,
        contact_name=contact.get("name", ""),
        contact_email=contact.get("email", ""),
        contact_phone=contact.get("phone", ""),
        access_nonce="" if citizen else new_nonce(),
        subject=item["subject"],
        life_situation=context.situations.get(item["life_situation"] or ""),
        priority=item["priority"],
        status=Status.OPEN if staff_entry else Status.NEW,
        agent=agent if staff_entry else None,
        entered_by=agent if staff_entry else None,
        created_at=created,
        last_message_at=created,
    )
    policy = context.policies.get(ticket.priority)
    if policy is not None:
        ticket.first_response_due = context.calendar.add(created, policy.first_response_minutes)
        ticket.resolution_due = context.calendar.add(created, policy.resolution_minutes)
    thread = _Thread()
    thread.event(Kind.CREATED, created, ticket.entered_by, Channel(channel).label)
    latest = created
    for step in item["steps"]:
        if step["do"] == "escalate":
            _escalate(ticket, thread, context.now)
            continue
        # Never in the future, never before the step before.
        at = min(created + timedelta(hours=step["after_hours"]), context.now - timedelta(minutes=1))
        latest = at = max(at, latest)
        _step(ticket, thread, step, at, context, agent)
    _mark_read(ticket, thread)
    ticket.full_clean()
    ticket.save()
    for entry in [*thread.messages, *thread.events]:
        entry.ticket = ticket
    Message.objects.bulk_create(thread.messages)
    TicketEvent.objects.bulk_create(thread.events)
    return True


def _step(ticket: Ticket, thread: _Thread, step: dict, at: datetime, context, agent) -> None:
    do = step["do"]
    by_department = step.get("by") == "department"
    staff = context.department_staff.get(ticket.department.slug) if by_department else agent
    if do == "citizen":
        first = not thread.messages
        thread.messages.append(
            Message(
                kind=Message.Kind.FROM_CITIZEN,
                author=ticket.citizen,
                text=step["text"],
                channel=ticket.channel
                if first
                else (Channel.EMAIL if ticket.channel == Channel.EMAIL else Channel.WEB),
                created_at=at,
            )
        )
        ticket.last_message_at = at
        if not first:
            thread.event(Kind.CITIZEN_REPLIED, at, ticket.citizen)
            if ticket.status == Status.WAITING:
                waited = context.calendar.minutes_between(ticket.waiting_since, at)
                if ticket.resolution_due:
                    ticket.resolution_due = context.calendar.add(ticket.resolution_due, waited)
                ticket.waiting_since = None
                new = Status.FORWARDED if ticket.department_id else Status.OPEN
                _set_status(ticket, thread, new, at, ticket.citizen)
    elif do in ("answer", "wait"):
        article = context.articles.get(step["article"] or "")
        thread.messages.append(
            Message(
                kind=Message.Kind.TO_CITIZEN,
                author=staff,
                text=step["text"],
                article=article,
                created_at=at,
            )
        )
        ticket.first_response_at = ticket.first_response_at or at
        ticket.last_message_at = at
        if ticket.agent is None and not by_department:
            ticket.agent = agent
        thread.event(Kind.REPLIED, at, staff, article.title if article else "")
        if do == "wait":
            ticket.waiting_since = at
            _set_status(ticket, thread, Status.WAITING, at, staff)
        elif ticket.status == Status.NEW:
            _set_status(ticket, thread, Status.OPEN, at, staff)
    elif do == "note":
        thread.messages.append(
            Message(kind=Message.Kind.INTERNAL, author=staff, text=step["text"], created_at=at)
        )
        thread.event(Kind.NOTE, at, staff)
    elif do == "forward":
        department = context.departments[step["department"]]
        ticket.department = department
        ticket.forward_reason = step["reason"]
        ticket.was_forwarded = True
        thread.event(Kind.FORWARDED, at, agent, f"{department.name}: {step['reason']}")
        if ticket.status != Status.WAITING:
            _set_status(ticket, thread, Status.FORWARDED, at, agent)
    elif do == "resolve":
        ticket.resolved_at = at
        ticket.first_response_at = ticket.first_response_at or at
        ticket.resolved_at_first_contact = step["first_contact"]
        ticket.waiting_since = None
        detail = str(Ticket._meta.get_field("resolved_at_first_contact").verbose_name)
        thread.event(Kind.RESOLVED, at, staff, detail if step["first_contact"] else "")
        _set_status(ticket, thread, Status.RESOLVED, at, staff)
    elif do == "close":
        ticket.resolved_at = ticket.resolved_at or at
        _set_status(ticket, thread, Status.CLOSED, at, agent)
    else:
        raise ValueError(f"{ticket.reference}: unknown step {do!r}")


def _escalate(ticket: Ticket, thread: _Thread, now: datetime) -> None:
    """Mark the first breach as the beat would have, a few minutes after it."""
    breaches = []
    if ticket.first_response_due and (
        ticket.first_response_at is None or ticket.first_response_at > ticket.first_response_due
    ):
        breaches.append(ticket.first_response_due)
    if ticket.resolution_due and (
        ticket.resolved_at is None or ticket.resolved_at > ticket.resolution_due
    ):
        breaches.append(ticket.resolution_due)
    if not breaches or min(breaches) + ESCALATION_DELAY > now:
        return  # not late (yet): nothing to escalate
    ticket.escalated_at = min(breaches) + ESCALATION_DELAY
    thread.event(Kind.ESCALATED, ticket.escalated_at, None, "Servicelevel überschritten")


def _mark_read(ticket: Ticket, thread: _Thread) -> None:
    """The citizen has read every answer but an open ticket's last one (if it is the last word)."""
    answers = [m for m in thread.messages if m.kind == Message.Kind.TO_CITIZEN]
    visible = [m for m in thread.messages if m.kind != Message.Kind.INTERNAL]
    unread = (
        answers[-1]
        if answers and not ticket.is_done and visible and visible[-1] is answers[-1]
        else None
    )
    for message in answers:
        if message is not unread:
            message.read_at = message.created_at + timedelta(hours=1)
    ticket.citizen_unread = 1 if unread else 0


# --- Mobile Bürgerbüro --------------------------------------------------------------------------


def _stop_date(today: date, weeks_ahead: int, weekday: int, calendar: BusinessCalendar) -> date:
    day = today - timedelta(days=today.weekday()) + timedelta(weeks=weeks_ahead, days=weekday)
    while not calendar.is_open_day(day):
        day += timedelta(days=1)
    return day


def _mobile_office(data: dict, calendar: BusinessCalendar) -> tuple[int, int]:
    """The next stops (an upcoming demo stop at the same place is kept) and their bookings."""
    today = timezone.localdate()
    booked = 0
    people = data["people"]
    for item in data["stops"]:
        district = District.objects.get(slug=item["district"])
        stop = (
            MobileOfficeStop.objects.filter(
                district=district, place=item["place"], date__gte=today, is_cancelled=False
            )
            .order_by("date")
            .first()
        )
        if stop is None:
            stop = MobileOfficeStop(
                district=district,
                place=item["place"],
                date=_stop_date(today, item["weeks_ahead"], item["weekday"], calendar),
                starts_at=time.fromisoformat(item["starts_at"]),
                ends_at=time.fromisoformat(item["ends_at"]),
                slot_minutes=item["slot_minutes"],
                services="\n".join(data["services"]),
                notes=data["notes"],
            )
            stop.full_clean()
            stop.save()
        for index, start in enumerate(item["bookings"]):
            starts_at = datetime.combine(stop.date, time.fromisoformat(start), tzinfo=calendar.zone)
            if Appointment.objects.filter(stop=stop, starts_at=starts_at).exists():
                continue
            person = people[index % len(people)]
            appointment = Appointment(stop=stop, starts_at=starts_at, **person)
            appointment.full_clean()
            appointment.save()
            booked += 1
    return len(data["stops"]), booked
