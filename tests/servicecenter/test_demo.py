"""The service center's demo data: loads twice without duplicates, passes model validation, and
shows what the pages need (every channel and status, first contact, forwarding, one escalation,
future mobile-office stops with bookings)."""

import re
from datetime import UTC, date, datetime, time

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from lohmar_portal import demo as core_demo
from lohmar_portal.services import next_reference
from servicecenter import demo
from servicecenter.models import (
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
)

pytestmark = pytest.mark.django_db
Visibility = KnowledgeArticle.Visibility
LIFE_SITUATIONS = {
    "Umzug",
    "Geburt",
    "Heirat",
    "Bauen",
    "Gewerbe",
    "Ausweis & Pass",
    "Kfz & Parken",
    "Abfall",
    "Senioren",
    "Schule & Kita",
}


def load_demo():
    lines = []
    core_demo.load(lines.append)
    demo.load(lines.append)
    return lines


@pytest.fixture
def loaded():
    return load_demo()


def counts():
    return {
        model.__name__: model.objects.count()
        for model in apps.get_app_config("servicecenter").get_models()
    } | {"User": apps.get_model("lohmar_portal", "User").objects.count()}


def test_loading_twice_creates_nothing_twice(loaded):
    first = counts()
    lines = load_demo()
    assert counts() == first
    assert "25 Beispielanliegen (0 neu angelegt)" in " ".join(lines)


def test_every_demo_object_passes_model_validation(loaded):
    for model in apps.get_app_config("servicecenter").get_models():
        for obj in model.objects.all():
            obj.full_clean()


def test_knowledge_base(loaded):
    assert set(LifeSituation.objects.values_list("name", flat=True)) == LIFE_SITUATIONS
    for situation in LifeSituation.objects.prefetch_related("departments"):
        assert situation.departments.exists(), situation
    assert KnowledgeArticle.objects.public().count() >= 20
    assert KnowledgeArticle.objects.filter(visibility=Visibility.INTERNAL).count() >= 2
    assert KnowledgeArticle.objects.filter(visibility=Visibility.DRAFT).exists()
    promise = KnowledgeArticle.objects.public().get(slug="service-center")
    assert "einfache Anfragen an die Stadtverwaltung schnell und abschließend" in promise.answer
    breidt = KnowledgeArticle.objects.public().get(slug="mobiles-buergerbuero-breidt")
    assert "Generationentreff" in breidt.answer


def test_no_invented_fees_or_phone_numbers_in_public_articles(loaded):
    for article in KnowledgeArticle.objects.public():
        assert not re.search(r"€|\bEuro\b|\bEUR\b", article.answer), article.slug
        digits = "".join(ch if ch.isdigit() else " " for ch in article.answer).split()
        assert all(len(run) < 5 for run in digits), article.slug  # no phone numbers


def test_public_pages_render_the_demo(loaded, client):
    assert client.get(reverse("servicecenter:index")).status_code == 200
    for situation in LifeSituation.objects.all():
        assert client.get(situation.get_absolute_url()).status_code == 200
    for article in KnowledgeArticle.objects.public():
        assert client.get(article.get_absolute_url()).status_code == 200
    page = client.get(reverse("servicecenter:search"), {"q": "Personalausweis"}).content.decode()
    assert "Personalausweis beantragen" in page
    assert client.get(reverse("servicecenter:figures"), {"tage": "365"}).status_code == 200


def test_service_levels_and_closing_days(loaded):
    minutes = {
        policy.priority: (policy.first_response_minutes, policy.resolution_minutes)
        for policy in SlaPolicy.objects.all()
    }
    assert minutes == {
        "urgent": (60, 480),
        "high": (120, 960),
        "normal": (240, 1800),
        "low": (480, 3600),
    }
    year = timezone.localdate().year
    days = set(ClosingDay.objects.values_list("date", flat=True))
    for y in (year, year + 1):
        assert {date(y, 12, 24), date(y, 12, 31)} <= days
    assert date(2026, 2, 16) in days or year != 2026  # Rosenmontag 2026
    assert demo.closing_days_of(2027)[0] == (date(2027, 2, 8), "Rosenmontag")


def test_tickets_across_channels_and_statuses(loaded):
    tickets = Ticket.objects.all()
    assert tickets.count() == 25
    assert set(tickets.values_list("channel", flat=True)) == set(Channel.values)
    assert set(tickets.values_list("status", flat=True)) == set(Ticket.Status.values)
    assert tickets.filter(resolved_at_first_contact=True).count() >= 5
    assert tickets.filter(was_forwarded=True).count() >= 4
    assert tickets.filter(escalated_at__isnull=False).count() == 1
    assert sorted(tickets.values_list("reference", flat=True)) == [
        f"SC-2026-{n:06d}" for n in range(1, 26)
    ]
    # The next real ticket gets the next number, never a demo one.
    assert next_reference("SC", width=6, year=2026) == "SC-2026-000026"


def test_demo_contact_data_is_clearly_fake(loaded):
    for ticket in Ticket.objects.select_related("citizen"):
        assert not ticket.contact_email or ticket.contact_email.endswith("@example.org")
        assert not ticket.contact_phone or ticket.contact_phone.startswith("0000 ")
        assert ticket.citizen is None or ticket.citizen.email.endswith("@example.org")
        assert ticket.citizen_id or ticket.access_token  # reachable by account or link
    for appointment in Appointment.objects.all():
        assert not appointment.email or appointment.email.endswith("@example.org")


def test_demo_people_cannot_log_in(loaded):
    User = apps.get_model("lohmar_portal", "User")
    for user in User.objects.filter(email__endswith=".sc.demo@example.org"):
        assert not user.has_usable_password()
    agents = User.objects.filter(user_permissions__codename="work_first_level")
    assert agents.count() == 2


def test_ticket_histories_are_consistent(loaded):
    now = timezone.now()
    for ticket in Ticket.objects.prefetch_related("messages", "events"):
        messages = list(ticket.messages.all())
        events = list(ticket.events.all())
        assert messages[0].kind == Message.Kind.FROM_CITIZEN
        assert events[0].kind == TicketEvent.Kind.CREATED
        assert all(ticket.created_at <= m.created_at <= now for m in messages)
        assert all(ticket.created_at <= e.created_at <= now for e in events)
        if ticket.status != Ticket.Status.NEW:
            assert ticket.first_response_at is not None
        if ticket.is_done:
            assert ticket.resolved_at is not None
        if ticket.resolved_at_first_contact:
            assert not ticket.was_forwarded
        if ticket.status == Ticket.Status.FORWARDED:
            assert ticket.department is not None
        if ticket.status == Ticket.Status.WAITING:
            assert ticket.waiting_since is not None
        # The postbox counter matches the unread answers.
        unread = [m for m in messages if m.kind == Message.Kind.TO_CITIZEN and m.read_at is None]
        assert ticket.citizen_unread == len(unread)


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 11, 23, 7, 30, tzinfo=UTC),  # Monday before opening
        datetime(2026, 11, 28, 12, 0, tzinfo=UTC),  # Saturday
        datetime(2027, 1, 2, 9, 0, tzinfo=UTC),  # after the holidays, a new year
        datetime(2026, 12, 24, 15, 0, tzinfo=UTC),  # a closing day
    ],
)
def test_only_the_escalated_ticket_is_late_whenever_it_is_loaded(moment, time_machine):
    time_machine.move_to(moment, tick=False)
    load_demo()
    late = [t.reference for t in Ticket.objects.all() if t.is_breached(timezone.now())]
    escalated = list(
        Ticket.objects.filter(escalated_at__isnull=False).values_list("reference", flat=True)
    )
    assert late == escalated
    assert len(escalated) == 1


def test_mobile_office_stops_with_bookings(loaded):
    today = timezone.localdate()
    stops = list(MobileOfficeStop.objects.filter(date__gt=today).select_related("district"))
    assert len(stops) == 4
    first = stops[0]
    assert first.district.name == "Breidt"
    assert "Generationentreff" in first.place
    assert first.service_list == [
        "Personalausweis/Reisepass beantragen",
        "Meldebescheinigung",
        "Beglaubigungen",
        "Beratung zu Online-Diensten",
    ]
    appointments = list(Appointment.objects.filter(status=Appointment.Status.BOOKED))
    assert len(appointments) >= 3
    for appointment in appointments:
        local = timezone.localtime(appointment.starts_at)
        stop = appointment.stop
        assert local.date() == stop.date
        assert stop.starts_at <= local.time() < stop.ends_at
        minutes = (local.hour * 60 + local.minute) - (
            stop.starts_at.hour * 60 + stop.starts_at.minute
        )
        assert minutes % stop.slot_minutes == 0
        assert time(0) < local.time()
