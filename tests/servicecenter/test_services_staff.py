"""The staff's services: replies, notes, forwarding and sending back, first-contact resolution,
closing and reopening, assignment, classification, paused service levels and escalation."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from servicecenter import services
from servicecenter.attachments import NewAttachment
from servicecenter.models import (
    KnowledgeArticle,
    Message,
    Priority,
    SlaPolicy,
    Ticket,
    TicketEvent,
)
from servicecenter.sla import BusinessCalendar
from tests.factories import DepartmentFactory, StaffFactory
from tests.servicecenter.conftest import make_agent
from tests.servicecenter.staff_support import forwarded_ticket, phone_ticket, web_ticket

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
Status = Ticket.Status
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def at(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def kinds(ticket: Ticket) -> list[str]:
    return list(ticket.events.order_by("pk").values_list("kind", flat=True))


def article(visibility=KnowledgeArticle.Visibility.INTERNAL, **fields) -> KnowledgeArticle:
    fields.setdefault("title", "Ummeldung")
    fields.setdefault("slug", f"ummeldung-{visibility}")
    fields.setdefault("answer", "Bitte kommen Sie mit Ihrem Ausweis ins Bürgerbüro.")
    return KnowledgeArticle.objects.create(visibility=visibility, **fields)


# --- reply --------------------------------------------------------------------------------------


def test_a_reply_answers_the_citizen_and_counts_as_first_response(
    agent, citizen, django_capture_on_commit_callbacks
):
    ticket = web_ticket(citizen)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        message = services.reply(actor=agent, ticket=ticket, text="  Gern, so geht es: …  ")
    ticket.refresh_from_db()
    assert (message.kind, message.text, message.author) == (
        Message.Kind.TO_CITIZEN,
        "Gern, so geht es: …",
        agent,
    )
    assert ticket.status == Status.OPEN
    assert ticket.first_response_at == message.created_at
    assert ticket.agent == agent  # the first agent to answer takes it
    assert ticket.citizen_unread == 1
    assert kinds(ticket)[-2:] == [TicketEvent.Kind.REPLIED, TicketEvent.Kind.STATUS]
    # The citizen hears of it, without the content.
    [notice] = mail.outbox
    assert notice.to == [citizen.email]
    assert "so geht es" not in notice.body and ticket.reference in notice.body


def test_a_reply_that_waits_for_the_citizen_pauses_the_clock(agent, citizen):
    ticket = web_ticket(citizen)
    with time_machine.travel(at(2026, 11, 18, 10, 0), tick=False):
        services.reply(actor=agent, ticket=ticket, text="Welche Adresse?", wait_for_citizen=True)
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING
    assert ticket.waiting_since == at(2026, 11, 18, 10, 0)


def test_a_reply_records_the_knowledge_article_it_is_built_on(agent, citizen):
    ticket = web_ticket(citizen)
    used = article()
    message = services.reply(actor=agent, ticket=ticket, text=used.answer, article=used)
    assert message.article == used
    assert ticket.events.get(kind=TicketEvent.Kind.REPLIED).detail == "Ummeldung"


def test_a_draft_article_cannot_be_an_answer(agent, citizen):
    ticket = web_ticket(citizen)
    draft = article(KnowledgeArticle.Visibility.DRAFT)
    with pytest.raises(ValidationError) as error:
        services.reply(actor=agent, ticket=ticket, text="Entwurf", article=draft)
    assert "article" in error.value.message_dict
    assert not ticket.messages.filter(kind=Message.Kind.TO_CITIZEN).exists()


def test_an_empty_reply_is_refused(agent, citizen):
    ticket = web_ticket(citizen)
    with pytest.raises(ValidationError) as error:
        services.reply(actor=agent, ticket=ticket, text="   ")
    assert error.value.message_dict["text"] == ["Bitte schreiben Sie eine Nachricht."]


def test_a_closed_ticket_takes_no_reply(agent, citizen):
    ticket = services.close(actor=agent, ticket=web_ticket(citizen))
    with pytest.raises(ValidationError):
        services.reply(actor=agent, ticket=ticket, text="Noch etwas")
    assert ticket.messages.count() == 1


def test_a_reply_keeps_its_attachments(agent, citizen):
    ticket = web_ticket(citizen)
    message = services.reply(
        actor=agent,
        ticket=ticket,
        text="Anbei das Formular.",
        attachments=[NewAttachment(filename="formular.pdf", content=PDF)],
    )
    [file] = message.attachments.all()
    assert (file.filename, file.content_type, file.size) == (
        "formular.pdf",
        "application/pdf",
        len(PDF),
    )


def test_staff_of_another_department_cannot_reply(
    agent, department, citizen, other_department_staff
):
    ticket = forwarded_ticket(agent, department, citizen)
    with pytest.raises(PermissionDenied):
        services.reply(actor=other_department_staff, ticket=ticket, text="Hallo")
    assert not ticket.messages.filter(kind=Message.Kind.TO_CITIZEN).exists()


def test_department_staff_reply_to_their_departments_ticket(
    agent, department, citizen, department_staff
):
    ticket = forwarded_ticket(agent, department, citizen)
    services.reply(actor=department_staff, ticket=ticket, text="Die Genehmigung ist erteilt.")
    ticket.refresh_from_db()
    # Department staff do not become the service center's agent; the ticket stays with them.
    assert (ticket.status, ticket.agent, ticket.department) == (Status.FORWARDED, None, department)


# --- notes --------------------------------------------------------------------------------------


def test_a_note_is_internal_and_tells_the_citizen_nothing(
    agent, citizen, django_capture_on_commit_callbacks
):
    ticket = web_ticket(citizen)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        note = services.add_note(actor=agent, ticket=ticket, text="Rückruf vereinbart.")
    ticket.refresh_from_db()
    assert note.kind == Message.Kind.INTERNAL
    assert ticket.citizen_unread == 0 and ticket.first_response_at is None
    assert kinds(ticket)[-1] == TicketEvent.Kind.NOTE
    assert mail.outbox == []


def test_a_citizen_cannot_write_a_note(citizen):
    ticket = web_ticket(citizen)
    with pytest.raises(PermissionDenied):
        services.add_note(actor=citizen, ticket=ticket, text="Ich bin intern")


# --- forward and send back ----------------------------------------------------------------------


def test_forwarding_hands_the_ticket_to_the_department_with_its_reason(
    agent, department, citizen, django_capture_on_commit_callbacks
):
    ticket = web_ticket(citizen)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.forward(actor=agent, ticket=ticket, department=department, reason="Baurecht")
    ticket.refresh_from_db()
    assert (ticket.department, ticket.status, ticket.forward_reason) == (
        department,
        Status.FORWARDED,
        "Baurecht",
    )
    assert ticket.was_forwarded
    event = ticket.events.get(kind=TicketEvent.Kind.FORWARDED)
    assert (event.actor, event.detail) == (agent, f"{department.name}: Baurecht")
    [notice] = mail.outbox
    assert notice.to == [department.email]
    assert f"/service/arbeitsplatz/{ticket.reference}/" in notice.body


def test_forwarding_needs_a_reason(agent, department, citizen):
    ticket = web_ticket(citizen)
    with pytest.raises(ValidationError) as error:
        services.forward(actor=agent, ticket=ticket, department=department, reason="  ")
    assert "reason" in error.value.message_dict
    ticket.refresh_from_db()
    assert ticket.department is None and not ticket.was_forwarded


def test_only_agents_forward(agent, department, citizen, department_staff):
    ticket = forwarded_ticket(agent, department, citizen)
    other = DepartmentFactory()
    with pytest.raises(PermissionDenied):
        services.forward(actor=department_staff, ticket=ticket, department=other, reason="x")
    ticket.refresh_from_db()
    assert ticket.department == department


def test_a_waiting_ticket_keeps_waiting_when_forwarded(agent, department, citizen):
    ticket = web_ticket(citizen)
    services.reply(actor=agent, ticket=ticket, text="Welche Adresse?", wait_for_citizen=True)
    services.forward(actor=agent, ticket=ticket, department=department, reason="Baurecht")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.department) == (Status.WAITING, department)


def test_a_resolved_ticket_cannot_be_forwarded(agent, department, citizen):
    ticket = services.resolve(actor=agent, ticket=web_ticket(citizen))
    with pytest.raises(ValidationError):
        services.forward(actor=agent, ticket=ticket, department=department, reason="Baurecht")


def test_the_department_sends_a_ticket_back_with_a_reason(
    agent, department, citizen, department_staff
):
    ticket = forwarded_ticket(agent, department, citizen)
    services.send_back(actor=department_staff, ticket=ticket, reason="Nicht unser Thema")
    ticket.refresh_from_db()
    assert (ticket.department, ticket.status) == (None, Status.OPEN)
    assert ticket.was_forwarded  # it still does not count as solved at first contact
    note = ticket.messages.get(kind=Message.Kind.INTERNAL)
    assert (note.text, note.author) == ("Nicht unser Thema", department_staff)
    assert ticket.events.get(kind=TicketEvent.Kind.RETURNED).actor == department_staff


def test_sending_back_needs_a_reason(agent, department, citizen, department_staff):
    ticket = forwarded_ticket(agent, department, citizen)
    with pytest.raises(ValidationError):
        services.send_back(actor=department_staff, ticket=ticket, reason="")
    ticket.refresh_from_db()
    assert ticket.department == department


def test_another_department_cannot_send_back(agent, department, citizen, other_department_staff):
    ticket = forwarded_ticket(agent, department, citizen)
    with pytest.raises(PermissionDenied):
        services.send_back(actor=other_department_staff, ticket=ticket, reason="Weg damit")


# --- resolve ------------------------------------------------------------------------------------


def test_an_agent_resolves_at_first_contact_with_a_last_answer(agent, citizen):
    ticket = web_ticket(citizen)
    ticket = services.resolve(
        actor=agent, ticket=ticket, text="Erledigt: Termin gebucht.", first_contact=True
    )
    assert ticket.status == Status.RESOLVED and ticket.resolved_at_first_contact
    assert ticket.resolved_at is not None and ticket.first_response_at is not None
    assert ticket.messages.filter(kind=Message.Kind.TO_CITIZEN).get().text == (
        "Erledigt: Termin gebucht."
    )
    assert ticket.events.get(kind=TicketEvent.Kind.RESOLVED).detail == "beim Erstkontakt gelöst"


def test_a_forwarded_ticket_never_counts_as_solved_at_first_contact(
    agent, department, citizen, department_staff
):
    ticket = forwarded_ticket(agent, department, citizen)
    services.send_back(actor=department_staff, ticket=ticket, reason="Zurück")
    with pytest.raises(ValidationError):
        services.resolve(actor=agent, ticket=ticket, first_contact=True)
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    # Without the claim it can be resolved.
    ticket = services.resolve(actor=agent, ticket=ticket)
    assert ticket.status == Status.RESOLVED and not ticket.resolved_at_first_contact


def test_department_staff_resolve_but_not_at_first_contact(
    agent, department, citizen, department_staff
):
    ticket = forwarded_ticket(agent, department, citizen)
    with pytest.raises(PermissionDenied):
        services.resolve(actor=department_staff, ticket=ticket, first_contact=True)
    ticket = services.resolve(actor=department_staff, ticket=ticket, text="Genehmigt.")
    assert ticket.status == Status.RESOLVED


def test_a_resolved_ticket_cannot_be_resolved_again(agent, citizen):
    ticket = services.resolve(actor=agent, ticket=web_ticket(citizen))
    with pytest.raises(ValidationError):
        services.resolve(actor=agent, ticket=ticket)
    assert ticket.events.filter(kind=TicketEvent.Kind.RESOLVED).count() == 1


# --- close and reopen ---------------------------------------------------------------------------


def test_close_and_reopen(agent, citizen):
    ticket = services.resolve(actor=agent, ticket=web_ticket(citizen), first_contact=True)
    ticket = services.close(actor=agent, ticket=ticket)
    assert ticket.status == Status.CLOSED and ticket.resolved_at is not None
    ticket = services.reopen(actor=agent, ticket=ticket)
    assert ticket.status == Status.OPEN
    assert ticket.resolved_at is None and not ticket.resolved_at_first_contact
    assert TicketEvent.Kind.REOPENED in kinds(ticket)


def test_a_reopened_forwarded_ticket_goes_back_to_its_department(agent, department, citizen):
    ticket = forwarded_ticket(agent, department, citizen)
    services.close(actor=agent, ticket=ticket)
    ticket = services.reopen(actor=agent, ticket=ticket)
    assert (ticket.status, ticket.department) == (Status.FORWARDED, department)


def test_closing_twice_changes_nothing(agent, citizen):
    ticket = services.close(actor=agent, ticket=web_ticket(citizen))
    count = ticket.events.count()
    services.close(actor=agent, ticket=ticket)
    assert ticket.events.count() == count


def test_another_department_cannot_close(agent, department, citizen, other_department_staff):
    ticket = forwarded_ticket(agent, department, citizen)
    with pytest.raises(PermissionDenied):
        services.close(actor=other_department_staff, ticket=ticket)


# --- assign and classify ------------------------------------------------------------------------


def test_an_agent_assigns_a_ticket_to_a_colleague_and_back_to_nobody(agent, citizen):
    colleague = make_agent(display_name="Kollege")
    ticket = services.assign(actor=agent, ticket=web_ticket(citizen), agent=colleague)
    assert ticket.agent == colleague
    ticket = services.assign(actor=agent, ticket=ticket, agent=None)
    assert ticket.agent is None
    details = list(
        ticket.events.filter(kind=TicketEvent.Kind.ASSIGNED).values_list("detail", flat=True)
    )
    assert details == [str(colleague), "niemand"]


def test_only_agents_can_be_assigned(agent, citizen, department_staff):
    with pytest.raises(ValidationError) as error:
        services.assign(actor=agent, ticket=web_ticket(citizen), agent=department_staff)
    assert "agent" in error.value.message_dict


def test_department_staff_cannot_assign(agent, department, citizen, department_staff):
    ticket = forwarded_ticket(agent, department, citizen)
    with pytest.raises(PermissionDenied):
        services.assign(actor=department_staff, ticket=ticket, agent=agent)


def test_a_higher_priority_brings_the_due_times_forward(agent, citizen, service_levels):
    with time_machine.travel(at(2026, 11, 18, 9, 0), tick=False):
        ticket = web_ticket(citizen)
    assert ticket.first_response_due == at(2026, 11, 18, 13, 0)
    with time_machine.travel(at(2026, 11, 18, 9, 30), tick=False):
        ticket = services.classify(actor=agent, ticket=ticket, priority=Priority.URGENT)
    # The targets count from arrival: one hour and eight hours of business time.
    assert ticket.first_response_due == at(2026, 11, 18, 10, 0)
    assert ticket.resolution_due == at(2026, 11, 18, 17, 0)
    assert ticket.events.get(kind=TicketEvent.Kind.PRIORITY).detail == "normal → dringend"


def test_a_life_situation_with_its_own_service_level(agent, citizen, moving, service_levels):
    SlaPolicy.objects.create(
        name="Umzug", life_situation=moving, first_response_minutes=30, resolution_minutes=60
    )
    with time_machine.travel(at(2026, 11, 18, 9, 0), tick=False):
        ticket = web_ticket(citizen)
        ticket = services.classify(actor=agent, ticket=ticket, life_situation=moving)
    assert ticket.life_situation == moving
    assert ticket.resolution_due == at(2026, 11, 18, 10, 0)
    assert ticket.events.get(kind=TicketEvent.Kind.LIFE_SITUATION).detail == "Umzug"


def test_an_unknown_priority_is_refused(agent, citizen):
    ticket = web_ticket(citizen)
    with pytest.raises(ValidationError):
        services.classify(actor=agent, ticket=ticket, priority="sofort")
    ticket.refresh_from_db()
    assert ticket.priority == Priority.NORMAL


def test_department_staff_classify_their_own_tickets_only(
    agent, department, citizen, department_staff, other_department_staff
):
    ticket = forwarded_ticket(agent, department, citizen)
    services.classify(actor=department_staff, ticket=ticket, priority=Priority.HIGH)
    with pytest.raises(PermissionDenied):
        services.classify(actor=other_department_staff, ticket=ticket, priority=Priority.LOW)
    ticket.refresh_from_db()
    assert ticket.priority == Priority.HIGH


# --- service levels: pause and resume -----------------------------------------------------------


def test_waiting_over_a_weekend_moves_the_due_time_by_the_business_time_waited(
    agent, citizen, service_levels
):
    # Friday 20 Nov 2026, 10:00: 4 h to answer, 30 business hours to resolve.
    with time_machine.travel(at(2026, 11, 20, 10, 0), tick=False):
        ticket = web_ticket(citizen)
    assert ticket.first_response_due == at(2026, 11, 20, 14, 0)
    # Fri 8 h + Mon 10 h + Tue 10 h + Wed 2 h.
    assert ticket.resolution_due == at(2026, 11, 25, 10, 0)
    with time_machine.travel(at(2026, 11, 20, 16, 0), tick=False):
        services.reply(actor=agent, ticket=ticket, text="Welche Adresse?", wait_for_citizen=True)
    # Over the weekend the ticket waits: it is late by the clock, but not breached.
    ticket.refresh_from_db()
    assert not ticket.is_breached(at(2026, 11, 26, 9, 0))
    with time_machine.travel(at(2026, 11, 23, 12, 0), tick=False):
        services.citizen_reply(actor=citizen, ticket=ticket, text="Hauptstraße 1")
    ticket.refresh_from_db()
    # Waited: Friday 16 to 18 h and Monday 8 to 12 h = 6 business hours; the weekend does not count.
    assert ticket.status == Status.OPEN and ticket.waiting_since is None
    assert ticket.resolution_due == at(2026, 11, 25, 16, 0)
    # Answered already: the first response target stays as it was.
    assert ticket.first_response_due == at(2026, 11, 20, 14, 0)


def test_waiting_across_a_holiday_does_not_count_the_holiday(agent, citizen, service_levels):
    # Thursday 31 Dec 2026 → Monday 4 Jan 2027, over New Year's Day (a Friday) and a weekend.
    with time_machine.travel(at(2026, 12, 31, 9, 0), tick=False):
        ticket = web_ticket(citizen)
        services.reply(actor=agent, ticket=ticket, text="Unterlagen?", wait_for_citizen=True)
    ticket.refresh_from_db()
    due = ticket.resolution_due
    with time_machine.travel(at(2027, 1, 4, 9, 0), tick=False):
        services.citizen_reply(actor=citizen, ticket=ticket, text="Anbei.")
    ticket.refresh_from_db()
    # Thu 9 to 18 h + Mon 8 to 9 h: New Year's Day and the weekend are not business time.
    assert ticket.resolution_due == BusinessCalendar().add(due, 600)


# --- escalation ---------------------------------------------------------------------------------


def test_a_breach_is_escalated_once_to_the_department_lead(
    agent, department, citizen, service_levels, django_capture_on_commit_callbacks
):
    lead = StaffFactory(department=department, email="leitung.bauen@lohmar.example")
    department.lead = lead
    department.save()
    with time_machine.travel(at(2026, 11, 18, 9, 0), tick=False):
        ticket = forwarded_ticket(agent, department, citizen)
    mail.outbox.clear()
    # 13:00 is the first-response target; at 12:59 nothing is late yet.
    with time_machine.travel(at(2026, 11, 18, 12, 59), tick=False):
        assert services.escalate_breaches() == 0
    with (
        time_machine.travel(at(2026, 11, 18, 13, 5), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert services.escalate_breaches() == 1
    ticket.refresh_from_db()
    assert ticket.escalated_at == at(2026, 11, 18, 13, 5)
    event = ticket.events.get(kind=TicketEvent.Kind.ESCALATED)
    assert event.actor is None
    [notice] = mail.outbox
    assert notice.to == ["leitung.bauen@lohmar.example"]
    assert ticket.reference in notice.subject
    # The next run of the beat job leaves it alone.
    with (
        time_machine.travel(at(2026, 11, 18, 13, 10), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert services.escalate_breaches() == 0
    assert len(mail.outbox) == 1
    assert ticket.events.filter(kind=TicketEvent.Kind.ESCALATED).count() == 1


def test_without_a_lead_the_department_mailbox_hears_of_it(
    agent, department, citizen, service_levels, django_capture_on_commit_callbacks
):
    with time_machine.travel(at(2026, 11, 18, 9, 0), tick=False):
        forwarded_ticket(agent, department, citizen)
    mail.outbox.clear()
    with (
        time_machine.travel(at(2026, 11, 19, 9, 0), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.escalate_breaches()
    assert [message.to for message in mail.outbox] == [[department.email]]


def test_a_late_ticket_still_with_the_service_center_goes_to_its_lead(
    agent, citizen, service_levels, settings, django_capture_on_commit_callbacks
):
    lead = StaffFactory(email="leitung.service@lohmar.example")
    DepartmentFactory(slug=settings.SERVICECENTER_DEPARTMENT, lead=lead)
    with time_machine.travel(at(2026, 11, 18, 9, 0), tick=False):
        web_ticket(citizen)
    mail.outbox.clear()
    with (
        time_machine.travel(at(2026, 11, 19, 9, 0), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert services.escalate_breaches() == 1
    assert [message.to for message in mail.outbox] == [["leitung.service@lohmar.example"]]


def test_waiting_answered_and_done_tickets_are_not_escalated(agent, citizen, service_levels):
    with time_machine.travel(at(2026, 11, 18, 9, 0), tick=False):
        waiting = web_ticket(citizen, subject="Wartet")
        services.reply(actor=agent, ticket=waiting, text="Welche?", wait_for_citizen=True)
        answered = web_ticket(citizen, subject="Beantwortet")
        services.reply(actor=agent, ticket=answered, text="Wir prüfen das.")
        done = phone_ticket(agent, subject="Erledigt")
        services.resolve(actor=agent, ticket=done, first_contact=True)
    # Next morning: the first-response targets have passed, the resolution targets not yet.
    with time_machine.travel(at(2026, 11, 19, 9, 0), tick=False):
        assert services.escalate_breaches() == 0
    assert not Ticket.objects.filter(escalated_at__isnull=False).exists()


def test_the_resolution_target_is_escalated_even_after_an_answer(agent, citizen, service_levels):
    with time_machine.travel(at(2026, 11, 18, 9, 0), tick=False):
        ticket = web_ticket(citizen)
        services.reply(actor=agent, ticket=ticket, text="Wir prüfen das.")
    # 30 business hours: Wed 9 h + Thu 10 h + Fri 10 h + Mon 1 h → due Monday 9:00.
    with time_machine.travel(at(2026, 11, 23, 8, 59), tick=False):
        assert services.escalate_breaches() == 0
    with time_machine.travel(at(2026, 11, 23, 9, 30), tick=False):
        assert services.escalate_breaches() == 1
    ticket.refresh_from_db()
    assert ticket.escalated_at is not None


def test_the_beat_entries_are_registered():
    from lohmar_portal.celery import app

    schedule = app.conf.beat_schedule
    assert schedule["servicecenter-escalate-breaches"]["task"] == (
        "servicecenter.tasks.escalate_breaches"
    )
    assert schedule["servicecenter-escalate-breaches"]["schedule"] == 300.0
    assert schedule["servicecenter-erase-old-contacts"]["task"] == (
        "servicecenter.tasks.erase_old_contacts"
    )
