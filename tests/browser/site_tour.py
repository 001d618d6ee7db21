"""The portal's pages for the accessibility tour: demo-like data, and one concrete address for
every public, citizen and staff page, derived from the URL patterns.

`all_routes()` lists every route Django knows (admin aside). Each is either visited by the tour
(`visits(world)`, with the role that sees it) or excluded in `EXCLUDED` with the reason; a route
that is neither fails `uncovered_routes()`, so a new page cannot slip past the accessibility
test unnoticed.
"""

import io
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.contrib.auth.models import Permission
from django.core import mail, signing
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone
from PIL import Image

from defects import services as defects
from defects.models import DefectReport, Photo, Support, hash_token
from defects.views.reporting import THANKS_SALT
from ideas import services as ideas
from ideas.models import Proposal
from ideas.services import NewImage
from lohmar_portal import services as portal
from participation import services as participation
from servicecenter import booking
from servicecenter import services as servicecenter
from servicecenter.attachments import NewAttachment
from servicecenter.models import Channel, KnowledgeArticle, LifeSituation, SlaPolicy
from tests.defects.conftest import IN_LOHMAR, make_category, make_report
from tests.factories import DepartmentFactory, DistrictFactory, PillarFactory, UserFactory
from tests.ideas.conftest import make_process
from tests.servicecenter.booking_support import make_stop, slot_key
from tests.servicecenter.conftest import make_agent

ANONYMOUS, CITIZEN, SOCIAL_CITIZEN, STAFF = "anonymous", "citizen", "social-citizen", "staff"
ROLES = (ANONYMOUS, CITIZEN, SOCIAL_CITIZEN, STAFF)

# Routes the tour does not open as a page, and why. Keyed by the route as Django reports it
# (`resolve(path).route`); a route added to the portal must be visited or listed here.
FILE = "a file download, not a page"
JSON = "JSON for scripts and other systems, not a page"
POST_ONLY = "POST only; its error state is the page it renders (the forms test)"
REDIRECT = "only redirects"
EXCLUDED: dict[str, str] = {
    "healthz": JSON + " (monitoring)",
    "sprache/": REDIRECT + " (the language switch; the tour uses it for every language)",
    "accounts/login/code/confirm/": REDIRECT + " (login by code is off)",
    "accounts/confirm-email/(?P<key>[-:\\w]+)/$": (
        "shadowed by the portal's own accounts/confirm-email/<str:key>/, which is visited"
    ),
    "accounts/2fa/recovery-codes/download/": FILE,
    "accounts/3rdparty/signup/": (
        "only in the middle of a state-account login with a missing e-mail address; "
        "redirects otherwise"
    ),
    "accounts/social/login/cancelled/": REDIRECT + " (allauth's old address)",
    "accounts/social/login/error/": REDIRECT + " (allauth's old address)",
    "accounts/social/signup/": REDIRECT + " (allauth's old address)",
    "accounts/social/connections/": REDIRECT + " (allauth's old address)",
    "vorschlaege/karte.geojson": JSON,
    "vorschlaege/bilder/<int:pk>/": FILE + " (an image)",
    "vorschlaege/<str:reference>/bewertung-zuruecknehmen/": POST_ONLY,
    "vorschlaege/<str:reference>/kommentieren/": POST_ONLY,
    "vorschlaege/<str:reference>/melden/": POST_ONLY,
    "vorschlaege/<str:reference>/folgen/": POST_ONLY,
    "kommentare/<int:comment_id>/loeschen/": POST_ONLY,
    "exporte/<int:pk>/<str:fmt>/": FILE + " (staff's dossier exports)",
    "offene-daten/<str:fmt>/": FILE + " (open data)",
    "maengel/melden/in-der-naehe/": JSON,
    "maengel/karte.geojson": JSON,
    "maengel/fotos/<int:pk>/": FILE + " (a photo)",
    "maengel/fotos/<int:pk>/vorschau/": FILE + " (a photo)",
    "service/anhang/<int:pk>/": FILE,
    "^service/anliegen/(?P<reference>[A-Z0-9][A-Z0-9-]{2,30})/(?P<token>[0-9a-f]{40})/"
    "anhang/(?P<pk>[0-9]+)/$": FILE,
    "service/arbeitsplatz/<str:reference>/antworten/": POST_ONLY,
    "service/arbeitsplatz/<str:reference>/notiz/": POST_ONLY,
    "service/arbeitsplatz/<str:reference>/erledigen/": POST_ONLY,
    "service/arbeitsplatz/<str:reference>/weiterleiten/": POST_ONLY,
    "service/arbeitsplatz/<str:reference>/zurueckgeben/": POST_ONLY,
    "service/arbeitsplatz/<str:reference>/zuweisen/": POST_ONLY,
    "service/arbeitsplatz/<str:reference>/einordnen/": POST_ONLY,
    "service/arbeitsplatz/<str:reference>/schliessen/": POST_ONLY,
    "service/arbeitsplatz/<str:reference>/wieder-oeffnen/": POST_ONLY,
    "service/arbeitsplatz/<str:reference>/anhang/<int:pk>/": FILE,
    "buergerbuero-mobil/termine.ics": FILE + " (an iCalendar feed)",
    "buergerbuero-mobil/termin/<int:pk>/<str:token>/termin.ics": FILE + " (iCalendar)",
    "service/arbeitsplatz/buergerbuero/heute/": REDIRECT + " (to the day view, which is visited)",
    "service/arbeitsplatz/buergerbuero/termin/<int:pk>/absagen/": POST_ONLY,
}
# Whole families left out by their prefix.
EXCLUDED_PREFIXES: dict[str, str] = {
    "admin/": "Django admin (staff only; not part of this audit)",
    "open311/v2/": "the Open311 API answers JSON and XML to other systems",
}


def _join(prefix: str, route: str) -> str:
    """As Django's resolver joins an include's route with its patterns' (ResolverMatch.route)."""
    return prefix + route.removeprefix("^") if prefix else route


def _walk(patterns, prefix: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, _join(prefix, str(pattern.pattern)))
        elif isinstance(pattern, URLPattern):
            yield _join(prefix, str(pattern.pattern))


def all_routes() -> list[str]:
    """Every route of the portal as `resolve(path).route` names it, admin and API aside."""
    return [
        route
        for route in _walk(get_resolver().url_patterns)
        if not any(route.startswith(prefix) for prefix in EXCLUDED_PREFIXES)
    ]


def route_of(path: str) -> str:
    return resolve(urlsplit(path).path).route


@dataclass(frozen=True)
class Visit:
    """A page the tour opens: as whom, where, and the status that proves it is that page."""

    role: str
    path: str
    status: int = 200
    # How to get there when a plain GET does not (a form to send first); None: page.goto.
    via: str | None = None

    @property
    def route(self) -> str:
        return route_of(self.path)


def uncovered_routes(visits: list["Visit"]) -> list[str]:
    """Routes that are neither visited nor excluded: each one fails the test."""
    visited = {visit.route for visit in visits}
    return [route for route in all_routes() if route not in visited and route not in EXCLUDED]


REPORT_TOKEN = "bestaetigen-" + "a" * 32
SUPPORT_TOKEN = "ich-auch-" + "b" * 32

# --- Demo-like data ------------------------------------------------------------------------------


def png_bytes(colour: str = "steelblue", size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_bytes(colour: str = "darkred", size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return buffer.getvalue()


@dataclass
class World:
    citizen: object
    social_citizen: object
    staff: object
    staff_secret: str
    unverified_key: str
    reset_path: str
    pillar: object
    process: object
    own_proposal: object
    proposal: object
    own_comment: object
    other_comment: object
    project: object
    report: object
    thanks_token: str
    situation: object
    article: object
    ticket: object
    link_ticket_path: str
    staff_ticket: object
    stop: object
    free_slot: str
    taken_slot: str
    appointment: object
    expired_export: str
    extra: dict = field(default_factory=dict)


def build_world() -> World:
    """One of everything a citizen or the service center meets, as the services leave it."""
    from tests.browser.totp import with_totp

    mail.outbox = []
    birk = DistrictFactory(name="Birk", slug="birk")
    DistrictFactory(name="Wahlscheid", slug="wahlscheid")
    building = DepartmentFactory(name="Stadtentwicklung und Bauen", email="bauen@lohmar.example")
    citizen = UserFactory(
        email="anna.buergerin@example.org", display_name="Anna B.", real_name="Anna Bürgerin"
    )
    neighbour = UserFactory(email="bernd.nachbar@example.org", display_name="Bernd N.")
    social_citizen = UserFactory(email="carla.bundid@example.org", display_name="Carla B.")
    social_citizen.set_unusable_password()
    social_citizen.save(update_fields=["password"])

    staff = make_agent(
        email="service@lohmar.example", display_name="Service Center Lohmar", department=building
    )
    staff.user_permissions.add(Permission.objects.get(codename="moderate"))
    staff_secret = with_totp(staff)
    RecoveryCodes.activate(staff)

    # allauth's links from e-mails: an address to confirm, a password to reset.
    newcomer = UserFactory(email="neu@example.org", verified=False)
    unverified = EmailAddress.objects.create(
        user=newcomer, email=newcomer.email, verified=False, primary=True
    )
    unverified_key = EmailConfirmationHMAC(unverified).key
    reset_path = (
        f"/accounts/password/reset/key/{user_pk_to_url_str(neighbour)}-"
        f"{default_token_generator.make_token(neighbour)}/"
    )

    # Participation: a process open for everything, two proposals, comments, a roadmap project.
    pillar = PillarFactory(title="Digital nah dran!", slug="digital-nah-dran")
    PillarFactory(vision=pillar.vision, title="Bildung digital", slug="bildung-digital")
    process = make_process(slug="ideen-2026")
    own_proposal = ideas.submit_proposal(
        actor=citizen,
        process=process,
        pillar=pillar,
        title="Freies WLAN am Rathausplatz",
        summary="Ein offenes, sicheres WLAN für alle.",
        text="Am Rathaus und in der Bibliothek, ohne Anmeldung.",
        district=birk,
        latitude=IN_LOHMAR[0],
        longitude=IN_LOHMAR[1],
        images=[
            NewImage(
                file=SimpleUploadedFile("platz.png", png_bytes(), content_type="image/png"),
                alt_text="Der Rathausplatz mit Bänken",
            )
        ],
    )
    proposal = ideas.submit_proposal(
        actor=neighbour,
        process=process,
        pillar=pillar,
        title="Bürgerbüro online buchen",
        summary="Termine im Bürgerbüro im Netz buchen.",
        text="Auch für das Mobile Bürgerbüro.",
    )
    participation.rate(user=citizen, target=proposal, value=4)
    participation.rate(user=neighbour, target=own_proposal, value=5)
    other_comment = participation.add_comment(
        actor=neighbour, target=own_proposal, text="Gute Idee, bitte auch im Freibad."
    )
    own_comment = participation.add_comment(
        actor=citizen, target=own_proposal, text="Das Freibad gehört dazu.", parent=other_comment
    )
    participation.add_comment(actor=citizen, target=proposal, text="Sehr gern!")
    ideas.answer_proposal(
        actor=staff, proposal=proposal, answer="Die Verwaltung prüft das für 2027."
    )
    adopted = ideas.submit_proposal(
        actor=neighbour,
        process=process,
        pillar=pillar,
        title="Digitale Sitzungsunterlagen",
        summary="Ratsunterlagen digital.",
        text="Für alle Gremien.",
    )
    for status in (
        Proposal.Status.IN_REVIEW,
        Proposal.Status.SHORTLISTED,
        Proposal.Status.RECOMMENDED,
        Proposal.Status.ADOPTED,
    ):
        adopted = ideas.change_status(
            actor=staff, proposal=adopted, status=status, note="Nächster Schritt."
        )
    project = ideas.create_roadmap_project(
        actor=staff,
        proposals=[adopted],
        title="Ratsinformationssystem",
        description="Alle Unterlagen digital.",
        department=building,
    )
    ideas.report_progress(
        actor=staff,
        project=project,
        progress="in_progress",
        percent=40,
        text="Ausschreibung läuft.",
    )

    # Mängelmelder: a public report with a released photo; one to confirm; one to support.
    streets = make_category(
        name="Straßenschäden", slug="strassenschaeden", service_code="strasse", department=building
    )
    make_category(name="Straßenbeleuchtung", slug="beleuchtung", service_code="licht")
    report = make_report(category=streets, address="Hauptstraße 12", district=birk)
    photo = Photo(report=report, state=Photo.State.READY, is_released=True, alt_text="")
    photo.image.save("foto.jpg", ContentFile(jpeg_bytes()), save=False)
    photo.thumbnail.save("vorschau.jpg", ContentFile(jpeg_bytes(size=(16, 12))), save=False)
    photo.save()
    defects.release_photo(actor=staff, photo=photo, alt_text="Ein Schlagloch voller Wasser")
    defects.change_status(
        actor=staff, report=report, status="in_progress", note="Der Bauhof ist informiert."
    )
    unconfirmed = defects.submit_report(
        actor=None,
        category=streets,
        description="Gehweg abgesackt.",
        address="Birker Straße 3",
        district=birk,
        email="melder@example.org",
    )
    # The links of the confirmation e-mails (their tokens are only ever e-mailed).
    DefectReport.objects.filter(pk=unconfirmed.pk).update(
        confirmation_hash=hash_token(REPORT_TOKEN)
    )
    support = defects.support_report(report=report, actor=None, email="auch@example.org")
    Support.objects.filter(pk=support.pk).update(confirmation_hash=hash_token(SUPPORT_TOKEN))
    thanks_token = signing.dumps(unconfirmed.reference, salt=THANKS_SALT)

    # Service center: the FAQ, a ticket of the citizen with an answer and a file, one by link.
    SlaPolicy.objects.create(
        name="Normal", priority="normal", first_response_minutes=240, resolution_minutes=1800
    )
    situation = LifeSituation.objects.create(
        name="Umzug", slug="umzug", summary="Umziehen in Lohmar"
    )
    situation.departments.add(building)
    article = KnowledgeArticle.objects.create(
        title="Wie melde ich mich um?",
        slug="ummelden",
        answer="Innerhalb von zwei Wochen im Bürgerbüro oder im Mobilen Bürgerbüro.",
        keywords="Umzug Ummeldung",
        department=building,
        visibility=KnowledgeArticle.Visibility.PUBLIC,
    )
    article.life_situations.add(situation)
    ticket, _ = servicecenter.open_ticket(
        actor=citizen,
        subject="Ummeldung nach Umzug",
        text="Wie melde ich mich um?",
        channel=Channel.WEB,
        life_situation=situation,
        attachments=[NewAttachment(filename="mietvertrag.png", content=png_bytes())],
    )
    servicecenter.reply(actor=staff, ticket=ticket, text="Das geht im Bürgerbüro.", article=article)
    link_ticket, token = servicecenter.open_ticket(
        actor=None,
        subject="Sperrmüll",
        text="Wann wird Sperrmüll abgeholt?",
        channel=Channel.WEB,
        contact_name="Erika Mustermann",
        contact_phone="02246 123456",
    )
    link_ticket_path = f"/service/anliegen/{link_ticket.reference}/{token}/"
    staff_ticket, _ = servicecenter.open_ticket(
        actor=staff,
        channel=Channel.PHONE,
        subject="Frage zum Sperrmüll",
        text="Wann kommt der Sperrmüll?",
        contact_name="Erika Anruferin",
        contact_phone="02246 12345",
    )

    # The mobile office: a stop next week, one slot booked by the citizen.
    stop = make_stop(day=timezone.localdate() + timedelta(days=7), district=birk)
    slots = booking.slots(stop)
    appointment = booking.book(
        stop=stop,
        starts_at=slots[0].starts_at,
        actor=citizen,
        name="Anna Bürgerin",
        concern="Reisepass abholen",
    )

    expired_export = portal.build_data_export(citizen, now=timezone.now() - timedelta(days=30))
    mail.outbox = []
    return World(
        citizen=citizen,
        social_citizen=social_citizen,
        staff=staff,
        staff_secret=staff_secret,
        unverified_key=unverified_key,
        reset_path=reset_path,
        pillar=pillar,
        process=process,
        own_proposal=own_proposal,
        proposal=proposal,
        own_comment=own_comment,
        other_comment=other_comment,
        project=project,
        report=report,
        thanks_token=thanks_token,
        situation=situation,
        article=article,
        ticket=ticket,
        link_ticket_path=link_ticket_path,
        staff_ticket=staff_ticket,
        stop=stop,
        free_slot=slot_key(slots[2].starts_at),
        taken_slot=slot_key(slots[0].starts_at),
        appointment=appointment,
        expired_export=expired_export,
    )


# --- The tour ------------------------------------------------------------------------------------

TOO_LONG = "Personalausweis" * 20  # 300 characters: more than any search field takes


def visits(world: World) -> list[Visit]:
    """Every page, as the role that uses it; `uncovered_routes` checks that none is missing."""
    w = world
    own, other = w.own_proposal.get_absolute_url(), w.proposal.get_absolute_url()
    report = w.report.get_absolute_url()
    stop = f"/buergerbuero-mobil/{w.stop.pk}/"
    appointment = f"/buergerbuero-mobil/termin/{w.appointment.pk}/"
    token = w.appointment.cancel_token
    anonymous = [
        "/",
        "/strategie/",
        f"/strategie/{w.pillar.slug}/",
        "/beteiligung/",
        f"/beteiligung/{w.process.slug}/",
        "/vorschlaege/",
        "/vorschlaege/?q=WLAN&sort=best",
        "/vorschlaege/karte/",
        own,
        other,
        "/roadmap/",
        f"/roadmap/{w.project.slug}/",
        "/offene-daten/",
        "/datenschutz/",
        "/impressum/",
        "/barrierefreiheit/",
        "/maengel/",
        "/maengel/statistik/",
        "/maengel/melden/",
        report,
        f"{report}ich-auch/",
        f"/maengel/melden/danke/{w.thanks_token}/",
        f"/maengel/bestaetigen/{REPORT_TOKEN}/",
        f"/maengel/ich-auch/bestaetigen/{SUPPORT_TOKEN}/",
        "/service/",
        "/service/suche/?q=Umzug",
        f"/service/lebenslagen/{w.situation.slug}/",
        f"/service/wissen/{w.article.slug}/",
        "/service/anliegen/neu/",
        w.link_ticket_path,
        "/service/kennzahlen/",
        "/buergerbuero-mobil/",
        stop,
        f"{stop}buchen/?zeit={w.free_slot}",
        f"{appointment}{token}/",
        f"{appointment}absagen/{token}/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/accounts/password/reset/done/",
        w.reset_path,
        "/accounts/password/reset/key/done/",
        "/accounts/confirm-email/",
        f"/accounts/confirm-email/{w.unverified_key}/",
        "/accounts/inactive/",
        "/accounts/3rdparty/login/cancelled/",
        "/accounts/oidc/bundid/login/",
    ]
    tour = [Visit(ANONYMOUS, path) for path in anonymous]
    tour += [
        # Bad input and error pages: what a wrong link or a mistyped address shows.
        Visit(ANONYMOUS, "/vorschlaege/?pillar=gibt-es-nicht&status=x&page=abc"),
        Visit(
            ANONYMOUS,
            "/maengel/?category=gibt-es-nicht&status=x&period=5&since=1800-01-01&page=999",
        ),
        Visit(ANONYMOUS, f"/service/suche/?q={TOO_LONG}", status=400),
        Visit(ANONYMOUS, f"{stop}buchen/?zeit=gestern", status=400),
        Visit(ANONYMOUS, f"{stop}buchen/?zeit={w.taken_slot}", status=409),
        Visit(ANONYMOUS, "/vorschlaege/VS-1999-9999/", status=404),
        Visit(ANONYMOUS, "/maengel/bestaetigen/unbekannt/", status=404),
        Visit(ANONYMOUS, "/accounts/confirm-email/unbekannt/", status=404),
        Visit(ANONYMOUS, "/accounts/3rdparty/login/error/", status=401),
        Visit(ANONYMOUS, "/accounts/oidc/bundid/login/callback/?code=x&state=y", status=401),
        # PostgreSQL refused a NUL character here (a 500 until fixed).
        Visit(ANONYMOUS, "/service/anliegen/neu/?lebenslage=%00"),
        # The confirmation after the web form, reached by sending it.
        Visit(ANONYMOUS, "/service/anliegen/eingegangen/", via="ticket"),
    ]
    citizen = [
        "/",
        "/konto/",
        "/konto/daten/",
        "/konto/loeschen/",
        "/konto/postfach/",
        w.ticket.get_absolute_url(),
        "/service/anliegen/neu/",
        "/vorschlaege/neu/",
        own,
        other,
        f"{own}bearbeiten/",
        f"{own}zurueckziehen/",
        f"/kommentare/{w.own_comment.pk}/bearbeiten/",
        f"/kommentare/{w.other_comment.pk}/melden/",
        report,
        f"{report}ich-auch/",
        f"{stop}buchen/?zeit={w.free_slot}",
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/reauthenticate/",
        "/accounts/2fa/",
        "/accounts/3rdparty/",
        "/accounts/logout/",
    ]
    tour += [Visit(CITIZEN, path) for path in citizen]
    tour += [
        # Setting up two factors asks for the password again first.
        Visit(CITIZEN, "/accounts/2fa/totp/activate/", via="reauthenticate"),
        Visit(CITIZEN, f"/konto/daten/{w.expired_export}", status=410),
        Visit(CITIZEN, f"{other}bearbeiten/", status=403),
        # An address that only takes a form, opened as a page (the one POST-only route visited).
        Visit(CITIZEN, f"{other}bewerten/", status=405),
        # A page number beyond the database's OFFSET (a 500 on PostgreSQL until fixed).
        Visit(CITIZEN, f"/konto/postfach/?seite={'9' * 40}"),
        Visit(SOCIAL_CITIZEN, "/accounts/password/set/"),
        Visit(SOCIAL_CITIZEN, "/konto/"),
    ]
    ticket = f"/service/arbeitsplatz/{w.ticket.reference}/"
    staff = [
        "/",
        "/service/arbeitsplatz/",
        "/service/arbeitsplatz/?status=resolved&q=Anruf&breached=on",
        "/service/arbeitsplatz/neu/",
        "/service/arbeitsplatz/neu/?channel=mobile_office",
        ticket,
        f"/service/arbeitsplatz/{w.staff_ticket.reference}/",
        f"/service/arbeitsplatz/buergerbuero/{w.stop.date.isoformat()}/",
        f"/service/arbeitsplatz/buergerbuero/halt/{w.stop.pk}/eintragen/?zeit={w.free_slot}",
        "/accounts/2fa/",
        "/accounts/2fa/reauthenticate/",
    ]
    tour += [Visit(STAFF, path) for path in staff]
    # A NUL character in the knowledge search (a 500 on PostgreSQL until fixed).
    tour.append(Visit(STAFF, f"{ticket}?wissen=%00&suchen=1"))
    tour += [
        Visit(STAFF, path, via="reauthenticate")
        for path in (
            "/accounts/2fa/totp/deactivate/",
            "/accounts/2fa/recovery-codes/",
            "/accounts/2fa/recovery-codes/generate/",
        )
    ]
    # The second step of the staff login, reached by the password step.
    tour.append(Visit(STAFF, "/accounts/2fa/authenticate/", via="login"))
    return tour
