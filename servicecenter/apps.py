from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicecenterConfig(AppConfig):
    """The service center: tickets from every channel, knowledge base, mobile citizen office."""

    name = "servicecenter"
    verbose_name = _("Service Center")
