"""The shared core: citizens and staff (User), the city's departments and districts."""

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class District(models.Model):
    """An Ortsteil of the city."""

    name = models.CharField(_("Name"), max_length=100, unique=True)
    slug = models.SlugField(_("Kürzel"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Ortsteil")
        verbose_name_plural = _("Ortsteile")

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """A Fachbereich of the administration; defect reports and tickets are routed to one."""

    name = models.CharField(_("Name"), max_length=200, unique=True)
    slug = models.SlugField(_("Kürzel"), max_length=100, unique=True)
    email = models.EmailField(_("Funktionspostfach"), blank=True)
    description = models.TextField(_("Zuständigkeiten"), blank=True)
    # Escalations (a ticket past its service level) go to the lead, else to the mailbox.
    lead = models.ForeignKey(
        "User",
        verbose_name=_("Leitung"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("Fachbereich")
        verbose_name_plural = _("Fachbereiche")

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra) -> "User":
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("display_name", email.split("@")[0])
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person with a Bürgerkonto: logs in by e-mail, appears in public only by display name."""

    email = models.EmailField(_("E-Mail-Adresse"), unique=True)
    display_name = models.CharField(
        _("Öffentlicher Name"),
        max_length=50,
        help_text=_("Wird bei Ihren Beiträgen angezeigt. Ein Pseudonym ist möglich."),
    )
    real_name = models.CharField(
        _("Vollständiger Name"),
        max_length=150,
        blank=True,
        help_text=_("Freiwillig. Wird nie öffentlich angezeigt."),
    )
    district = models.ForeignKey(
        District,
        verbose_name=_("Ortsteil"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("Fachbereich"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        help_text=_("Nur für Mitarbeitende der Verwaltung."),
    )
    notify_status = models.BooleanField(
        _("E-Mail bei Statusänderungen und offiziellen Antworten"),
        default=True,
        help_text=_("Für Vorschläge, denen Sie folgen."),
    )
    notify_replies = models.BooleanField(
        _("E-Mail bei Antworten auf meine Kommentare"), default=True
    )
    is_staff = models.BooleanField(_("Mitarbeitende/r"), default=False)
    is_active = models.BooleanField(_("Aktiv"), default=True)
    date_joined = models.DateTimeField(_("Registriert am"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        ordering = ["display_name"]
        verbose_name = _("Benutzerkonto")
        verbose_name_plural = _("Benutzerkonten")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
            models.UniqueConstraint(Lower("display_name"), name="user_display_name_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.email

    def get_short_name(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("account")


class ReferenceSequence(models.Model):
    """The last number handed out per prefix and year, for public reference numbers."""

    prefix = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["prefix", "year"]
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="one_sequence_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"


class LegalPage(models.Model):
    """The text of a legal page, as the city's legal office wrote it (edited in admin).

    Until a page is published, the portal shows its built-in draft, marked as a draft.
    """

    class Kind(models.TextChoices):
        PRIVACY = "privacy", _("Datenschutzerklärung")
        IMPRINT = "imprint", _("Impressum")
        ACCESSIBILITY = "accessibility", _("Erklärung zur Barrierefreiheit")

    kind = models.CharField(_("Seite"), max_length=20, choices=Kind.choices, unique=True)
    body = models.TextField(
        _("Text"),
        help_text=_(
            "Absätze durch Leerzeilen trennen; Adressen im Netz werden zu Links. Bei der "
            "Erklärung zur Barrierefreiheit steht das Rückmeldeformular immer darunter."
        ),
    )
    is_published = models.BooleanField(_("veröffentlicht"), default=False)
    updated_at = models.DateTimeField(_("zuletzt geändert"), auto_now=True)

    class Meta:
        ordering = ["kind"]
        verbose_name = _("Rechtliche Seite")
        verbose_name_plural = _("Rechtliche Seiten")

    def __str__(self) -> str:
        return self.get_kind_display()


class QueuedTask(models.Model):
    """The outbox: a Celery task, written in the transaction that queued it (`enqueue`).

    Sent once that commits and marked sent; when the broker was away or the process died before
    sending, `lohmar_portal.outbox.flush` sends the waiting row (beat every minute and when a
    worker starts) and marks it sent in the same transaction that locked it, so no two flushes
    send one row. The task id stays the same on every attempt: a task that reaches the broker
    twice all the same is recognised by it (e-mails are sent once per task id).
    """

    class State(models.TextChoices):
        WAITING = "waiting", _("wartet")
        SENT = "sent", _("gesendet")
        FAILED = "failed", _("aufgegeben")

    task_name = models.CharField(_("Aufgabe"), max_length=200)
    task_id = models.CharField(_("Aufgaben-ID"), max_length=64, unique=True)
    args = models.JSONField(_("Argumente"), default=list, blank=True)
    kwargs = models.JSONField(_("benannte Argumente"), default=dict, blank=True)
    state = models.CharField(
        _("Stand"), max_length=10, choices=State.choices, default=State.WAITING, db_index=True
    )
    created_at = models.DateTimeField(_("angelegt"), default=timezone.now)
    attempts = models.PositiveIntegerField(_("Versuche"), default=0)
    last_error = models.TextField(_("letzter Fehler"), blank=True)
    sent_at = models.DateTimeField(_("gesendet"), null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("Hintergrundaufgabe")
        verbose_name_plural = _("Hintergrundaufgaben (Ausgang)")

    def __str__(self) -> str:
        return f"{self.task_name} ({self.get_state_display()})"


class SentEmail(models.Model):
    """One e-mail a task has sent, by a key from the task id, recipients and subject: the same
    task delivered twice (a worker lost after sending, the outbox sending again) sends once."""

    key = models.CharField(max_length=64, unique=True)
    sent_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("gesendete E-Mail")
        verbose_name_plural = _("gesendete E-Mails")

    def __str__(self) -> str:
        return self.key
