"""The participation engine: processes with dated phases, and ratings, comments, flags and follows
that attach to any object (a proposal, a defect report) through a generic relation.

The engine never imports the apps that use it. An object takes part by having the fields of
`Participatable` (see permissions.py): a `process`, an `author`, `is_hidden`/`hidden_reason`, and
the counters `rating_count`, `rating_sum`, `rating_score`, `comment_count`.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lohmar_portal.cache import versioned_read

# The version of every process's phases in the cache (participation/apps.py bumps it).
PHASES_VERSION = "phases-version"


class Channel(models.TextChoices):
    """How a contribution reached the city; staff enter the analog ones on a citizen's behalf."""

    WEB = "web", _("Online")
    PAPER = "paper", _("Papier")
    PHONE = "phone", _("Telefon")
    EMAIL = "email", _("E-Mail")
    WORKSHOP = "workshop", _("Workshop")
    WALK_IN = "walk_in", _("Vor Ort")


class Process(models.Model):
    """A Beteiligungsverfahren: what citizens are asked, in which phases."""

    title = models.CharField(_("Titel"), max_length=200)
    slug = models.SlugField(_("Kürzel"), max_length=100, unique=True)
    description = models.TextField(_("Beschreibung"), blank=True)
    is_public = models.BooleanField(_("öffentlich"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("Beteiligungsverfahren")
        verbose_name_plural = _("Beteiligungsverfahren")

    def __str__(self) -> str:
        return self.title

    def phase_at(self, when=None) -> "Phase | None":
        """The phase running at `when` (now by default); uses prefetched phases when present."""
        when = when or timezone.now()
        return next((p for p in self.all_phases() if p.starts_at <= when < p.ends_at), None)

    def all_phases(self) -> list["Phase"]:
        """The phases in order: prefetched ones, else from the cache until a phase changes.

        Every citizen write asks for the running phase; phases change in the admin a few times
        a year, ratings and comments many times a minute, so the phases are kept apart from the
        content version (which every write bumps) and spare each write a query.
        """
        if "phases" in getattr(self, "_prefetched_objects_cache", {}):
            return list(self.phases.all())
        return versioned_read(
            PHASES_VERSION, f"phases:{self.pk}", compute=lambda: list(self.phases.all())
        )


class Phase(models.Model):
    """A dated stage of a process; it declares what citizens may do while it runs."""

    class Kind(models.TextChoices):
        COLLECTION = "collection", _("Ideensammlung")
        WORKSHOP = "workshop", _("Workshop")
        COUNCIL = "council", _("Ratsentscheidung")
        IMPLEMENTATION = "implementation", _("Umsetzung")
        OTHER = "other", _("Sonstiges")

    process = models.ForeignKey(
        Process, verbose_name=_("Verfahren"), on_delete=models.CASCADE, related_name="phases"
    )
    name = models.CharField(_("Name"), max_length=200)
    # What happens in the phase; when the phase before a workshop ends, the dossier is built.
    kind = models.CharField(_("Art"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    description = models.TextField(_("Beschreibung"), blank=True)
    starts_at = models.DateTimeField(_("Beginn"))
    ends_at = models.DateTimeField(_("Ende"))
    allows_submit = models.BooleanField(_("Vorschläge einreichen"), default=False)
    allows_rate = models.BooleanField(_("Bewerten"), default=False)
    allows_comment = models.BooleanField(_("Kommentieren"), default=False)

    class Meta:
        ordering = ["process", "starts_at"]
        verbose_name = _("Phase")
        verbose_name_plural = _("Phasen")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="phase_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.process}: {self.name}"

    def is_active(self, when=None) -> bool:
        when = when or timezone.now()
        return self.starts_at <= when < self.ends_at

    def is_over(self, when=None) -> bool:
        return (when or timezone.now()) >= self.ends_at


class GenericTarget(models.Model):
    """The object a rating, comment, flag, follow or moderation entry belongs to."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")

    class Meta:
        abstract = True


class Moderated(models.Model):
    """Visibility decided by moderation, separate from any status; the reason is public."""

    is_hidden = models.BooleanField(_("ausgeblendet"), default=False)
    hidden_reason = models.CharField(_("Grund der Ausblendung"), max_length=500, blank=True)

    class Meta:
        abstract = True


class EnteredOnBehalf(models.Model):
    """How a contribution reached the city; staff enter paper, phone and walk-in ones."""

    channel = models.CharField(
        _("Eingangsweg"), max_length=20, choices=Channel.choices, default=Channel.WEB
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Erfasst von"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    on_behalf_of = models.CharField(
        _("Im Auftrag von (nicht öffentlich)"), max_length=200, blank=True
    )

    class Meta:
        abstract = True


class Rating(GenericTarget):
    """One person's 1–5 rating of an object; a second one by the same person is impossible."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ratings"
    )
    value = models.PositiveSmallIntegerField(_("Bewertung"))
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("Bewertung")
        verbose_name_plural = _("Bewertungen")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "user"], name="one_rating_per_user"
            ),
            models.CheckConstraint(
                condition=Q(value__gte=1, value__lte=5), name="rating_value_1_to_5"
            ),
        ]
        indexes = [models.Index(fields=["content_type", "object_id", "value"])]

    def __str__(self) -> str:
        return f"{self.value}/5"


class Comment(GenericTarget, Moderated, EnteredOnBehalf):
    """A comment or a reply to one (one level deep); deleted comments stay as tombstones."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Verfasst von"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="comments",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("Antwort auf"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
    )
    text = models.TextField(_("Kommentar"), max_length=5000)
    is_official = models.BooleanField(_("Offizielle Antwort der Stadt"), default=False)
    is_deleted = models.BooleanField(_("gelöscht"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("Kommentar")
        verbose_name_plural = _("Kommentare")
        indexes = [
            models.Index(fields=["content_type", "object_id", "parent", "created_at"]),
        ]

    def __str__(self) -> str:
        return self.text[:60]


class Flag(GenericTarget):
    """A citizen's report that an object breaks the rules; open until a moderator decides."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flags"
    )
    reason = models.CharField(_("Grund"), max_length=500)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(_("erledigt am"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("Meldung")
        verbose_name_plural = _("Meldungen")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "user"],
                condition=Q(resolved_at__isnull=True),
                name="one_open_flag_per_user",
            ),
        ]

    def __str__(self) -> str:
        return self.reason[:60]


class Follow(GenericTarget):
    """Someone who wants an e-mail when the object changes."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("Abonnement")
        verbose_name_plural = _("Abonnements")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "user"], name="one_follow_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.content_type.model} {self.object_id}"


class ModerationAction(GenericTarget):
    """The log of every hide, restore, merge and status change: who, what, why, when."""

    class Action(models.TextChoices):
        HIDE = "hide", _("ausgeblendet")
        AUTO_HIDE = "auto_hide", _("wegen Meldungen vorläufig ausgeblendet")
        RESTORE = "restore", _("wieder eingeblendet")
        MERGE = "merge", _("zusammengeführt")
        STATUS = "status", _("Status geändert")
        ANSWER = "answer", _("offiziell beantwortet")
        DISMISS_FLAGS = "dismiss_flags", _("Meldungen zurückgewiesen")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("durch"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("Aktion"), max_length=20, choices=Action.choices)
    reason = models.TextField(_("Begründung"), blank=True)
    details = models.JSONField(_("Einzelheiten"), default=dict, blank=True)
    created_at = models.DateTimeField(_("Zeitpunkt"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("Moderationsaktion")
        verbose_name_plural = _("Moderationsprotokoll")
        indexes = [models.Index(fields=["content_type", "object_id", "created_at"])]
        permissions = [("moderate", _("Beiträge moderieren"))]

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.created_at:%d.%m.%Y %H:%M})"
