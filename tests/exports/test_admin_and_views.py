"""Admin: new export, action on selected proposals, live state, downloads; the open data page."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django.urls import reverse

from ideas.exports import services
from ideas.models import DossierExport, Proposal
from tests.factories import StaffFactory, UserFactory

from .factories import exporter, workshop_data
from .helpers import file_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client():
    user = exporter()
    TOTP.activate(user, generate_totp_secret())
    client = Client()
    client.force_login(user)
    return client


def test_staff_start_an_export_in_admin_and_get_the_files(
    staff_client, django_capture_on_commit_callbacks
):
    process, _ = workshop_data()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:ideas_dossierexport_add"),
            {
                "kind": "workshop",
                "formats": ["pdf", "csv"],
                "process": process.pk,
                "anonymise": "on",
            },
        )
    export = DossierExport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:ideas_dossierexport_change", args=[export.pk])
    page = staff_client.get(response["Location"]).content.decode()
    assert "fertig" in page
    assert 'value="100"' in page
    download = reverse("ideas:export_download", args=[export.pk, "csv"])
    assert download in page
    assert "js/export-progress.js" in page
    status = staff_client.get(reverse("admin:ideas_dossierexport_status", args=[export.pk]))
    assert status.json() == {
        "state": "ready",
        "label": "fertig",
        "progress": 100,
        "finished": True,
        "error": "",
    }
    response = staff_client.get(download)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == file_of(export, "csv").read_bytes()


def test_an_unknown_format_for_the_kind_is_shown_on_the_form(staff_client):
    response = staff_client.post(
        reverse("admin:ideas_dossierexport_add"), {"kind": "council", "formats": ["csv"]}
    )
    assert response.status_code == 200
    assert "Unbekanntes Format: csv" in response.content.decode()
    assert not DossierExport.objects.exists()


def test_the_action_exports_the_selected_proposals(
    staff_client, django_capture_on_commit_callbacks
):
    _process, (best, _second, other) = workshop_data()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:ideas_proposal_changelist"),
            {
                "action": "export_selected",
                "_selected_action": [best.pk, other.pk],
                "apply": "1",
                "kind": "workshop",
                "formats": ["xlsx"],
                "anonymise": "on",
            },
        )
    assert response.status_code == 302, response.content.decode()[-3000:]
    export = DossierExport.objects.get()
    assert sorted(export.proposal_ids) == sorted([best.pk, other.pk])
    assert export.state == DossierExport.State.READY


def test_a_running_export_shows_its_progress_without_files(staff_client):
    process, _ = workshop_data()
    export = services.request_export(
        actor=None, kind="workshop", formats=["pdf"], process=process, enqueue=False
    )
    services.claim(export.pk)
    DossierExport.objects.filter(pk=export.pk).update(progress=40)
    page = staff_client.get(reverse("admin:ideas_dossierexport_change", args=[export.pk]))
    content = page.content.decode()
    assert "läuft" in content
    assert 'value="40"' in content
    assert reverse("ideas:export_download", args=[export.pk, "pdf"]) not in content
    response = staff_client.get(reverse("ideas:export_download", args=[export.pk, "pdf"]))
    assert response.status_code == 404


@pytest.mark.parametrize("who", ["anonymous", "citizen", "staff_without_permission"])
def test_export_files_are_only_for_permitted_staff(client, who):
    process, _ = workshop_data()
    export = services.request_export(
        actor=None, kind="workshop", formats=["csv"], process=process, enqueue=False
    )
    services.build(export.pk)
    export.refresh_from_db()
    if who == "citizen":
        client.force_login(UserFactory())
    elif who == "staff_without_permission":
        user = StaffFactory()
        TOTP.activate(user, generate_totp_secret())
        client.force_login(user)
    response = client.get(reverse("ideas:export_download", args=[export.pk, "csv"]))
    if who == "anonymous":
        assert response.status_code == 302
        assert "/login/" in response["Location"]
    else:
        assert response.status_code == 403
    assert (
        client.get(f"/media/private/exports/{export.pk}/{export.files['csv']}").status_code == 404
    )


def test_the_council_decision_is_recorded_in_admin(
    staff_client, django_capture_on_commit_callbacks
):
    process, (best, _second, _other) = workshop_data()
    Proposal.objects.filter(pk=best.pk).update(status="recommended")
    export = services.request_export(
        actor=None, kind="council", formats=["docx"], process=process, enqueue=False
    )
    services.build(export.pk)
    url = reverse("admin:ideas_dossierexport_decision", args=[export.pk])
    assert (
        url
        in staff_client.get(
            reverse("admin:ideas_dossierexport_change", args=[export.pk])
        ).content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            url,
            {
                "decision_date": "11.12.2019",
                "resolution_number": "117/2019",
                f"outcome_{best.pk}": "adopted",
                f"statement_{best.pk}": "",
            },
        )
    assert response.status_code == 302
    best.refresh_from_db()
    assert best.status == "adopted"


def test_the_open_data_page_offers_the_latest_files(client):
    workshop_data()
    assert "Noch keine Daten" in client.get(reverse("ideas:open_data")).content.decode()
    export = services.refresh_open_data()
    services.build(export.pk)
    page = client.get(reverse("ideas:open_data")).content.decode()
    assert reverse("ideas:open_data_download", args=["json"]) in page
    assert "Datenlizenz Deutschland" in page
    response = client.get(reverse("ideas:open_data_download", args=["json"]))
    assert response.status_code == 200
    assert b'"licence"' in b"".join(response.streaming_content)
    assert client.get(reverse("ideas:open_data_download", args=["pdf"])).status_code == 404
