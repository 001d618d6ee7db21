"""The city's digital strategy (vision, pillars), the proposals filed under it, and the roadmap."""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from participation.models import EnteredOnBehalf, Moderated


class VisionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)


class Vision(models.Model):
    """The strategy's guiding statement, e.g. 'Lohmar | Digital | Für Alle'."""

    title = models.CharField(_("Titel"), max_length=200)
    motto = models.CharField(_("Leitsatz"), max_length=200)
    statement = models.TextField(_("Vision"))
    horizon = models.PositiveSmallIntegerField(_("Zieljahr"))
    background = models.TextField(_("Hintergrund"), blank=True)
    is_published = models.BooleanField(_("veröffentlicht"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = VisionQuerySet.as_manager()

    class Meta:
        ordering = ["-horizon", "-created_at"]
        verbose_name = _("Vision")
        verbose_name_plural = _("Visionen")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("ideas:vision")


class Pillar(models.Model):
    """A Schwerpunkt of the strategy; proposals are filed under one."""

    class Icon(models.TextChoices):
        SERVICE = "service", _("Verwaltung und Service")
        MOBILITY = "mobility", _("Mobilität")
        EDUCATION = "education", _("Bildung")
        ECONOMY = "economy", _("Wirtschaft")
        OTHER = "other", _("Sonstiges")

    vision = models.ForeignKey(
        Vision, verbose_name=_("Vision"), on_delete=models.CASCADE, related_name="pillars"
    )
    title = models.CharField(_("Schwerpunkt"), max_length=100)
    slug = models.SlugField(_("Kürzel"), max_length=100, unique=True)
    slogan = models.CharField(_("Kurzbeschreibung"), max_length=300)
    text = models.TextField(_("Beschreibung"))
    order = models.PositiveSmallIntegerField(_("Reihenfolge"), default=0)
    icon = models.CharField(_("Symbol"), max_length=20, choices=Icon.choices, default=Icon.OTHER)

    class Meta:
        ordering = ["vision", "order", "title"]
        verbose_name = _("Schwerpunkt")
        verbose_name_plural = _("Schwerpunkte")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("ideas:pillar_detail", kwargs={"slug": self.slug})


class ProposalQuerySet(models.QuerySet):
    def visible(self):
        """Proposals the public may see: not hidden by moderation, not merged away."""
        return self.filter(is_hidden=False).exclude(status=Proposal.Status.MERGED)

    def listed(self):
        """Proposals in public lists: visible and not withdrawn by their author."""
        return self.filter(LISTED)


# What `Proposal.objects.listed()` selects; the partial indexes below use the same condition.
LISTED = Q(is_hidden=False) & ~Q(status__in=["merged", "withdrawn"])


class Proposal(Moderated, EnteredOnBehalf):
    """A Projektvorschlag under a pillar, filed in a participation process."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("eingereicht")
        IN_REVIEW = "in_review", _("in Prüfung")
        SHORTLISTED = "shortlisted", _("für den Workshop ausgewählt")
        RECOMMENDED = "recommended", _("dem Rat empfohlen")
        ADOPTED = "adopted", _("vom Rat beschlossen")
        REJECTED = "rejected", _("abgelehnt")
        DEFERRED = "deferred", _("zurückgestellt")
        WITHDRAWN = "withdrawn", _("zurückgezogen")
        MERGED = "merged", _("zusammengeführt")

    # Which status may follow which; withdrawing and merging have their own services.
    TRANSITIONS = {
        Status.SUBMITTED: {Status.IN_REVIEW, Status.REJECTED},
        Status.IN_REVIEW: {Status.SHORTLISTED, Status.REJECTED, Status.DEFERRED},
        Status.SHORTLISTED: {Status.RECOMMENDED, Status.REJECTED, Status.DEFERRED},
        Status.RECOMMENDED: {Status.ADOPTED, Status.REJECTED, Status.DEFERRED},
        Status.DEFERRED: {Status.IN_REVIEW},
        Status.ADOPTED: set(),
        Status.REJECTED: {Status.IN_REVIEW},
        Status.WITHDRAWN: set(),
        Status.MERGED: set(),
    }

    reference = models.CharField(_("Aktenzeichen"), max_length=20, unique=True)
    process = models.ForeignKey(
        "participation.Process",
        verbose_name=_("Verfahren"),
        on_delete=models.PROTECT,
        related_name="proposals",
    )
    pillar = models.ForeignKey(
        Pillar, verbose_name=_("Schwerpunkt"), on_delete=models.PROTECT, related_name="proposals"
    )
    title = models.CharField(_("Titel"), max_length=150)
    summary = models.CharField(_("Kurzfassung"), max_length=500)
    # TextField's max_length only shapes forms; the validator enforces it in full_clean() too.
    text = models.TextField(
        _("Beschreibung"), max_length=10000, validators=[MaxLengthValidator(10000)]
    )
    district = models.ForeignKey(
        "lohmar_portal.District",
        verbose_name=_("Ortsteil"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    latitude = models.FloatField(_("Breitengrad"), null=True, blank=True)
    longitude = models.FloatField(_("Längengrad"), null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Eingereicht von"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposals",
    )
    status = models.CharField(
        _("Status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED
    )
    official_answer = models.TextField(_("Offizielle Antwort der Stadt"), blank=True)
    answered_at = models.DateTimeField(_("beantwortet am"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("zusammengeführt mit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_proposals",
    )
    # Kept exact by the participation services, in the same transaction as the rows.
    rating_count = models.PositiveIntegerField(_("Anzahl Bewertungen"), default=0)
    rating_sum = models.PositiveIntegerField(_("Summe der Bewertungen"), default=0)
    rating_score = models.FloatField(_("Bayes-Bewertung"), default=0)
    comment_count = models.PositiveIntegerField(_("Anzahl Kommentare"), default=0)
    created_at = models.DateTimeField(_("eingereicht am"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("Projektvorschlag")
        verbose_name_plural = _("Projektvorschläge")
        # The public list shows only listed proposals: partial indexes hold just those rows, so
        # its sorts and its (capped) count read a narrow index instead of the table.
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="proposal_newest", condition=LISTED),
            models.Index(
                fields=["-rating_score", "-id"], name="proposal_best_rated", condition=LISTED
            ),
            models.Index(
                fields=["-comment_count", "-id"], name="proposal_most_discussed", condition=LISTED
            ),
            models.Index(fields=["pillar", "status"], name="proposal_pillar_status"),
            # The map and its list: listed proposals with a point, newest first.
            models.Index(
                fields=["-created_at", "-id"],
                name="proposal_located",
                condition=LISTED & Q(latitude__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(latitude__isnull=True, longitude__isnull=True)
                    | Q(latitude__isnull=False, longitude__isnull=False)
                ),
                name="proposal_point_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("ideas:proposal_detail", kwargs={"reference": self.reference})

    @property
    def rating_mean(self) -> float | None:
        return self.rating_sum / self.rating_count if self.rating_count else None

    @property
    def has_point(self) -> bool:
        return self.latitude is not None

    def is_open_for_participation(self) -> bool:
        """Ratings and comments are taken until the proposal is decided, withdrawn or merged."""
        return not self.is_hidden and self.status not in {
            self.Status.WITHDRAWN,
            self.Status.MERGED,
            self.Status.ADOPTED,
            self.Status.REJECTED,
        }


class ProposalSearchDocument(models.Model):
    """A proposal's words for the German full-text search (PostgreSQL), with the GIN index.

    A table of its own, kept by a trigger (migration 0008) whenever a proposal is inserted or
    its title, summary or text change. On the proposal table the index made every counter
    update (each rating, each comment) re-index the whole text: 1.5 ms of PostgreSQL's time per
    rating. SQLite searches the proposal's columns instead and leaves this table empty.
    """

    proposal = models.OneToOneField(
        Proposal, on_delete=models.CASCADE, primary_key=True, related_name="search_document"
    )
    document = SearchVectorField()

    class Meta:
        verbose_name = _("Suchindex eines Vorschlags")
        verbose_name_plural = _("Suchindex der Vorschläge")

    def __str__(self) -> str:
        return str(self.proposal_id)


class ProposalImage(models.Model):
    """A picture illustrating a proposal; alt text is required so everybody gets its content."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(_("Bild"), upload_to="proposals/%Y/")
    alt_text = models.CharField(_("Bildbeschreibung"), max_length=300)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["proposal", "order", "pk"]
        verbose_name = _("Bild")
        verbose_name_plural = _("Bilder")

    def __str__(self) -> str:
        return self.alt_text


class StatusChange(models.Model):
    """One step of a proposal's public history."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=Proposal.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Proposal.Status.choices)
    note = models.TextField(_("Begründung"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    by_staff = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("Statusänderung")
        verbose_name_plural = _("Statusänderungen")

    def __str__(self) -> str:
        return f"{self.proposal.reference}: {self.from_status} → {self.to_status}"


class RoadmapProject(models.Model):
    """An Umsetzungsprojekt: what the city does with adopted proposals, followed in public."""

    class Progress(models.TextChoices):
        PLANNED = "planned", _("geplant")
        IN_PROGRESS = "in_progress", _("in Umsetzung")
        DONE = "done", _("abgeschlossen")

    class Priority(models.IntegerChoices):
        HIGH = 1, _("hoch")
        MEDIUM = 2, _("mittel")
        LOW = 3, _("niedrig")

    title = models.CharField(_("Titel"), max_length=200)
    slug = models.SlugField(_("Kürzel"), max_length=200, unique=True)
    description = models.TextField(_("Beschreibung"))
    pillar = models.ForeignKey(
        Pillar, verbose_name=_("Schwerpunkt"), on_delete=models.PROTECT, related_name="projects"
    )
    proposals = models.ManyToManyField(
        Proposal, verbose_name=_("Vorschläge"), related_name="projects", blank=True
    )
    department = models.ForeignKey(
        "lohmar_portal.Department",
        verbose_name=_("Verantwortlicher Fachbereich"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    priority = models.PositiveSmallIntegerField(
        _("Priorität"), choices=Priority.choices, default=Priority.MEDIUM
    )
    progress = models.CharField(
        _("Stand"), max_length=20, choices=Progress.choices, default=Progress.PLANNED
    )
    percent = models.PositiveSmallIntegerField(_("Fortschritt in Prozent"), default=0)
    is_published = models.BooleanField(_("veröffentlicht"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pillar", "priority", "title"]
        verbose_name = _("Umsetzungsprojekt")
        verbose_name_plural = _("Umsetzungsprojekte")
        constraints = [
            models.CheckConstraint(condition=Q(percent__lte=100), name="project_percent_max_100"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("ideas:project_detail", kwargs={"slug": self.slug})


class RoadmapUpdate(models.Model):
    """A dated public note on a project's progress."""

    project = models.ForeignKey(RoadmapProject, on_delete=models.CASCADE, related_name="updates")
    date = models.DateField(_("Datum"), default=timezone.localdate)
    text = models.TextField(_("Meldung"))

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("Fortschrittsmeldung")
        verbose_name_plural = _("Fortschrittsmeldungen")

    def __str__(self) -> str:
        return f"{self.date}: {self.text[:40]}"


# --- Dossier exports ---
# Owned by the exports feature (ideas/exports/); appended here so Django discovers the models.


class DossierExport(models.Model):
    """One export job: what to build, from which proposals, and how far it got.

    A worker builds the files (ideas.tasks.build_export); they live in a private directory and
    are served only through a permission-checked view (see ideas/exports/storage.py).
    """

    class Kind(models.TextChoices):
        WORKSHOP = "workshop", _("Workshop-Dossier")
        COUNCIL = "council", _("Beschlussvorlage für den Rat")
        OPEN_DATA = "open_data", _("Offene Daten")

    class State(models.TextChoices):
        QUEUED = "queued", _("wartet")
        RUNNING = "running", _("läuft")
        READY = "ready", _("fertig")
        FAILED = "failed", _("fehlgeschlagen")
        EXPIRED = "expired", _("abgelaufen")

    kind = models.CharField(_("Art"), max_length=20, choices=Kind.choices)
    formats = models.JSONField(_("Formate"), default=list)
    # Filters; empty means "all".
    process = models.ForeignKey(
        "participation.Process",
        verbose_name=_("Verfahren"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    pillars = models.ManyToManyField(
        Pillar, verbose_name=_("Schwerpunkte"), blank=True, related_name="+"
    )
    statuses = models.JSONField(_("Status"), default=list, blank=True)
    created_from = models.DateField(_("eingereicht ab"), null=True, blank=True)
    created_until = models.DateField(_("eingereicht bis"), null=True, blank=True)
    # An admin action on selected proposals exports exactly those.
    proposal_ids = models.JSONField(_("ausgewählte Vorschläge"), null=True, blank=True)
    anonymise = models.BooleanField(_("anonymisiert"), default=True)
    # Set when a beat job started the export (e.g. "phase:12"), so it starts only once.
    trigger = models.CharField(_("Auslöser"), max_length=50, blank=True, db_index=True)
    # Council submission (Beschlussvorlage): texts editable in the admin.
    subject = models.CharField(_("Betreff"), max_length=300, blank=True)
    proposed_resolution = models.TextField(_("Beschlussvorschlag"), blank=True)
    # The council's decision, once recorded.
    decision_date = models.DateField(_("Datum des Ratsbeschlusses"), null=True, blank=True)
    resolution_number = models.CharField(_("Beschlussnummer"), max_length=50, blank=True)
    decision_outcomes = models.JSONField(_("Ergebnis je Vorschlag"), default=dict, blank=True)
    # Progress.
    state = models.CharField(
        _("Zustand"), max_length=20, choices=State.choices, default=State.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("Fortschritt in Prozent"), default=0)
    error = models.TextField(_("Fehlermeldung"), blank=True)
    files = models.JSONField(_("Dateien"), default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(_("Versuche"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("angefordert von"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("angefordert am"), default=timezone.now)
    started_at = models.DateTimeField(_("begonnen am"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("zuletzt aktiv"), null=True, blank=True)
    finished_at = models.DateTimeField(_("fertig am"), null=True, blank=True)
    expires_at = models.DateTimeField(_("läuft ab am"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("Dossier-Export")
        verbose_name_plural = _("Dossier-Exporte")
        indexes = [models.Index(fields=["kind", "state", "-finished_at"], name="export_latest")]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="export_progress_max_100"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.state in {self.State.READY, self.State.FAILED, self.State.EXPIRED}
