"""Input shapes of the reporting pages; the rules that decide live in the services.

The form checks what it can say at the field before anything is saved (a place is given, the
point lies in the city, each photo is a picture within the size limit); `submit_report` checks
all of it again, since reports also come from staff and the Open311 API.
"""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from lohmar_portal.geo import is_in_city
from lohmar_portal.images import check_image
from lohmar_portal.models import District

from .models import Category
from .services import NewPhoto


def max_photos() -> int:
    return settings.DEFECTS_MAX_PHOTOS


def max_photo_megabytes() -> int:
    return settings.DEFECTS_MAX_PHOTO_BYTES // (1024 * 1024)


def no_place_message() -> str:
    return _(
        "Bitte geben Sie an, wo der Mangel ist: auf der Karte oder mit Adresse "
        "bzw. einer Ortsbeschreibung."
    )


def outside_message() -> str:
    return _(
        "Der Ort liegt außerhalb des Stadtgebiets von %(city)s. Bitte wählen Sie "
        "einen Ort in der Stadt oder beschreiben Sie ihn mit Adresse und Ortsteil."
    ) % {"city": settings.PORTAL_CITY_NAME}


class CategoryChoiceField(forms.ModelChoiceField):
    """Categories by their id; only active ones take reports."""

    def __init__(self, **kwargs):
        super().__init__(
            queryset=Category.objects.filter(is_active=True),
            empty_label=None,
            error_messages={
                "required": _("Bitte wählen Sie eine Kategorie."),
                "invalid_choice": _(
                    "Diese Kategorie gibt es nicht. Bitte wählen Sie eine der angebotenen "
                    "Kategorien."
                ),
            },
            **kwargs,
        )


def _coordinate(label, low: int, high: int) -> forms.FloatField:
    return forms.FloatField(
        label=label,
        required=False,
        min_value=low,
        max_value=high,
        widget=forms.NumberInput(attrs={"step": "any"}),
        error_messages={"invalid": _("Bitte geben Sie eine Zahl ein, z. B. 50.839400.")},
    )


class DefectReportForm(forms.Form):
    """A new report. The map only fills the two coordinate fields; address and district are
    enough without it. People without an account give an e-mail address for the confirmation."""

    category = CategoryChoiceField(label=_("Kategorie"), widget=forms.RadioSelect)
    description = forms.CharField(
        label=_("Beschreibung"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Was ist kaputt oder gefährlich? Höchstens 4.000 Zeichen. Bitte nennen Sie keine "
            "Namen, Kfz-Kennzeichen oder andere persönliche Daten: die Beschreibung wird "
            "veröffentlicht."
        ),
        error_messages={"required": _("Bitte beschreiben Sie den Mangel.")},
    )
    latitude = _coordinate(_("Breitengrad"), -90, 90)
    longitude = _coordinate(_("Längengrad"), -180, 180)
    address = forms.CharField(
        label=_("Adresse oder Ortsbeschreibung"),
        required=False,
        max_length=300,
        help_text=_(
            "Zum Beispiel „Hauptstraße 12“ oder „Spielplatz am Jabachsee, Eingang Süd“. "
            "Ohne Karte genügt das zusammen mit dem Ortsteil."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    district = forms.ModelChoiceField(
        label=_("Ortsteil"),
        queryset=District.objects.all(),
        required=False,
        empty_label=_("– bitte wählen –"),
        error_messages={"invalid_choice": _("Diesen Ortsteil gibt es nicht.")},
    )
    email = forms.EmailField(
        label=_("E-Mail-Adresse"),
        max_length=254,
        help_text=_("An diese Adresse schicken wir den Link, mit dem Sie die Meldung bestätigen."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": _(
                "Bitte geben Sie Ihre E-Mail-Adresse an, damit wir die Meldung bestätigen können."
            ),
            "invalid": _("Bitte geben Sie eine gültige E-Mail-Adresse an, z. B. name@example.org."),
        },
    )
    name = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=_("Telefon für Rückfragen"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    # Set when the person has already seen the open reports nearby (by the form's script, or on
    # the page that listed them): the report is then filed without showing them again.
    duplicates_checked = forms.BooleanField(required=False, widget=forms.HiddenInput)

    CONTACT_FIELDS = ("email", "name", "phone")

    def __init__(self, *args, anonymous: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not anonymous:
            for name in self.CONTACT_FIELDS:
                del self.fields[name]
        for n in range(1, max_photos() + 1):
            self.fields[f"photo_{n}"] = forms.FileField(
                label=_("Foto %(n)d") % {"n": n},
                required=False,
                widget=forms.FileInput(attrs={"accept": "image/*"}),
                help_text=_("JPEG, PNG, WebP oder GIF, höchstens %(size)d MB.")
                % {"size": max_photo_megabytes()},
                error_messages={"empty": _("Die Datei ist leer.")},
            )
            self.fields[f"alt_{n}"] = forms.CharField(
                label=_("Was zeigt Foto %(n)d?") % {"n": n},
                required=False,
                max_length=300,
                help_text=_("Freiwillig, für Menschen, die das Foto nicht sehen können."),
            )

    @property
    def photo_fields(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        """Each photo input with its description input, for the template."""
        return [(self[f"photo_{n}"], self[f"alt_{n}"]) for n in range(1, max_photos() + 1)]

    def _clean_photo(self, name: str):
        upload = self.cleaned_data.get(name)
        if not upload:
            return None
        try:
            # The size first: an oversized upload is refused without being read.
            check_image(upload, max_bytes=settings.DEFECTS_MAX_PHOTO_BYTES)
        except ValidationError as error:
            raise ValidationError(error.messages) from None
        return upload

    def clean(self):
        data = super().clean()
        for n in range(1, max_photos() + 1):
            name = f"photo_{n}"
            if name in data and not self.has_error(name):
                try:
                    data[name] = self._clean_photo(name)
                except ValidationError as error:
                    self.add_error(name, error)
        if self.has_error("latitude") or self.has_error("longitude"):
            return data
        latitude, longitude = data.get("latitude"), data.get("longitude")
        if (latitude is None) != (longitude is None):
            self.add_error(
                "latitude" if latitude is None else "longitude",
                _("Bitte geben Sie Breiten- und Längengrad an oder lassen Sie beide leer."),
            )
        elif latitude is None and not (data.get("address") or "").strip():
            self.add_error("address", no_place_message())
        elif latitude is not None and not is_in_city(latitude, longitude):
            self.add_error("latitude", outside_message())
        return data

    def new_photos(self) -> list[NewPhoto]:
        return [
            NewPhoto(file=self.cleaned_data[f"photo_{n}"], alt_text=self.cleaned_data[f"alt_{n}"])
            for n in range(1, max_photos() + 1)
            if self.cleaned_data.get(f"photo_{n}")
        ]

    def carried_values(self) -> list[tuple[str, str]]:
        """What the person entered, as hidden inputs for the next step (photos and their
        descriptions are asked again there; files cannot travel in a hidden input)."""
        skip = {"duplicates_checked"} | {
            f"{kind}_{n}" for kind in ("photo", "alt") for n in range(1, max_photos() + 1)
        }
        carried = []
        for name in self.fields:
            if name in skip:
                continue
            value = self[name].value()
            carried.append((self[name].html_name, "" if value is None else str(value)))
        return carried


class SupportForm(forms.Form):
    """ "Ich auch" without an account: the address the confirmation link goes to."""

    email = forms.EmailField(
        label=_("E-Mail-Adresse"),
        max_length=254,
        help_text=_(
            "Wir schicken Ihnen einen Link zur Bestätigung und danach Nachrichten, wenn sich "
            "der Stand ändert. Ihre Adresse wird nicht veröffentlicht."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": _("Bitte geben Sie Ihre E-Mail-Adresse an."),
            "invalid": _("Bitte geben Sie eine gültige E-Mail-Adresse an, z. B. name@example.org."),
        },
    )


class NearbyForm(forms.Form):
    """The query of the form's script: a category and a point."""

    kategorie = CategoryChoiceField()
    lat = forms.FloatField(min_value=-90, max_value=90)
    lon = forms.FloatField(min_value=-180, max_value=180)
