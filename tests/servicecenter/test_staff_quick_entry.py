"""The agents' quick entry: phone, walk-in, chat and mobile-office contacts."""

import pytest
from django.core import mail
from django.urls import reverse

from servicecenter.models import Channel, Message, Priority, Ticket, TicketEvent
from tests.servicecenter.staff_support import client_for, with_mfa

pytestmark = pytest.mark.django_db
Status = Ticket.Status
URL = reverse("servicecenter:quick_entry")


@pytest.fixture
def agent_client(agent):
    return client_for(with_mfa(agent))


def entry(**fields) -> dict:
    data = {
        "channel": Channel.PHONE,
        "contact_name": "Erika Anruferin",
        "contact_phone": "02246 4711",
        "contact_email": "",
        "subject": "Sperrmüll anmelden",
        "text": "Sie möchte einen Termin für Sperrmüll.",
        "life_situation": "",
        "priority": Priority.NORMAL,
        "answer": "",
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def test_the_form_offers_the_staff_channels_only(agent_client):
    page = agent_client.get(URL).content.decode()
    for channel in ("phone", "walk_in", "chat", "mobile_office"):
        assert f'value="{channel}"' in page
    assert 'value="web"' not in page and 'value="email"' not in page
    assert "<legend" in page  # the channel choice is a group with its name


def test_a_caller_without_email_becomes_a_ticket_and_the_agent_lands_in_its_workspace(
    agent, agent_client, moving
):
    mail.outbox.clear()
    response = agent_client.post(URL, entry(life_situation=moving.pk))
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "servicecenter:staff_ticket", kwargs={"reference": ticket.reference}
    )
    assert (ticket.channel, ticket.status, ticket.agent, ticket.entered_by) == (
        Channel.PHONE,
        Status.OPEN,
        agent,
        agent,
    )
    assert (ticket.contact_name, ticket.contact_phone, ticket.contact_email) == (
        "Erika Anruferin",
        "02246 4711",
        "",
    )
    assert ticket.life_situation == moving and ticket.citizen is None
    assert ticket.messages.get().channel == Channel.PHONE
    assert mail.outbox == []  # nobody to write to
    page = agent_client.get(response["Location"]).content.decode()
    assert f"Anliegen {ticket.reference} ist erfasst." in page


def test_resolved_at_first_contact_with_the_answer_given(
    agent_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(
            URL,
            entry(
                channel=Channel.WALK_IN,
                contact_email="erika@example.org",
                first_contact="on",
                answer="Termin am Dienstag vereinbart.",
            ),
        )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.status == Status.RESOLVED and ticket.resolved_at_first_contact
    answer = ticket.messages.get(kind=Message.Kind.TO_CITIZEN)
    assert answer.text == "Termin am Dienstag vereinbart."
    assert ticket.events.filter(kind=TicketEvent.Kind.RESOLVED).exists()
    # A receipt and a notice of the answer, neither with the content.
    assert [message.to for message in mail.outbox] == [["erika@example.org"]] * 2
    assert all("Dienstag" not in message.body for message in mail.outbox)


def test_resolved_at_first_contact_needs_no_contact_data(agent_client):
    response = agent_client.post(
        URL,
        entry(contact_name="", contact_phone="", first_contact="on", channel=Channel.CHAT),
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.status == Status.RESOLVED and ticket.channel == Channel.CHAT
    # No answer was written down: nothing goes to the (non-existent) postbox.
    assert not ticket.messages.filter(kind=Message.Kind.TO_CITIZEN).exists()


def test_an_open_ticket_needs_a_way_to_answer(agent_client):
    response = agent_client.post(URL, entry(contact_phone="", contact_email=""))
    assert response.status_code == 400
    page = response.content.decode()
    assert 'href="#id_contact_phone"' in page
    assert "Telefonnummer oder eine E-Mail-Adresse" in page
    assert not Ticket.objects.exists()


def test_the_answer_counts_only_when_resolved_at_first_contact(agent_client):
    agent_client.post(URL, entry(answer="Vergessen anzukreuzen"))
    ticket = Ticket.objects.get()
    assert ticket.status == Status.OPEN
    assert not ticket.messages.filter(kind=Message.Kind.TO_CITIZEN).exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"subject": ""}, "subject"),
        ({"text": "  "}, "text"),
        ({"contact_email": "kein-at-zeichen"}, "contact_email"),
        ({"channel": Channel.WEB}, "channel"),
        ({"channel": Channel.EMAIL}, "channel"),
        ({"priority": "sofort"}, "priority"),
        ({"life_situation": "999999"}, "life_situation"),
        ({"subject": "x" * 201}, "subject"),
    ],
)
def test_bad_input_is_an_error_at_its_field_and_nothing_is_saved(agent_client, fields, field):
    response = agent_client.post(URL, entry(**fields))
    assert response.status_code == 400
    assert f'href="#id_{field}"' in response.content.decode()
    assert not Ticket.objects.exists()


def test_what_was_typed_survives_an_error(agent_client):
    response = agent_client.post(URL, entry(subject=""))
    page = response.content.decode()
    assert 'value="Erika Anruferin"' in page
    assert "Sie möchte einen Termin für Sperrmüll.</textarea>" in page
