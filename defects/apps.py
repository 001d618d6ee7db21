from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _when(value) -> str | None:
    return value.isoformat() if value else None


def _account_section(request) -> dict:
    """ "Meine Mängelmeldungen" on Mein Bürgerkonto: the person's reports and supports."""
    from .models import DefectReport, Support

    user = request.user
    return {
        "section_id": "maengel",
        "title": _("Meine Mängelmeldungen"),
        "reports": list(
            DefectReport.objects.filter(reporter=user).select_related("category")[:200]
        ),
        "supports": list(
            Support.objects.filter(user=user)
            .select_related("report__category")
            .order_by("-created_at")[:200]
        ),
    }


def _export_reports(user) -> list[dict]:
    """The person's reports (with what they wrote) and their "Ich auch", one list (empty when
    there is nothing: the core keeps accounts that hold data)."""
    from .models import DefectReport, Support

    reports = (
        DefectReport.objects.filter(reporter=user)
        .select_related("category", "district")
        .prefetch_related("photos")
    )
    supports = Support.objects.filter(user=user).select_related("report")
    return [
        {
            "kind": "report",
            "reference": report.reference,
            "category": report.category.name,
            "description": report.description,
            "latitude": report.latitude,
            "longitude": report.longitude,
            "address": report.address,
            "district": report.district.name if report.district else None,
            "status": report.status,
            "is_hidden": report.is_hidden,
            "created_at": _when(report.created_at),
            "confirmed_at": _when(report.confirmed_at),
            "photos": [
                {"file": (photo.image or photo.original).name, "alt_text": photo.alt_text}
                for photo in report.photos.all()
            ],
            "url": report.get_absolute_url(),
        }
        for report in reports
    ] + [
        {
            "kind": "support",
            "reference": support.report.reference,
            "created_at": _when(support.created_at),
            "confirmed_at": _when(support.confirmed_at),
            "url": support.report.get_absolute_url(),
        }
        for support in supports
    ]


class DefectsConfig(AppConfig):
    """The Mängelmelder: defect reports on a map, routed to departments, with an Open311 API."""

    name = "defects"
    verbose_name = _("Mängelmelder")

    def ready(self) -> None:
        from celery.schedules import crontab

        from lohmar_portal.celery import app
        from lohmar_portal.sections import register_account_section, register_personal_data

        from . import home, services

        home.register()
        register_account_section(
            order=50,
            template_name="defects/components/account_reports.html",
            context=_account_section,
        )
        register_personal_data(
            key="defect_reports",
            title=_("Mängelmeldungen"),
            exporter=_export_reports,
            anonymiser=services.anonymise_reporter,
        )
        app.conf.beat_schedule.update(
            {
                # Reports never confirmed by e-mail go after DEFECTS_CONFIRMATION_DAYS.
                "defects-expire-unconfirmed": {
                    "task": "defects.tasks.expire_unconfirmed",
                    "schedule": crontab(hour=3, minute=45),
                },
            }
        )
