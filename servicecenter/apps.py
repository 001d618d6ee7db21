from celery.schedules import crontab
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicecenterConfig(AppConfig):
    """The service center: tickets from every channel, knowledge base, mobile citizen office."""

    name = "servicecenter"
    verbose_name = _("Service Center")

    def ready(self) -> None:
        from lohmar_portal.celery import app

        # The postbox's account section and personal data (lohmar_portal/sections.py) are
        # registered here, next to the beat entries: each part adds its lines, none rewrites.
        from lohmar_portal.sections import register_account_section, register_personal_data

        from . import booking_sections, home, personal_data

        home.register()
        booking_sections.register()  # "Meine Termine", appointments in the data export
        register_account_section(
            order=60,
            template_name="servicecenter/components/account_tickets.html",
            context=personal_data.account_section,
        )
        register_personal_data(
            key="tickets",
            title=_("Anliegen an das Service Center"),
            exporter=personal_data.export_tickets,
            anonymiser=personal_data.detach_tickets,
        )

        app.conf.beat_schedule.update(
            {
                # Service levels: late tickets get their marker and their lead an e-mail.
                "servicecenter-escalate-breaches": {
                    "task": "servicecenter.tasks.escalate_breaches",
                    "schedule": 300.0,
                },
                # Privacy: contact details of long-closed tickets without an account go.
                "servicecenter-erase-old-contacts": {
                    "task": "servicecenter.tasks.erase_old_contacts",
                    "schedule": crontab(hour=3, minute=45),
                },
                # Mobile Bürgerbüro: a reminder the day before each appointment.
                "servicecenter-appointment-reminders": {
                    "task": "servicecenter.booking_tasks.send_appointment_reminders",
                    "schedule": crontab(minute=5),
                },
            }
        )
