"""One small world for the security tests, built once per module, and a client per role.

The world holds one object of every kind a URL can point at (a proposal, a hidden one, one in a
process that is not public, a defect report of department A, an unconfirmed one, a ticket of
citizen A, a forwarded one, a stop with an appointment, an export job, …) and the eight roles
of the matrix. It lives in a transaction that is rolled back when the module is done; each test
runs in a savepoint inside it (pytest-django's `db`), so whatever a request writes is undone.
"""

import io
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.backends import cached_db
from django.core import signing
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished
from django.db import close_old_connections, transaction
from django.test import Client, override_settings
from django.utils import timezone
from django.utils.http import int_to_base36
from PIL import Image

from defects.models import ApiClient, DefectReport, Photo, Support, hash_token
from defects.views.reporting import THANKS_SALT
from ideas.exports import storage as export_storage
from ideas.models import DossierExport, ProposalImage, RoadmapProject
from lohmar_portal import services as portal_services
from lohmar_portal.models import LegalPage, QueuedTask
from participation import services as participation
from participation.models import ModerationAction
from servicecenter import booking
from servicecenter import services as tickets
from servicecenter.attachments import NewAttachment
from servicecenter.models import (
    ClosingDay,
    KnowledgeArticle,
    LifeSituation,
    MobileOfficeStop,
    SlaPolicy,
)
from tests.defects.conftest import make_category, make_report
from tests.factories import (
    DepartmentFactory,
    DistrictFactory,
    PillarFactory,
    StaffFactory,
    UserFactory,
    VisionFactory,
)
from tests.ideas.conftest import make_process, make_proposal
from tests.staff_clients import with_mfa

ROLES = (
    "anonymous",
    "citizen",
    "other_citizen",
    "moderator",
    "dept_staff",
    "other_dept_staff",
    "agent",
    "admin",
)

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _image_bytes(fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def _permissions(*labels: str) -> list[Permission]:
    """Permissions by "app_label.codename", or every permission of an app by "app_label.*"."""
    found = []
    for label in labels:
        app, codename = label.split(".")
        rows = Permission.objects.filter(content_type__app_label=app)
        if codename != "*":
            rows = rows.filter(codename=codename)
        assert rows, label
        found.extend(rows)
    return found


def _staff(*perms: str, **fields):
    user = StaffFactory(**fields)
    user.user_permissions.set(_permissions(*perms))
    return with_mfa(user)


@dataclass
class World:
    users: dict
    tokens: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)
    sessions: dict = field(default_factory=dict)

    def __getattr__(self, name):
        try:
            return self.__dict__["objects"][name]
        except KeyError:
            raise AttributeError(name) from None


def build_world() -> World:
    department_a = DepartmentFactory(name="Tiefbau", slug="tiefbau")
    department_b = DepartmentFactory(name="Schule", slug="schule")
    citizen = UserFactory(display_name="Bürgerin A")
    users = {
        "anonymous": None,
        "citizen": citizen,
        "other_citizen": UserFactory(display_name="Bürger B"),
        # Moderation: every model right of ideas and participation, and `moderate`.
        "moderator": _staff("ideas.*", "participation.*", display_name="Moderation"),
        # Department staff work their department's reports in admin and its tickets.
        "dept_staff": _staff(
            "defects.view_defectreport",
            "defects.change_defectreport",
            "defects.add_defectreport",
            department=department_a,
        ),
        "other_dept_staff": _staff(
            "defects.view_defectreport",
            "defects.change_defectreport",
            "defects.add_defectreport",
            department=department_b,
        ),
        # The service center's first level: every ticket, the knowledge base, the mobile office.
        "agent": _staff(
            "servicecenter.work_first_level",
            "servicecenter.view_ticket",
            "servicecenter.view_knowledgearticle",
            "servicecenter.add_knowledgearticle",
            "servicecenter.change_knowledgearticle",
            "servicecenter.view_mobileofficestop",
            "servicecenter.add_mobileofficestop",
            "servicecenter.change_mobileofficestop",
            display_name="Agentin",
        ),
        "admin": with_mfa(StaffFactory(is_superuser=True, display_name="Administration")),
    }
    o: dict = {"department_a": department_a, "department_b": department_b}
    tokens: dict = {}

    # --- Strategy, participation, ideas ---
    vision = VisionFactory()
    o["pillar"] = pillar = PillarFactory(vision=vision)
    o["process"] = process = make_process()
    o["draft_process"] = make_process(slug="entwurf")
    o["draft_process"].is_public = False
    o["draft_process"].save(update_fields=["is_public"])
    o["proposal"] = proposal = make_proposal(
        process=process, pillar=pillar, author=citizen, latitude=50.84, longitude=7.21
    )
    o["image"] = ProposalImage.objects.create(
        proposal=proposal,
        image=SimpleUploadedFile("bild.png", _image_bytes(), content_type="image/png"),
        alt_text="Ein rotes Quadrat",
    )
    o["hidden_proposal"] = make_proposal(
        process=process, pillar=pillar, is_hidden=True, hidden_reason="Beleidigung"
    )
    o["hidden_image"] = ProposalImage.objects.create(
        proposal=o["hidden_proposal"],
        image=SimpleUploadedFile("versteckt.png", _image_bytes(), content_type="image/png"),
        alt_text="Versteckt",
    )
    o["draft_proposal"] = make_proposal(process=o["draft_process"], pillar=pillar)
    o["merged_proposal"] = make_proposal(
        process=process, pillar=pillar, status="merged", merged_into=proposal
    )
    o["comment"] = participation.add_comment(
        actor=citizen, target=proposal, text="Gute Idee für die Innenstadt."
    )
    o["flag"] = participation.flag(
        user=users["other_citizen"], target=o["comment"], reason="Werbung"
    )
    o["moderation_action"] = ModerationAction.objects.create(
        actor=users["moderator"],
        action=ModerationAction.Action.HIDE,
        content_type=participation.content_type_of(o["hidden_proposal"]),
        object_id=o["hidden_proposal"].pk,
        reason="Beleidigung",
    )
    o["project"] = RoadmapProject.objects.create(
        title="WLAN im Rathaus", slug="wlan-im-rathaus", description="Freies WLAN", pillar=pillar
    )
    o["vision"] = vision

    # --- Exports: a dossier job with a file, and the open data ---
    o["export"] = DossierExport.objects.create(
        kind=DossierExport.Kind.WORKSHOP,
        formats=["pdf"],
        process=process,
        state=DossierExport.State.READY,
        files={"pdf": "dossier.pdf"},
        requested_by=users["moderator"],
        finished_at=timezone.now(),
    )
    o["council_export"] = DossierExport.objects.create(
        kind=DossierExport.Kind.COUNCIL,
        formats=["docx"],
        process=process,
        state=DossierExport.State.READY,
        proposal_ids=[proposal.pk],
        subject="Vorschläge zur Digitalisierung",
        requested_by=users["moderator"],
        finished_at=timezone.now(),
    )
    o["open_data"] = DossierExport.objects.create(
        kind=DossierExport.Kind.OPEN_DATA,
        formats=["csv"],
        state=DossierExport.State.READY,
        files={"csv": "vorschlaege.csv"},
        finished_at=timezone.now(),
    )
    for export, fmt in ((o["export"], "pdf"), (o["open_data"], "csv")):
        path = export_storage.path_of(export.pk, export.files[fmt])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(PDF if fmt == "pdf" else b"\xef\xbb\xbfreference;title\n")

    # --- The citizen's data archive ---
    tokens["data_export"] = portal_services.build_data_export(citizen)

    # --- Mängelmelder ---
    o["category"] = category = make_category(department=department_a, service_code="strasse")
    o["report"] = report = make_report(category=category, reporter=citizen)
    o["released_photo"] = Photo.objects.create(
        report=report,
        image=SimpleUploadedFile("foto.jpg", _image_bytes("JPEG"), content_type="image/jpeg"),
        thumbnail=SimpleUploadedFile("mini.jpg", _image_bytes("JPEG"), content_type="image/jpeg"),
        state=Photo.State.READY,
        is_released=True,
    )
    o["withheld_photo"] = Photo.objects.create(
        report=report,
        image=SimpleUploadedFile("privat.jpg", _image_bytes("JPEG"), content_type="image/jpeg"),
        thumbnail=SimpleUploadedFile("pmini.jpg", _image_bytes("JPEG"), content_type="image/jpeg"),
        state=Photo.State.READY,
        is_released=False,
    )
    tokens["report_confirm"] = "bestaetigen-" + "x" * 30
    o["unconfirmed_report"] = make_report(
        category=category,
        status=DefectReport.Status.SUBMITTED,
        confirmation_hash=hash_token(tokens["report_confirm"]),
    )
    o["hidden_report"] = make_report(category=category, is_hidden=True, hidden_reason="Doppelt")
    o["report_b"] = make_report(category=make_category(department=department_b))
    tokens["support_confirm"] = "ich-auch-" + "y" * 30
    Support.objects.create(
        report=report,
        email="nachbar@example.org",
        confirmation_hash=hash_token("ich-auch-" + "y" * 30),
    )
    tokens["report_thanks"] = signing.dumps(report.reference, salt=THANKS_SALT)
    o["api_client"] = ApiClient.objects.create(
        name="Stadtwerke", key_prefix="schluess", key_hash=hash_token("schluessel")
    )

    # --- Service center ---
    o["situation"] = situation = LifeSituation.objects.create(
        name="Umzug", slug="umzug", summary="Ummelden"
    )
    o["article"] = KnowledgeArticle.objects.create(
        title="Ummelden", slug="ummelden", answer="So melden Sie sich um.", visibility="public"
    )
    o["article"].life_situations.set([situation])
    o["ticket"], _ = tickets.open_ticket(
        actor=citizen,
        subject="Ummeldung",
        text="Wie melde ich mich um?",
        attachments=[NewAttachment(filename="bescheid.pdf", content=PDF)],
    )
    o["ticket_attachment"] = o["ticket"].messages.get().attachments.get()
    o["forwarded_ticket"], _ = tickets.open_ticket(
        actor=users["other_citizen"],
        subject="Schlagloch vor der Schule",
        text="Bitte prüfen.",
        attachments=[NewAttachment(filename="foto.pdf", content=PDF)],
    )
    o["forwarded_ticket"] = tickets.forward(
        actor=users["agent"],
        ticket=o["forwarded_ticket"],
        department=department_a,
        reason="Zuständig ist der Tiefbau",
    )
    o["forwarded_attachment"] = o["forwarded_ticket"].messages.earliest("pk").attachments.get()
    o["link_ticket"], tokens["ticket_link"] = tickets.open_ticket(
        actor=None,
        subject="Sperrmüll",
        text="Wann wird abgeholt?",
        contact_name="Erika Mustermann",
        contact_email="erika@example.org",
        attachments=[NewAttachment(filename="liste.pdf", content=PDF)],
    )
    o["link_attachment"] = o["link_ticket"].messages.get().attachments.get()
    day = timezone.localdate() + timedelta(days=3)
    o["stop"] = stop = MobileOfficeStop.objects.create(
        district=DistrictFactory(name="Birk", slug="birk"),
        place="Bürgerhaus Birk",
        date=day,
        starts_at=time(9, 0),
        ends_at=time(12, 0),
        services="Personalausweis beantragen",
    )
    o["appointment"] = booking.book(
        stop=stop,
        starts_at=timezone.make_aware(datetime.combine(day, time(9, 0))),
        actor=citizen,
        name="Bürgerin A",
        concern="Personalausweis",
    )
    o["sla"] = SlaPolicy.objects.create(
        name="Normal", priority="normal", first_response_minutes=240, resolution_minutes=1800
    )
    o["closing_day"] = ClosingDay.objects.create(
        date=day + timedelta(days=30), name="Betriebsausflug"
    )

    # --- Accounts and admin-only models ---
    o["legal_page"] = LegalPage.objects.create(
        kind=LegalPage.Kind.IMPRINT, body="Stadt Lohmar", is_published=True
    )
    o["group"] = Group.objects.create(name="Redaktion")
    o["queued_task"] = QueuedTask.objects.create(
        task_name="lohmar_portal.tasks.send_email", task_id="t-welt", kwargs={"to": ["a@b.de"]}
    )
    o["social_app"] = SocialApp.objects.create(
        provider="openid_connect",
        provider_id="anderer-anbieter",
        name="Anderer Anbieter",
        client_id="id",
        secret="s",
    )
    o["social_account"] = SocialAccount.objects.create(user=citizen, provider="bundid", uid="4711")
    o["social_token"] = SocialToken.objects.create(
        app=o["social_app"], account=o["social_account"], token="t"
    )
    unverified = UserFactory(verified=False)
    o["unverified_address"] = EmailAddress.objects.create(
        user=unverified, email=unverified.email, verified=False, primary=True
    )
    tokens["email_confirmation"] = EmailConfirmationHMAC(o["unverified_address"]).key
    tokens["password_reset"] = (
        int_to_base36(citizen.pk),
        default_token_generator.make_token(citizen),
    )
    return World(users=users, tokens=tokens, objects=o)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The world, in a transaction of its own that is rolled back after the module."""
    private = tmp_path_factory.mktemp("private")
    with (
        django_db_blocker.unblock(),
        override_settings(PRIVATE_MEDIA_ROOT=private, PORTAL_BASE_URL="https://portal.example"),
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            built = build_world()
            _log_in_once(built)
            yield built
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _log_in_once(world: World) -> None:
    """A session per role, saved with the world (logging in for each request costs a third)."""
    for role, user in world.users.items():
        if user is not None:
            client = Client()
            client.force_login(user)
            world.sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value


def client_as(world: World, role: str, **kwargs) -> Client:
    """A fresh client, logged in as the role's user (anonymous: nobody).

    The session is read afresh from the database: whatever an earlier request wrote to it was
    rolled back there, and its copy in the cache is dropped here.
    """
    client = Client(**kwargs)
    key = world.sessions.get(role)
    if key is not None:
        cache.delete(cached_db.KEY_PREFIX + key)
        client.cookies[settings.SESSION_COOKIE_NAME] = key
    return client


def close_response(response) -> None:
    """Close a response (file downloads hold a file) without Django's end-of-request hook, which
    would close the database connection: the tests run inside the world's transaction."""
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)
