"""Settings of the exports, each with a default (the lead may set them in settings.py/.env)."""

from django.conf import settings


def expiry_days() -> int:
    """Days after which a finished export's files are deleted."""
    return getattr(settings, "IDEAS_EXPORT_EXPIRY_DAYS", 14)


def stale_minutes() -> int:
    """A running export without a sign of life for this long is queued again."""
    return getattr(settings, "IDEAS_EXPORT_STALE_MINUTES", 15)


def pdf_details_per_pillar() -> int:
    """Proposals per pillar shown in full in the PDF (chart, answer, comments)."""
    return getattr(settings, "IDEAS_EXPORT_PDF_DETAILS_PER_PILLAR", 25)


def pdf_list_per_pillar() -> int:
    """Further proposals per pillar listed in a compact table; the XLSX has all of them."""
    return getattr(settings, "IDEAS_EXPORT_PDF_LIST_PER_PILLAR", 200)


def open_data_licence() -> tuple[str, str]:
    """The open data's licence: (name, URL)."""
    return (
        getattr(
            settings,
            "IDEAS_OPEN_DATA_LICENCE",
            "Datenlizenz Deutschland – Namensnennung – Version 2.0 (dl-de/by-2-0)",
        ),
        getattr(settings, "IDEAS_OPEN_DATA_LICENCE_URL", "https://www.govdata.de/dl-de/by-2-0"),
    )


def root():
    """The private directory of the export files; never below a public media URL."""
    from pathlib import Path

    return Path(settings.PRIVATE_MEDIA_ROOT) / "exports"
