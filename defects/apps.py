from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DefectsConfig(AppConfig):
    """The Mängelmelder: defect reports on a map, routed to departments, with an Open311 API."""

    name = "defects"
    verbose_name = _("Mängelmelder")
