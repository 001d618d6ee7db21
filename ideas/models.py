"""The city's digital strategy: its vision and the pillars (Handlungsfelder) under it."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


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
