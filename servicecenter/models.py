"""The service center: tickets (Anliegen) from every channel, the knowledge base organised by life
situation, service-level targets in business hours, and the mobile citizen office's appointments.

First-level agents (permission `servicecenter.work_first_level`) see every ticket and resolve what
they can at first contact; what needs a department's expertise is forwarded to it, and that
department's staff see only the tickets forwarded to them. A citizen sees their own tickets in
their account, or one ticket through its reference and a secret link.
"""

import secrets

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from lohmar_portal.storage import private_storage


def new_nonce() -> str:
    return secrets.token_hex(16)


def link_token(purpose: str, *parts) -> str:
    """The secret of a link (a ticket without an account, an appointment's cancellation).

    Derived from SECRET_KEY and a random nonce stored with the object: e-mails sent later
    (new message, reminder) can carry the link again, a database dump alone does not reveal it,
    and a new nonce revokes it.
    """
    value = ":".join(str(part) for part in parts)
    return salted_hmac(f"servicecenter.{purpose}", value, algorithm="sha256").hexdigest()[:40]


class Priority(models.TextChoices):
    LOW = "low", _("niedrig")
    NORMAL = "normal", _("normal")
    HIGH = "high", _("hoch")
    URGENT = "urgent", _("dringend")


class LifeSituation(models.Model):
    """A Lebenslage (Umzug, Geburt, Bauen, …): how citizens think of what they need."""

    name = models.CharField(_("Name"), max_length=100, unique=True)
    slug = models.SlugField(_("Kürzel"), max_length=100, unique=True)
    summary = models.CharField(_("Kurzbeschreibung"), max_length=300)
    order = models.PositiveSmallIntegerField(_("Reihenfolge"), default=0)
    departments = models.ManyToManyField(
        "lohmar_portal.Department",
        verbose_name=_("Zuständige Fachbereiche"),
        blank=True,
        related_name="life_situations",
    )

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("Lebenslage")
        verbose_name_plural = _("Lebenslagen")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("servicecenter:life_situation", kwargs={"slug": self.slug})


class KnowledgeArticleQuerySet(models.QuerySet):
    def public(self):
        return self.filter(visibility=KnowledgeArticle.Visibility.PUBLIC)

    def for_agents(self):
        """What agents may insert as answers: internal and public articles, never drafts."""
        return self.exclude(visibility=KnowledgeArticle.Visibility.DRAFT)


class KnowledgeArticle(models.Model):
    """A question with its answer: a public FAQ entry and an agent's ready answer."""

    class Visibility(models.TextChoices):
        DRAFT = "draft", _("Entwurf")
        INTERNAL = "internal", _("intern")
        PUBLIC = "public", _("öffentlich")

    title = models.CharField(_("Frage oder Titel"), max_length=200)
    slug = models.SlugField(_("Kürzel"), max_length=200, unique=True)
    answer = models.TextField(
        _("Antwort"), max_length=10000, validators=[MaxLengthValidator(10000)]
    )
    # Only for agents: what to check, whom to ask, what not to say.
    internal_notes = models.TextField(_("Hinweise für Mitarbeitende"), blank=True)
    life_situations = models.ManyToManyField(
        LifeSituation, verbose_name=_("Lebenslagen"), blank=True, related_name="articles"
    )
    department = models.ForeignKey(
        "lohmar_portal.Department",
        verbose_name=_("Verantwortlicher Fachbereich"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    keywords = models.CharField(_("Schlagwörter"), max_length=300, blank=True)
    visibility = models.CharField(
        _("Sichtbarkeit"), max_length=10, choices=Visibility.choices, default=Visibility.DRAFT
    )
    order = models.PositiveSmallIntegerField(_("Reihenfolge"), default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(_("zuletzt geändert"), auto_now=True)

    objects = KnowledgeArticleQuerySet.as_manager()

    class Meta:
        ordering = ["order", "title"]
        verbose_name = _("Wissensartikel")
        verbose_name_plural = _("Wissensartikel")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("servicecenter:article", kwargs={"slug": self.slug})


class SlaPolicy(models.Model):
    """Targets in business minutes: for a life situation, else for a priority."""

    name = models.CharField(_("Name"), max_length=100)
    priority = models.CharField(_("Priorität"), max_length=10, choices=Priority.choices, blank=True)
    life_situation = models.ForeignKey(
        LifeSituation,
        verbose_name=_("Lebenslage"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sla_policies",
    )
    first_response_minutes = models.PositiveIntegerField(_("Erste Antwort (Arbeitsminuten)"))
    resolution_minutes = models.PositiveIntegerField(_("Erledigung (Arbeitsminuten)"))

    class Meta:
        ordering = ["life_situation", "priority"]
        verbose_name = _("Servicelevel")
        verbose_name_plural = _("Servicelevel")
        constraints = [
            models.CheckConstraint(
                condition=~Q(priority="") | Q(life_situation__isnull=False),
                name="sla_policy_has_scope",
            ),
            models.UniqueConstraint(
                fields=["priority"],
                condition=Q(life_situation__isnull=True),
                name="one_sla_per_priority",
            ),
            models.UniqueConstraint(
                fields=["life_situation", "priority"],
                condition=Q(life_situation__isnull=False),
                name="one_sla_per_life_situation_priority",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ClosingDay(models.Model):
    """A day the service center is closed besides weekends and NRW's public holidays
    (Rosenmontag, a staff outing, the days between Christmas and New Year, …)."""

    date = models.DateField(_("Datum"), unique=True)
    name = models.CharField(_("Anlass"), max_length=100)

    class Meta:
        ordering = ["date"]
        verbose_name = _("Schließtag")
        verbose_name_plural = _("Schließtage")

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y} {self.name}"


class Channel(models.TextChoices):
    WEB = "web", _("Online-Formular")
    EMAIL = "email", _("E-Mail")
    PHONE = "phone", _("Telefon")
    CHAT = "chat", _("Chat")
    WALK_IN = "walk_in", _("Vor Ort")
    MOBILE_OFFICE = "mobile_office", _("Mobiles Bürgerbüro")


class Ticket(models.Model):
    """An Anliegen: what a citizen asked, however it reached the city."""

    class Status(models.TextChoices):
        NEW = "new", _("neu")
        OPEN = "open", _("in Bearbeitung")
        WAITING = "waiting_for_citizen", _("wartet auf Ihre Antwort")
        FORWARDED = "forwarded", _("an Fachbereich weitergeleitet")
        RESOLVED = "resolved", _("erledigt")
        CLOSED = "closed", _("geschlossen")

    # Statuses in which the service-level clock runs.
    CLOCK_RUNS = (Status.NEW, Status.OPEN, Status.FORWARDED)
    DONE = (Status.RESOLVED, Status.CLOSED)

    reference = models.CharField(_("Vorgangsnummer"), max_length=20, unique=True)
    channel = models.CharField(
        _("Eingangsweg"), max_length=20, choices=Channel.choices, default=Channel.WEB
    )
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Bürgerkonto"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
    )
    contact_name = models.CharField(_("Name"), max_length=200, blank=True)
    contact_email = models.EmailField(_("E-Mail"), blank=True)
    contact_phone = models.CharField(_("Telefon"), max_length=50, blank=True)
    # The secret link of a ticket without an account is derived from this (see link_token).
    access_nonce = models.CharField(max_length=32, blank=True, editable=False)
    subject = models.CharField(_("Betreff"), max_length=200)
    life_situation = models.ForeignKey(
        LifeSituation,
        verbose_name=_("Lebenslage"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
    )
    priority = models.CharField(
        _("Priorität"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(
        _("Status"), max_length=20, choices=Status.choices, default=Status.NEW
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Bearbeitung (Service Center)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
    )
    department = models.ForeignKey(
        "lohmar_portal.Department",
        verbose_name=_("Weitergeleitet an"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
    )
    forward_reason = models.TextField(_("Grund der Weiterleitung"), blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Erfasst von"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Service levels (business time). Due times move on when a wait for the citizen ends.
    first_response_due = models.DateTimeField(_("Erste Antwort fällig"), null=True, blank=True)
    resolution_due = models.DateTimeField(_("Erledigung fällig"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("Erste Antwort am"), null=True, blank=True)
    waiting_since = models.DateTimeField(_("Wartet seit"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("Eskaliert am"), null=True, blank=True)
    was_forwarded = models.BooleanField(_("war weitergeleitet"), default=False)
    resolved_at_first_contact = models.BooleanField(_("beim Erstkontakt gelöst"), default=False)
    resolved_at = models.DateTimeField(_("Erledigt am"), null=True, blank=True)
    created_at = models.DateTimeField(_("Eingegangen am"), default=timezone.now)
    updated_at = models.DateTimeField(_("Zuletzt geändert"), auto_now=True)
    # Last activity visible to the citizen (for the postbox order) and whether they have read it.
    last_message_at = models.DateTimeField(default=timezone.now)
    citizen_unread = models.PositiveIntegerField(_("ungelesen (Bürger/in)"), default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("Anliegen")
        verbose_name_plural = _("Anliegen")
        permissions = [
            ("work_first_level", _("Kann als Service Center alle Anliegen bearbeiten")),
        ]
        indexes = [
            # The agents' queue: open tickets by due time.
            models.Index(
                fields=["resolution_due", "id"],
                name="ticket_queue",
                condition=~Q(status__in=["resolved", "closed"]),
            ),
            models.Index(
                fields=["department", "resolution_due"],
                name="ticket_department_queue",
                condition=Q(status="forwarded"),
            ),
            # A citizen's postbox: newest activity first.
            models.Index(fields=["citizen", "-last_message_at"], name="ticket_postbox"),
            # The postbox's unread sum: an index-only scan over the tickets with news only.
            models.Index(
                fields=["citizen"],
                include=["citizen_unread"],
                condition=Q(citizen_unread__gt=0),
                name="ticket_unread",
            ),
            models.Index(fields=["status", "created_at"], name="ticket_status_created"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("servicecenter:ticket", kwargs={"reference": self.reference})

    @property
    def is_done(self) -> bool:
        return self.status in self.DONE

    @property
    def access_token(self) -> str:
        """The secret of the link to this ticket without an account ("" if it has none)."""
        if not self.access_nonce:
            return ""
        return link_token("ticket", self.reference, self.access_nonce)

    @property
    def notify_address(self) -> str:
        """Where "you have a new message" goes: the account's address, else the given one."""
        if self.citizen_id:
            return self.citizen.email
        return self.contact_email

    def is_breached(self, now=None) -> bool:
        now = now or timezone.now()
        if self.is_done or self.status == self.Status.WAITING:
            return False
        late_answer = (
            self.first_response_at is None
            and self.first_response_due is not None
            and now > self.first_response_due
        )
        return late_answer or (self.resolution_due is not None and now > self.resolution_due)


class Message(models.Model):
    """One entry on a ticket: to the citizen, from the citizen, or an internal note."""

    class Kind(models.TextChoices):
        FROM_CITIZEN = "from_citizen", _("vom Bürger / von der Bürgerin")
        TO_CITIZEN = "to_citizen", _("an den Bürger / die Bürgerin")
        INTERNAL = "internal", _("interne Notiz")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("Art"), max_length=20, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Verfasst von"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    text = models.TextField(
        _("Nachricht"), max_length=20000, validators=[MaxLengthValidator(20000)]
    )
    channel = models.CharField(
        _("Eingangsweg"), max_length=20, choices=Channel.choices, default=Channel.WEB
    )
    # The knowledge article an agent's answer was built on.
    article = models.ForeignKey(
        KnowledgeArticle,
        verbose_name=_("Wissensartikel"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    email_message_id = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(_("Zeitpunkt"), default=timezone.now)
    read_at = models.DateTimeField(_("gelesen am"), null=True, blank=True)

    class Meta:
        ordering = ["ticket", "created_at", "pk"]
        verbose_name = _("Nachricht")
        verbose_name_plural = _("Nachrichten")
        indexes = [models.Index(fields=["ticket", "created_at"], name="message_thread")]
        constraints = [
            models.UniqueConstraint(
                fields=["email_message_id"],
                condition=~Q(email_message_id=""),
                name="message_email_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket.reference}: {self.get_kind_display()}"

    @property
    def is_internal(self) -> bool:
        return self.kind == self.Kind.INTERNAL


class Attachment(models.Model):
    """A file on a message; served only to those who may read the ticket."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="servicecenter/attachments/%Y/%m/", storage=private_storage)
    filename = models.CharField(_("Dateiname"), max_length=255)
    content_type = models.CharField(_("Dateityp"), max_length=100)
    size = models.PositiveIntegerField(_("Größe (Bytes)"))

    class Meta:
        ordering = ["message", "pk"]
        verbose_name = _("Anhang")
        verbose_name_plural = _("Anhänge")

    def __str__(self) -> str:
        return self.filename


class TicketEvent(models.Model):
    """The ticket's full history for staff: who changed what, when."""

    class Kind(models.TextChoices):
        CREATED = "created", _("angelegt")
        STATUS = "status", _("Status geändert")
        ASSIGNED = "assigned", _("zugewiesen")
        PRIORITY = "priority", _("Priorität geändert")
        LIFE_SITUATION = "life_situation", _("Lebenslage geändert")
        FORWARDED = "forwarded", _("weitergeleitet")
        RETURNED = "returned", _("zurückgegeben")
        REPLIED = "replied", _("beantwortet")
        CITIZEN_REPLIED = "citizen_replied", _("Antwort erhalten")
        NOTE = "note", _("interne Notiz")
        RESOLVED = "resolved", _("erledigt")
        REOPENED = "reopened", _("wieder geöffnet")
        ESCALATED = "escalated", _("eskaliert")
        CONTACT = "contact", _("Kontaktdaten geändert")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("Art"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("durch"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    detail = models.CharField(_("Details"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("Zeitpunkt"), default=timezone.now)

    class Meta:
        ordering = ["ticket", "created_at", "pk"]
        verbose_name = _("Verlaufseintrag")
        verbose_name_plural = _("Verlauf")

    def __str__(self) -> str:
        return f"{self.ticket.reference}: {self.get_kind_display()}"


class MobileOfficeStop(models.Model):
    """A day of the Mobiles Bürgerbüro in a district: where, when, what it offers."""

    district = models.ForeignKey(
        "lohmar_portal.District", verbose_name=_("Ortsteil"), on_delete=models.PROTECT
    )
    place = models.CharField(_("Ort"), max_length=200)
    address = models.CharField(_("Adresse"), max_length=200, blank=True)
    date = models.DateField(_("Datum"))
    starts_at = models.TimeField(_("von"))
    ends_at = models.TimeField(_("bis"))
    slot_minutes = models.PositiveSmallIntegerField(_("Minuten je Termin"), default=15)
    services = models.TextField(_("Angebotene Leistungen"), help_text=_("Eine Leistung je Zeile."))
    notes = models.TextField(_("Hinweise"), blank=True)
    is_published = models.BooleanField(_("veröffentlicht"), default=True)
    is_cancelled = models.BooleanField(_("abgesagt"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["date", "starts_at"]
        verbose_name = _("Termin des Mobilen Bürgerbüros")
        verbose_name_plural = _("Mobiles Bürgerbüro")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="stop_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(slot_minutes__gte=5), name="stop_slot_minutes"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y} {self.district}: {self.place}"

    def get_absolute_url(self) -> str:
        return reverse("servicecenter:stop", kwargs={"pk": self.pk})

    @property
    def service_list(self) -> list[str]:
        return [line.strip() for line in self.services.splitlines() if line.strip()]


class Appointment(models.Model):
    """A booked slot at a stop. A slot is booked at most once (a partial unique index)."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("gebucht")
        CANCELLED = "cancelled", _("storniert")

    stop = models.ForeignKey(
        MobileOfficeStop, on_delete=models.PROTECT, related_name="appointments"
    )
    starts_at = models.DateTimeField(_("Beginn"))
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Bürgerkonto"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="appointments",
    )
    name = models.CharField(_("Name"), max_length=200)
    email = models.EmailField(_("E-Mail"), blank=True)
    phone = models.CharField(_("Telefon"), max_length=50, blank=True)
    concern = models.CharField(_("Anliegen"), max_length=300, blank=True)
    status = models.CharField(
        _("Status"), max_length=10, choices=Status.choices, default=Status.BOOKED
    )
    # The cancellation link is derived from this (see link_token).
    cancel_nonce = models.CharField(max_length=32, default=new_nonce, editable=False)
    reminder_sent_at = models.DateTimeField(_("Erinnerung gesendet"), null=True, blank=True)
    created_at = models.DateTimeField(_("Gebucht am"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("Storniert am"), null=True, blank=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("Termin")
        verbose_name_plural = _("Termine")
        constraints = [
            models.UniqueConstraint(
                fields=["stop", "starts_at"],
                condition=Q(status="booked"),
                name="one_booking_per_slot",
            ),
            models.CheckConstraint(
                condition=Q(citizen__isnull=False) | ~Q(email="") | ~Q(phone=""),
                name="appointment_reachable",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stop} {timezone.localtime(self.starts_at):%H:%M}"

    @property
    def cancel_token(self) -> str:
        return link_token("appointment", self.pk, self.cancel_nonce)
