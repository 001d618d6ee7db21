"""The postbox in the account: the list, its order and unread counts, paging and its cost; the
section on "Mein Bürgerkonto", the data export and the account's deletion."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from lohmar_portal import services as core
from servicecenter import postbox, services
from servicecenter.models import Message, Ticket, TicketEvent
from tests.servicecenter.postbox_support import account_ticket, attachment, link_ticket

pytestmark = pytest.mark.django_db
URL = reverse("servicecenter:postbox")


def make_tickets(citizen, count, agent=None):
    """`count` tickets with activity one hour apart (the last one newest)."""
    start = timezone.now() - timedelta(days=30)
    tickets = []
    for n in range(count):
        ticket = account_ticket(citizen, subject=f"Anliegen Nummer {n:03d}")
        Ticket.objects.filter(pk=ticket.pk).update(last_message_at=start + timedelta(hours=n))
        tickets.append(ticket)
    return tickets


def test_the_postbox_lists_tickets_newest_activity_first_with_unread_counts(client, citizen, agent):
    old, middle, new = make_tickets(citizen, 3)
    services.reply(actor=agent, ticket=new, text="Antwort eins", wait_for_citizen=True)
    services.reply(actor=agent, ticket=old, text="Antwort zwei")  # now the newest activity
    services.reply(actor=agent, ticket=old, text="Antwort drei")
    client.force_login(citizen)
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    positions = [page.index(ticket.subject) for ticket in (old, new, middle)]
    assert positions == sorted(positions)
    assert "Sie haben 3 ungelesene Nachrichten." in page
    assert "<strong>2</strong>" in page and "<strong>1</strong>" in page
    assert "wartet auf Ihre Antwort" in page and "eingegangen" in page
    assert reverse("servicecenter:ticket", args=[old.reference]) in page
    assert "Antwort zwei" not in page  # the list shows no content
    assert "private" in response["Cache-Control"]


def test_reading_a_ticket_lowers_the_unread_count(
    client, citizen, agent, django_capture_on_commit_callbacks
):
    (ticket,) = make_tickets(citizen, 1)
    services.reply(actor=agent, ticket=ticket, text="Antwort")
    client.force_login(citizen)
    assert "1 ungelesene Nachricht." in client.get(URL).content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # the GET's commit
        client.get(reverse("servicecenter:ticket", args=[ticket.reference]))
    assert "keine ungelesenen Nachrichten" in client.get(URL).content.decode()


def test_the_postbox_pages_without_counting(client, citizen, agent, monkeypatch):
    monkeypatch.setattr("servicecenter.views.tickets.PER_PAGE", 2)
    tickets = make_tickets(citizen, 5)
    services.reply(actor=agent, ticket=tickets[0], text="Alt, aber ungelesen")
    client.force_login(citizen)
    first = client.get(URL).content.decode()
    assert "?seite=2" in first and "vorherige Seite" not in first
    # The total counts unread messages on other pages too.
    assert "Sie haben 1 ungelesene Nachricht." in first
    third = client.get(URL, {"seite": 3}).content.decode()
    assert "Anliegen Nummer 001" in third and "nächste Seite" not in third
    assert "?seite=2" in third
    beyond = client.get(URL, {"seite": 9})
    assert beyond.status_code == 302 and beyond["Location"] == URL
    assert client.get(URL, {"seite": "x"}).status_code == 200


@pytest.mark.parametrize("count", [1, 20])
def test_the_postbox_runs_a_constant_number_of_queries(
    client, citizen, agent, count, django_assert_num_queries
):
    for ticket in make_tickets(citizen, count):
        services.reply(actor=agent, ticket=ticket, text="Antwort")
    client.force_login(citizen)
    # The user and one page of tickets; the unread total comes from that page.
    with django_assert_num_queries(2):
        response = client.get(URL)
    assert response.content.decode().count("<strong>1</strong>") == count


def test_with_more_than_a_page_the_total_costs_one_more_query(
    client, citizen, agent, django_assert_num_queries, monkeypatch
):
    monkeypatch.setattr("servicecenter.views.tickets.PER_PAGE", 5)
    make_tickets(citizen, 12)
    client.force_login(citizen)
    with django_assert_num_queries(3):
        client.get(URL, {"seite": 2})


def test_a_reload_costs_no_ticket_query_and_news_show_at_once(
    client, citizen, agent, django_assert_num_queries, django_capture_on_commit_callbacks
):
    (ticket,) = make_tickets(citizen, 1)
    client.force_login(citizen)
    assert "keine ungelesenen Nachrichten" in client.get(URL).content.decode()
    with django_assert_num_queries(0):  # the account and the page are kept in the cache
        assert "keine ungelesenen Nachrichten" in client.get(URL).content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # as its transaction commits
        services.system_message(ticket=ticket, text="Ihr Termin ist bestätigt.")
    assert "Sie haben 1 ungelesene Nachricht." in client.get(URL).content.decode()
    # Another person never gets this person's page from the cache.
    other = make_tickets(agent, 1)[0]
    client.force_login(agent)
    page = client.get(URL).content.decode()
    assert other.reference in page and ticket.reference not in page


def test_the_unread_total_is_summed_in_the_database(citizen, other_citizen, agent):
    tickets = make_tickets(citizen, 3)
    for ticket in tickets:
        services.reply(actor=agent, ticket=ticket, text="Antwort")
    services.reply(actor=agent, ticket=account_ticket(other_citizen), text="Fremd")
    assert postbox.unread_total(citizen) == 3


# --- Mein Bürgerkonto ---------------------------------------------------------------------------


def test_the_account_page_shows_my_tickets_with_unread_count(client, citizen, agent):
    tickets = make_tickets(citizen, 7)
    services.reply(actor=agent, ticket=tickets[0], text="Antwort")
    client.force_login(citizen)
    page = client.get(reverse("account")).content.decode()
    assert 'id="anliegen-titel"' in page and "Meine Anliegen" in page
    assert "1 ungelesene Nachricht vom Service Center." in page
    assert URL in page
    assert "Anliegen Nummer 000" in page  # the one with the news is the newest activity
    assert "Anliegen Nummer 006" in page
    assert "Anliegen Nummer 001" not in page  # only the latest five


def test_the_account_page_without_tickets_invites_to_write(client, citizen):
    client.force_login(citizen)
    page = client.get(reverse("account")).content.decode()
    assert "noch kein Anliegen" in page
    assert reverse("servicecenter:ticket_create") in page


# --- The data export ----------------------------------------------------------------------------


def test_the_export_holds_my_tickets_and_messages_without_notes_or_staff_names(
    citizen, other_citizen, agent
):
    ticket = account_ticket(citizen, subject="Hundesteuer", attachments=[attachment("a.pdf")])
    services.add_note(actor=agent, ticket=ticket, text="Interner Vermerk")
    services.reply(actor=agent, ticket=ticket, text="Das Formular finden Sie online.")
    services.citizen_reply(ticket=ticket, actor=citizen, text="Danke!")
    account_ticket(other_citizen, subject="Fremdes Anliegen")
    link_ticket(email=citizen.email, subject="Ohne Konto")  # not on the account: not in it
    data = core.collect_personal_data(citizen)["tickets"]
    assert [row["subject"] for row in data] == ["Hundesteuer"]
    row = data[0]
    assert row["reference"] == ticket.reference
    assert row["url"] == reverse("servicecenter:ticket", args=[ticket.reference])
    assert [(m["from"], m["text"]) for m in row["messages"]] == [
        ("Sie", "Hallo"),
        ("Service Center", "Das Formular finden Sie online."),
        ("Sie", "Danke!"),
    ]
    assert row["messages"][0]["attachments"][0]["filename"] == "a.pdf"
    text = str(data)
    assert "Interner Vermerk" not in text
    assert agent.display_name not in text and agent.email not in text
    assert agent.real_name not in text


def test_the_export_is_empty_without_tickets(citizen):
    assert core.collect_personal_data(citizen)["tickets"] == []


# --- Deleting the account -----------------------------------------------------------------------


def test_deleting_the_account_keeps_the_tickets_without_the_person(citizen, other_citizen, agent):
    ticket = account_ticket(citizen, subject="Kita-Platz")
    services.reply(actor=agent, ticket=ticket, text="Antwort")
    services.citizen_reply(ticket=ticket, actor=citizen, text="Rückfrage")
    others = account_ticket(other_citizen)
    core.delete_account(actor=citizen, user=citizen)
    ticket.refresh_from_db()
    assert ticket.citizen is None
    assert (ticket.contact_name, ticket.contact_email, ticket.contact_phone) == ("", "", "")
    # No link exists for it either: nobody can open it from outside.
    assert ticket.access_token == ""
    # The city's record stays: the subject, all messages, the history.
    assert ticket.subject == "Kita-Platz"
    assert list(ticket.messages.values_list("text", flat=True)) == ["Hallo", "Antwort", "Rückfrage"]
    assert not ticket.messages.filter(author=citizen).exists()
    assert ticket.messages.filter(kind=Message.Kind.TO_CITIZEN, author=agent).exists()
    assert not ticket.events.filter(actor=citizen).exists()
    assert ticket.events.filter(kind=TicketEvent.Kind.CONTACT, detail__contains="gelöscht").exists()
    # Nobody else's ticket is touched.
    others.refresh_from_db()
    assert others.citizen == other_citizen
    assert not others.events.filter(kind=TicketEvent.Kind.CONTACT).exists()


def test_after_deletion_no_notice_goes_anywhere(citizen, agent, django_capture_on_commit_callbacks):
    from django.core import mail

    ticket = account_ticket(citizen)
    core.delete_account(actor=citizen, user=citizen)
    with django_capture_on_commit_callbacks(execute=True):
        services.reply(actor=agent, ticket=ticket, text="Noch eine Antwort")
    assert mail.outbox == []
