"""Who reaches a ticket and its files from the citizen's side: the owner, or the holder of the
secret link. Anybody else gets "not found" — never "forbidden", never a hint that it exists."""

import pytest
from django.urls import reverse

from servicecenter import services
from servicecenter.models import Attachment, Message, Ticket
from tests.servicecenter.conftest import make_agent
from tests.servicecenter.postbox_support import account_ticket, attachment, link_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def tickets(citizen, agent):
    """B's ticket (account) with a file, and a ticket without an account with a file."""
    own = account_ticket(citizen, subject="Mein Anliegen", attachments=[attachment("a.pdf")])
    anonymous, token = link_ticket(email="erika@example.org")
    services.citizen_reply(
        ticket=anonymous, token=token, text="Nachtrag", attachments=[attachment("b.pdf")]
    )
    return {
        "own": own,
        "own_file": Attachment.objects.get(filename="a.pdf"),
        "anonymous": anonymous,
        "token": token,
        "anonymous_file": Attachment.objects.get(filename="b.pdf"),
    }


def as_user(client, who, citizen, other_citizen):
    users = {
        "owner": citizen,
        "other_citizen": other_citizen,
        "agent": make_agent(),  # staff read tickets in their workspace, not here
    }
    if who != "anonymous":
        client.force_login(users[who])


@pytest.mark.parametrize(
    ("who", "expected"),
    [("owner", 200), ("other_citizen", 404), ("agent", 404), ("anonymous", 302)],
)
def test_the_ticket_page_is_for_its_owner(client, tickets, who, expected, citizen, other_citizen):
    as_user(client, who, citizen, other_citizen)
    url = reverse("servicecenter:ticket", args=[tickets["own"].reference])
    response = client.get(url)
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith(reverse("account_login"))
    if expected == 404:
        assert "Mein Anliegen" not in response.content.decode()


@pytest.mark.parametrize(
    ("who", "expected"),
    [("owner", 200), ("other_citizen", 404), ("agent", 404), ("anonymous", 302)],
)
def test_a_file_is_for_the_tickets_owner(client, tickets, who, expected, citizen, other_citizen):
    as_user(client, who, citizen, other_citizen)
    response = client.get(reverse("servicecenter:attachment", args=[tickets["own_file"].pk]))
    assert response.status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"), [("other_citizen", 404), ("agent", 404), ("anonymous", 302)]
)
def test_nobody_else_can_post_a_reply(client, tickets, who, expected, citizen, other_citizen):
    as_user(client, who, citizen, other_citizen)
    url = reverse("servicecenter:ticket", args=[tickets["own"].reference])
    assert client.post(url, {"text": "Eingeschleust"}).status_code == expected
    assert not Message.objects.filter(text="Eingeschleust").exists()


def test_an_account_holder_cannot_read_a_ticket_without_an_account_by_reference(
    client, tickets, citizen
):
    client.force_login(citizen)
    url = reverse("servicecenter:ticket", args=[tickets["anonymous"].reference])
    assert client.get(url).status_code == 404


def test_the_secret_link_opens_the_ticket_for_anybody_who_holds_it(client, tickets):
    url = reverse(
        "servicecenter:ticket_access", args=[tickets["anonymous"].reference, tickets["token"]]
    )
    response = client.get(url)
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "strict-origin"
    assert "noindex" in response["X-Robots-Tag"]


@pytest.mark.parametrize("case", ["wrong_token", "other_reference", "forged_reference", "account"])
def test_a_wrong_link_is_not_found(client, tickets, case):
    anonymous = tickets["anonymous"]
    _other, other_token = link_ticket(subject="Fremdes Anliegen")
    reference, token = {
        "wrong_token": (anonymous.reference, "0" * 40),
        # A valid token of one ticket opens no other.
        "other_reference": (anonymous.reference, other_token),
        "forged_reference": ("SC-2026-999999", tickets["token"]),
        # Tickets on an account have no link at all.
        "account": (tickets["own"].reference, tickets["token"]),
    }[case]
    url = reverse("servicecenter:ticket_access", args=[reference, token])
    assert client.get(url).status_code == 404
    assert client.post(url, {"text": "Eingeschleust"}).status_code == 404
    assert not Message.objects.filter(text="Eingeschleust").exists()


@pytest.mark.parametrize(
    "path", ["SC-2026-1", "sc-2026-000001", "SC-2026-000001/kurz", "SC-2026-000001/%27--"]
)
def test_malformed_addresses_are_not_found(client, tickets, citizen, path):
    client.force_login(citizen)
    assert client.get(f"/service/anliegen/{path}/").status_code == 404


def test_references_of_another_shape_route_too(client, citizen):
    ticket = account_ticket(citizen)
    Ticket.objects.filter(pk=ticket.pk).update(reference="SC-B-0000001")  # the benchmark's
    client.force_login(citizen)
    assert "/service/anliegen/SC-B-0000001/" in client.get(reverse("servicecenter:postbox")).text
    assert client.get("/service/anliegen/SC-B-0000001/").status_code == 200


def test_a_file_through_the_link_needs_the_right_link(client, tickets):
    anonymous, token = tickets["anonymous"], tickets["token"]
    file = tickets["anonymous_file"]
    ok = reverse("servicecenter:attachment_access", args=[anonymous.reference, token, file.pk])
    assert client.get(ok).status_code == 200
    wrong_token = reverse(
        "servicecenter:attachment_access", args=[anonymous.reference, "0" * 40, file.pk]
    )
    assert client.get(wrong_token).status_code == 404
    # The right link, but the file of another ticket.
    foreign_file = reverse(
        "servicecenter:attachment_access",
        args=[anonymous.reference, token, tickets["own_file"].pk],
    )
    assert client.get(foreign_file).status_code == 404


def test_a_file_on_an_internal_note_is_never_served_to_the_citizen(client, citizen, agent):
    ticket = account_ticket(citizen)
    services.add_note(
        actor=agent, ticket=ticket, text="Intern", attachments=[attachment("vermerk.pdf")]
    )
    note_file = Attachment.objects.get(filename="vermerk.pdf")
    client.force_login(citizen)
    assert client.get(reverse("servicecenter:attachment", args=[note_file.pk])).status_code == 404
    anonymous, token = link_ticket()
    services.add_note(
        actor=agent, ticket=anonymous, text="Intern", attachments=[attachment("notiz.pdf")]
    )
    note_file = Attachment.objects.get(filename="notiz.pdf")
    url = reverse(
        "servicecenter:attachment_access", args=[anonymous.reference, token, note_file.pk]
    )
    assert client.get(url).status_code == 404


def test_the_postbox_needs_a_login(client):
    response = client.get(reverse("servicecenter:postbox"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_postbox_shows_only_ones_own_tickets(client, tickets, other_citizen):
    client.force_login(other_citizen)
    page = client.get(reverse("servicecenter:postbox")).content.decode()
    assert tickets["own"].reference not in page
    assert tickets["anonymous"].reference not in page
    assert "noch kein Anliegen" in page
