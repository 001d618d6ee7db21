"""`{% map_config %}`: Leaflet's files and the city's map settings, for the map scripts to read.

The configuration goes into a `json_script` element (no inline script under our CSP); the map
scripts in static/js read it by its id `portal-map-config`.
"""

import json
from functools import cache
from typing import Any

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.utils.translation import gettext as _

from lohmar_portal.geo import city_bounds

register = template.Library()

# Leaflet's zoom level at which the whole city fits a medium-sized map; the scripts fit the
# outline's bounds when they can and use this only as a starting value.
DEFAULT_ZOOM = 12


@cache
def city_boundary() -> dict[str, Any]:
    """The city outline as GeoJSON, read once from PORTAL_BOUNDARY_FILE."""
    return json.loads(settings.PORTAL_BOUNDARY_FILE.read_text(encoding="utf-8"))


def _messages() -> dict[str, str]:
    """The scripts' texts, translated for the current request (placeholders: %(name)s)."""
    return {
        "zoomIn": _("Karte vergrößern"),
        "zoomOut": _("Karte verkleinern"),
        "closePopup": _("Hinweis schließen"),
        "ratingNone": _("Noch keine Bewertungen"),
        "ratingOne": _("Bewertung: %(mean)s von 5 (1 Bewertung)"),
        "ratingMany": _("Bewertung: %(mean)s von 5 (%(count)s Bewertungen)"),
        "pillar": _("Schwerpunkt"),
        "status": _("Status"),
        "truncated": _(
            "Die Karte zeigt nur die %(count)s neuesten Vorschläge. "
            "Die Liste unter der Karte enthält alle."
        ),
        "loadFailed": _(
            "Die Vorschläge konnten nicht auf der Karte angezeigt werden. "
            "Die Liste unter der Karte enthält alle."
        ),
        "pickerLabel": _("Karte zur Auswahl des Ortes"),
        "pickerHint": _(
            "Klicken Sie in die Karte, um den Ort zu setzen. Sie können die Markierung "
            "verschieben oder die Koordinaten in die Felder eingeben."
        ),
        "pickerMarker": _("Gewählter Ort"),
        "removePoint": _("Punkt entfernen"),
        "useLocation": _("Meinen Standort verwenden"),
        "pointSet": _("Der Ort wurde gesetzt: Breitengrad %(lat)s, Längengrad %(lon)s."),
        "pointRemoved": _("Der Ort wurde entfernt."),
        "outside": _(
            "Der Ort liegt nicht im Stadtgebiet. Bitte wählen Sie einen Ort in "
            "der Stadt oder lassen Sie die Karte leer."
        ),
        "locating": _("Ihr Standort wird ermittelt …"),
        "locationFailed": _("Ihr Standort konnte nicht ermittelt werden."),
    }


@register.inclusion_tag("components/map_config.html")
def map_config() -> dict[str, Any]:
    """Leaflet's CSS and script, the portal's map CSS, and the map settings as JSON."""
    south, west, north, east = city_bounds()
    latitude, longitude = settings.PORTAL_MAP_CENTER
    return {
        "map_config": {
            "center": [latitude, longitude],
            "zoom": DEFAULT_ZOOM,
            "tiles": {
                "url": settings.PORTAL_MAP_TILES_URL,
                "attribution": settings.PORTAL_MAP_TILES_ATTRIBUTION,
            },
            "boundary": city_boundary(),
            "bounds": [[south, west], [north, east]],
            # Explicit URLs: Leaflet's guess from its CSS fails on hashed file names.
            "icon": {
                "url": static("leaflet/images/marker-icon.png"),
                "retinaUrl": static("leaflet/images/marker-icon-2x.png"),
                "shadowUrl": static("leaflet/images/marker-shadow.png"),
            },
            "messages": _messages(),
        }
    }
