"""The Mängelmelder: defect reports on the city's map, routed by category to a department.

A report is public once it is confirmed (a logged-in reporter confirms by filing; an anonymous one
by the link in an e-mail) and not hidden. Photos are public only after staff release them. Nothing
about the reporter (account, e-mail, name, phone) is ever shown or served publicly.
"""

import hashlib

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lohmar_portal.storage import private_storage
from participation.models import EnteredOnBehalf, Moderated


def hash_token(token: str) -> str:
    """Secrets in links (confirmation, API keys) are stored only as their SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


class Category(models.Model):
    """What is wrong (Straßenschaden, Beleuchtung, …); decides the responsible department."""

    name = models.CharField(_("Name"), max_length=100, unique=True)
    slug = models.SlugField(_("Kürzel"), max_length=100, unique=True)
    # Open311 GeoReport v2: the service this category stands for.
    service_code = models.SlugField(_("Open311-Dienstkennung"), max_length=50, unique=True)
    description = models.CharField(_("Beschreibung"), max_length=500, blank=True)
    group = models.CharField(_("Gruppe"), max_length=100, blank=True)
    keywords = models.CharField(
        _("Schlagwörter"), max_length=300, blank=True, help_text=_("Durch Kommas getrennt.")
    )
    department = models.ForeignKey(
        "lohmar_portal.Department",
        verbose_name=_("Zuständiger Fachbereich"),
        on_delete=models.PROTECT,
        related_name="defect_categories",
    )
    order = models.PositiveSmallIntegerField(_("Reihenfolge"), default=0)
    is_active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("Kategorie")
        verbose_name_plural = _("Kategorien")

    def __str__(self) -> str:
        return self.name


class DefectReportQuerySet(models.QuerySet):
    def public(self):
        """Reports the public may see: confirmed (by e-mail or account) and not hidden."""
        return self.filter(PUBLIC)

    def open(self):
        return self.filter(status__in=DefectReport.OPEN_STATUSES)


# What `DefectReport.objects.public()` selects; the partial indexes below use the same condition.
PUBLIC = Q(is_hidden=False) & ~Q(status="submitted")


class DefectReport(Moderated, EnteredOnBehalf):
    """A Mängelmeldung: something broken at a place in the city."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("unbestätigt")
        CONFIRMED = "confirmed", _("gemeldet")
        ACKNOWLEDGED = "acknowledged", _("angenommen")
        IN_PROGRESS = "in_progress", _("in Bearbeitung")
        RESOLVED = "resolved", _("erledigt")
        NOT_RESPONSIBLE = "not_responsible", _("nicht zuständig")
        DUPLICATE = "duplicate", _("Duplikat")
        CLOSED = "closed", _("geschlossen")

    # Open reports: shown as possible duplicates, counted as open in the statistics.
    OPEN_STATUSES = (Status.CONFIRMED, Status.ACKNOWLEDGED, Status.IN_PROGRESS)
    # Which status staff may set next; confirming and marking duplicates have their own services.
    TRANSITIONS = {
        Status.SUBMITTED: set(),
        Status.CONFIRMED: {
            Status.ACKNOWLEDGED,
            Status.IN_PROGRESS,
            Status.RESOLVED,
            Status.NOT_RESPONSIBLE,
            Status.CLOSED,
        },
        Status.ACKNOWLEDGED: {
            Status.IN_PROGRESS,
            Status.RESOLVED,
            Status.NOT_RESPONSIBLE,
            Status.CLOSED,
        },
        Status.IN_PROGRESS: {Status.ACKNOWLEDGED, Status.RESOLVED, Status.CLOSED},
        Status.RESOLVED: {Status.IN_PROGRESS, Status.CLOSED},
        Status.NOT_RESPONSIBLE: {Status.ACKNOWLEDGED, Status.CLOSED},
        Status.DUPLICATE: set(),
        Status.CLOSED: {Status.IN_PROGRESS},
    }

    reference = models.CharField(_("Aktenzeichen"), max_length=20, unique=True)
    category = models.ForeignKey(
        Category, verbose_name=_("Kategorie"), on_delete=models.PROTECT, related_name="reports"
    )
    department = models.ForeignKey(
        "lohmar_portal.Department",
        verbose_name=_("Fachbereich"),
        on_delete=models.PROTECT,
        related_name="defect_reports",
    )
    description = models.TextField(
        _("Beschreibung"), max_length=4000, validators=[MaxLengthValidator(4000)]
    )
    latitude = models.FloatField(_("Breitengrad"), null=True, blank=True)
    longitude = models.FloatField(_("Längengrad"), null=True, blank=True)
    address = models.CharField(_("Adresse oder Ortsbeschreibung"), max_length=300, blank=True)
    district = models.ForeignKey(
        "lohmar_portal.District",
        verbose_name=_("Ortsteil"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Who reported it: never public. An account, or contact details (anonymous, API, on behalf).
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Gemeldet von"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="defect_reports",
    )
    reporter_email = models.EmailField(_("E-Mail der meldenden Person"), blank=True)
    reporter_name = models.CharField(_("Name der meldenden Person"), max_length=200, blank=True)
    reporter_phone = models.CharField(_("Telefon der meldenden Person"), max_length=50, blank=True)
    confirmation_hash = models.CharField(max_length=64, blank=True, editable=False)
    confirmed_at = models.DateTimeField(_("bestätigt am"), null=True, blank=True)
    api_client = models.ForeignKey(
        "ApiClient",
        verbose_name=_("Eingereicht über API-Zugang"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
    )
    status = models.CharField(
        _("Status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED
    )
    status_changed_at = models.DateTimeField(_("Status geändert am"), default=timezone.now)
    resolved_at = models.DateTimeField(_("erledigt am"), null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("Duplikat von"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
    )
    supporter_count = models.PositiveIntegerField(_("Anzahl „Ich auch“"), default=0)
    redacted_at = models.DateTimeField(
        _("personenbezogene Daten entfernt am"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("gemeldet am"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DefectReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("Mängelmeldung")
        verbose_name_plural = _("Mängelmeldungen")
        permissions = [
            ("work_all_departments", _("Kann Mängelmeldungen aller Fachbereiche bearbeiten")),
        ]
        indexes = [
            # The public list and the Open311 list: public reports, newest first.
            models.Index(
                fields=["-created_at", "-id"], name="defect_public_newest", condition=PUBLIC
            ),
            # The map: public reports with a point.
            models.Index(
                fields=["latitude", "longitude"],
                name="defect_public_located",
                condition=PUBLIC & Q(latitude__isnull=False),
            ),
            # Possible duplicates: open reports of a category.
            models.Index(fields=["category", "status"], name="defect_category_status"),
            models.Index(fields=["department", "status"], name="defect_department_status"),
            # Unconfirmed reports expire.
            models.Index(
                fields=["created_at"],
                name="defect_unconfirmed",
                condition=Q(status="submitted"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(latitude__isnull=True, longitude__isnull=True)
                    | Q(latitude__isnull=False, longitude__isnull=False)
                ),
                name="defect_point_complete",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=False) | ~Q(address=""),
                name="defect_has_place",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.category}"

    def get_absolute_url(self) -> str:
        return reverse("defects:report_detail", kwargs={"reference": self.reference})

    @property
    def has_point(self) -> bool:
        return self.latitude is not None

    @property
    def is_public(self) -> bool:
        return not self.is_hidden and self.status != self.Status.SUBMITTED

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def contact_email(self) -> str:
        """Where news about the report go: the account's address, else the given one."""
        if self.reporter_id:
            return self.reporter.email
        return self.reporter_email


class Support(models.Model):
    """ "Ich auch": someone else noticed the same defect; they hear about its progress too."""

    report = models.ForeignKey(DefectReport, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="defect_supports",
    )
    email = models.EmailField(_("E-Mail"), blank=True)
    confirmation_hash = models.CharField(max_length=64, blank=True, editable=False)
    confirmed_at = models.DateTimeField(_("bestätigt am"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("Unterstützung („Ich auch“)")
        verbose_name_plural = _("Unterstützungen („Ich auch“)")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "user"],
                condition=Q(user__isnull=False),
                name="one_support_per_user",
            ),
            models.UniqueConstraint(
                fields=["report", "email"], condition=~Q(email=""), name="one_support_per_email"
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(email=""), name="support_has_person"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report.reference} +1"

    @property
    def contact_email(self) -> str:
        return self.user.email if self.user_id else self.email


class Photo(models.Model):
    """A photo of a defect. The upload is kept aside until Celery has re-encoded it (no EXIF)."""

    class State(models.TextChoices):
        PENDING = "pending", _("wird verarbeitet")
        READY = "ready", _("bereit")
        FAILED = "failed", _("fehlgeschlagen")

    report = models.ForeignKey(DefectReport, on_delete=models.CASCADE, related_name="photos")
    # The upload as received; deleted once processed. Never served to anybody.
    original = models.FileField(upload_to="defects/incoming/", blank=True, storage=private_storage)
    image = models.ImageField(
        _("Foto"), upload_to="defects/photos/%Y/", blank=True, storage=private_storage
    )
    thumbnail = models.ImageField(
        _("Vorschau"), upload_to="defects/thumbnails/%Y/", blank=True, storage=private_storage
    )
    alt_text = models.CharField(_("Bildbeschreibung"), max_length=300, blank=True)
    state = models.CharField(
        _("Verarbeitung"), max_length=10, choices=State.choices, default=State.PENDING
    )
    is_released = models.BooleanField(_("freigegeben"), default=False)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("freigegeben von"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["report", "created_at", "pk"]
        verbose_name = _("Foto")
        verbose_name_plural = _("Fotos")

    def __str__(self) -> str:
        return self.alt_text or _("Foto zu %(reference)s") % {"reference": self.report.reference}

    @property
    def is_public(self) -> bool:
        return self.is_released and self.state == self.State.READY


class StatusUpdate(models.Model):
    """One step of a report's public history, with the city's public note."""

    report = models.ForeignKey(DefectReport, on_delete=models.CASCADE, related_name="updates")
    from_status = models.CharField(
        _("vorher"), max_length=20, choices=DefectReport.Status.choices, blank=True
    )
    to_status = models.CharField(_("nachher"), max_length=20, choices=DefectReport.Status.choices)
    note = models.TextField(_("Öffentliche Notiz"), max_length=2000, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("geändert von"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    by_staff = models.BooleanField(_("durch die Stadt"), default=False)
    created_at = models.DateTimeField(_("Zeitpunkt"), default=timezone.now)

    class Meta:
        ordering = ["report", "created_at", "pk"]
        verbose_name = _("Statusänderung")
        verbose_name_plural = _("Statusänderungen")

    def __str__(self) -> str:
        return f"{self.report.reference}: {self.get_to_status_display()}"


class InternalNote(models.Model):
    """A note among staff; never public, never sent to the reporter."""

    report = models.ForeignKey(
        DefectReport, on_delete=models.CASCADE, related_name="internal_notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Verfasst von"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    text = models.TextField(_("Interne Notiz"), max_length=5000)
    created_at = models.DateTimeField(_("Zeitpunkt"), default=timezone.now)

    class Meta:
        ordering = ["report", "created_at", "pk"]
        verbose_name = _("Interne Notiz")
        verbose_name_plural = _("Interne Notizen")

    def __str__(self) -> str:
        return f"{self.report.reference}: {self.text[:50]}"


class ApiClient(models.Model):
    """An Open311 client (an app, another city system) with its own key and rate limit."""

    name = models.CharField(_("Name"), max_length=200, unique=True)
    contact_email = models.EmailField(_("Kontakt"), blank=True)
    # The key is shown once when it is created; only its hash is stored.
    key_prefix = models.CharField(_("Schlüssel beginnt mit"), max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("aktiv"), default=True)
    requests_per_hour = models.PositiveIntegerField(_("Meldungen pro Stunde"), default=60)
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now)
    last_used_at = models.DateTimeField(_("zuletzt genutzt"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Open311-Zugang")
        verbose_name_plural = _("Open311-Zugänge")

    def __str__(self) -> str:
        return self.name
