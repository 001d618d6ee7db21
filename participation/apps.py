from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipationConfig(AppConfig):
    """The participation engine: processes, phases, ratings, comments, flags, follows."""

    name = "participation"
    verbose_name = _("Beteiligung")
