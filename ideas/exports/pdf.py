"""PDFs with WeasyPrint: tagged (PDF/UA-1), German typography, fonts read from local files only."""

import logging
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

# WeasyPrint reports each rendering step at INFO (already while importing); keep it quiet.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

from weasyprint import HTML  # noqa: E402
from weasyprint.urls import URLFetcher  # noqa: E402

FONTS = Path(settings.BASE_DIR) / "node_modules" / "@kern-ux" / "native" / "dist" / "fonts"


class LocalFontFetcher(URLFetcher):
    """Fetches only the KERN font files: rendering never touches the network."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("file",), fail_on_errors=False)

    def fetch(self, url, headers=None):
        path = Path(unquote(urlsplit(url).path)).resolve()
        if not path.is_relative_to(FONTS.resolve()):
            raise ValueError(f"Refusing to fetch {url}")
        return super().fetch(url, headers)


def write_pdf(template: str, context: dict, target: Path) -> None:
    """Render a template to a tagged PDF/UA-1 file."""
    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string(
            template,
            {**context, "fonts_url": FONTS.as_uri(), "city": settings.PORTAL_CITY_NAME},
        )
    HTML(string=html, base_url=FONTS.as_uri() + "/", url_fetcher=LocalFontFetcher()).write_pdf(
        target, pdf_variant="pdf/ua-1"
    )
