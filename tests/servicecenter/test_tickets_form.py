"""The web form for a new ticket, with and without an account, and its confirmation page."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.test.client import BOUNDARY, encode_multipart
from django.urls import reverse

from servicecenter.models import Attachment, Message, Ticket
from servicecenter.views.tickets import SUBMITTED
from tests.servicecenter.postbox_support import EXE, PDF, png_bytes, upload

pytestmark = pytest.mark.django_db
URL = reverse("servicecenter:ticket_create")
CONFIRMATION = reverse("servicecenter:ticket_submitted")


def post(client, **fields):
    data = {"subject": "Ummeldung", "text": "Ich bin nach Lohmar gezogen."} | fields
    return client.post(URL, data)


def nothing_saved() -> bool:
    return Ticket.objects.count() == Message.objects.count() == Attachment.objects.count() == 0


# --- The form page ------------------------------------------------------------------------------


def test_the_anonymous_form_asks_for_contact_details_and_explains_privacy(client, moving):
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    for field in ("subject", "text", "life_situation", "attachments", "contact_email"):
        assert f'name="{field}"' in page
    assert 'name="contact_phone"' in page
    assert "eines genügt" in page
    assert "Datenschutz" in page
    assert "multiple" in page and 'enctype="multipart/form-data"' in page
    assert "Umzug" in page  # the life situations to choose from
    assert response["Cache-Control"].count("no-store") == 1


def test_a_logged_in_citizen_is_not_asked_for_contact_details(client, citizen):
    client.force_login(citizen)
    page = client.get(URL).content.decode()
    assert 'name="subject"' in page
    assert 'name="contact_email"' not in page
    assert 'name="contact_phone"' not in page


def test_a_life_situation_can_be_chosen_in_advance(client, moving):
    page = client.get(URL, {"lebenslage": "umzug"}).content.decode()
    assert f'<option value="{moving.pk}" selected>' in page


# --- Submitting ---------------------------------------------------------------------------------


def test_a_logged_in_citizen_submits_and_sees_the_reference(
    client, citizen, moving, django_capture_on_commit_callbacks
):
    client.force_login(citizen)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            URL,
            {
                "subject": "Ummeldung",
                "text": "Ich bin nach Lohmar gezogen.",
                "life_situation": moving.pk,
                "attachments": [
                    upload("mietvertrag.pdf", PDF, "application/pdf"),
                    upload("foto.png", png_bytes(), "image/png"),
                ],
            },
        )
    assert response.status_code == 302
    assert response["Location"] == CONFIRMATION
    ticket = Ticket.objects.get()
    assert (ticket.citizen, ticket.life_situation, ticket.channel) == (citizen, moving, "web")
    assert sorted(Attachment.objects.values_list("filename", flat=True)) == [
        "foto.png",
        "mietvertrag.pdf",
    ]
    confirmation = client.get(CONFIRMATION)
    page = confirmation.content.decode()
    assert ticket.reference in page
    assert reverse("servicecenter:ticket", args=[ticket.reference]) in page
    assert "private" in confirmation["Cache-Control"]
    assert [message.to for message in mail.outbox] == [[citizen.email]]


def test_anonymous_with_email_is_told_a_link_was_sent(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, contact_email="erika@example.org", contact_name="Erika")
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.citizen, ticket.contact_email, ticket.contact_name) == (
        None,
        "erika@example.org",
        "Erika",
    )
    page = client.get(CONFIRMATION).content.decode()
    assert ticket.reference in page
    assert "Wir haben Ihnen einen Link geschickt" in page
    assert ticket.access_token not in page  # the link is in the e-mail, not on the page
    assert len(mail.outbox) == 1
    assert ticket.access_token in mail.outbox[0].body


def test_anonymous_with_only_a_phone_number_sees_the_link_once(client):
    response = post(client, contact_phone="02246 15-0")
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.contact_phone == "02246 15-0"
    link = reverse("servicecenter:ticket_access", args=[ticket.reference, ticket.access_token])
    first = client.get(CONFIRMATION).content.decode()
    assert "Speichern Sie diesen Link" in first
    assert f"http://testserver{link}" in first
    again = client.get(CONFIRMATION).content.decode()
    assert ticket.reference in again
    assert ticket.access_token not in again
    assert "nur einmal angezeigt" in again
    assert mail.outbox == []
    # The link it showed works.
    assert client.get(link).status_code == 200


def test_anonymous_without_email_or_phone_gets_the_error_at_the_field(client):
    response = post(client, contact_name="Erika")
    assert response.status_code == 400
    page = response.content.decode()
    assert "E-Mail-Adresse oder eine Telefonnummer" in page
    assert 'href="#id_contact_email"' in page  # the summary links to the field
    assert 'id="id_contact_email_error"' in page
    assert nothing_saved()


def test_a_mistyped_phone_number_is_refused(client):
    response = post(client, contact_phone="ruf mich an")
    assert response.status_code == 400
    assert "nur mit Ziffern" in response.content.decode()
    assert nothing_saved()


def test_subject_and_text_are_required(client, citizen):
    client.force_login(citizen)
    response = client.post(URL, {"subject": " ", "text": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_subject_error"' in page and 'id="id_text_error"' in page
    assert nothing_saved()


def test_a_pdf_named_png_is_accepted_as_a_pdf(client, citizen):
    client.force_login(citizen)
    response = post(client, attachments=[upload("scan.png", PDF, "image/png")])
    assert response.status_code == 302
    assert Attachment.objects.get().content_type == "application/pdf"


def test_a_program_named_pdf_is_refused_by_its_content(client, citizen):
    client.force_login(citizen)
    response = post(
        client,
        attachments=[
            upload("rechnung.pdf", EXE, "application/pdf"),
            upload("ok.pdf", PDF, "application/pdf"),
        ],
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "„rechnung.pdf“ hat kein erlaubtes Format" in page
    assert 'id="id_attachments_error"' in page
    assert nothing_saved()


def test_a_huge_file_is_refused_before_it_is_read(client, citizen, settings, monkeypatch):
    settings.SERVICECENTER_MAX_ATTACHMENT_BYTES = 10 * 1024
    client.force_login(citizen)
    body = encode_multipart(
        BOUNDARY,
        {
            "subject": "Bauantrag",
            "text": "Die Pläne im Anhang.",
            "attachments": [upload("gross.pdf", PDF + b"0" * 20 * 1024, "application/pdf")],
        },
    )
    reads = []

    def watched_read(self):
        reads.append(self.name)
        return self.file.read

    # Only the request is watched: the test client has read the file to encode it already.
    monkeypatch.setattr(InMemoryUploadedFile, "read", property(watched_read))
    # An equal string, not Django's constant: the client then sends the body as it is.
    response = client.post(URL, body, content_type=f"multipart/form-data; boundary={BOUNDARY}")
    assert response.status_code == 400
    assert "„gross.pdf“ ist zu groß" in response.content.decode()
    assert reads == []
    assert nothing_saved()


def test_too_many_files_are_refused(client, citizen, settings):
    settings.SERVICECENTER_MAX_ATTACHMENTS = 2
    client.force_login(citizen)
    files = [upload(f"{n}.pdf", PDF, "application/pdf") for n in range(3)]
    response = post(client, attachments=files)
    assert response.status_code == 400
    assert "höchstens 2 Dateien" in response.content.decode()
    assert nothing_saved()


def test_anonymous_submissions_are_rate_limited(client, settings):
    settings.SERVICECENTER_ANONYMOUS_TICKETS_PER_HOUR = 2
    for _ in range(2):
        assert post(client, contact_phone="02246 15-0").status_code == 302
    response = post(client, contact_phone="02246 15-0")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "später noch einmal" in response.content.decode()
    assert Ticket.objects.count() == 2


def test_invalid_attempts_do_not_use_up_the_limit(client, settings):
    settings.SERVICECENTER_ANONYMOUS_TICKETS_PER_HOUR = 1
    assert post(client).status_code == 400  # no contact details
    assert post(client, contact_phone="02246 15-0").status_code == 302


def test_the_confirmation_without_a_submission_leads_to_the_form(client):
    response = client.get(CONFIRMATION)
    assert response.status_code == 302
    assert response["Location"] == URL


def test_the_confirmation_is_kept_in_the_session_only(client):
    post(client, contact_email="erika@example.org")
    assert client.session[SUBMITTED]["kind"] == "email"
    # Another browser learns nothing.
    from django.test import Client

    assert Client().get(CONFIRMATION).status_code == 302
