"""Input of the staff pages: each form has the shape of one service call, nothing more."""

from collections.abc import Iterable

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from lohmar_portal.models import Department, District
from participation.admin import ON_BEHALF_CHANNELS

from ..models import Category, DefectReport
from ..services import NewPhoto

Status = DefectReport.Status


def _textarea(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def status_choices(statuses: Iterable[str]) -> list[tuple[str, str]]:
    """The given statuses in the order of the workflow, with their German labels."""
    wanted = set(statuses)
    return [(status.value, status.label) for status in Status if status in wanted]


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Neuer Status"), choices=[])
    note = forms.CharField(
        label=_("Öffentliche Notiz"),
        max_length=2000,
        required=False,
        widget=_textarea(),
        help_text=_(
            "Erscheint im öffentlichen Verlauf der Meldung und geht per E-Mail an die meldende "
            "Person und alle, die „Ich auch“ gesagt haben. Bitte keine personenbezogenen Daten."
        ),
    )

    def __init__(self, *args, statuses: Iterable[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = status_choices(statuses)


class InternalNoteForm(forms.Form):
    text = forms.CharField(
        label=_("Interne Notiz"),
        max_length=5000,
        widget=_textarea(6),
        help_text=_("Nur für Mitarbeitende sichtbar; wird nie veröffentlicht oder verschickt."),
    )


class ReassignForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("Neue Kategorie"),
        queryset=Category.objects.filter(is_active=True).select_related("department"),
        required=False,
        help_text=_("Mit der Kategorie wechselt auch der zuständige Fachbereich."),
    )
    department = forms.ModelChoiceField(
        label=_("Neuer Fachbereich"),
        queryset=Department.objects.all(),
        required=False,
        help_text=_(
            "Nur ausfüllen, wenn ein anderer als der Fachbereich der Kategorie zuständig ist."
        ),
    )
    reason = forms.CharField(
        label=_("Begründung (intern)"),
        max_length=2000,
        widget=_textarea(3),
        help_text=_("Wird als interne Notiz bei der Meldung vermerkt."),
    )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("category") and not cleaned.get("department"):
            raise forms.ValidationError(
                _("Bitte wählen Sie eine neue Kategorie oder einen neuen Fachbereich.")
            )
        return cleaned


class DuplicateForm(forms.Form):
    original = forms.CharField(
        label=_("Aktenzeichen der Meldung, die bestehen bleibt"),
        max_length=20,
        help_text=_("z. B. MM-2026-00042. Unterstützende und meldende Personen wechseln dorthin."),
    )
    note = forms.CharField(
        label=_("Öffentliche Notiz"),
        max_length=2000,
        required=False,
        widget=_textarea(3),
        help_text=_("Leer lassen: „Dieser Mangel wurde bereits gemeldet: …“."),
    )

    def clean_original(self) -> DefectReport:
        reference = self.cleaned_data["original"].strip().upper()
        # Only public reports can be the original (the service says so too); looking up only
        # those tells nobody whether another department's unpublished report exists.
        report = DefectReport.objects.public().filter(reference=reference).first()
        if report is None:
            raise forms.ValidationError(
                _("Es gibt keine öffentliche Meldung mit dem Aktenzeichen „%(reference)s“."),
                params={"reference": reference},
            )
        return report


class HideForm(forms.Form):
    reason = forms.CharField(
        label=_("Öffentliche Begründung"),
        max_length=500,
        widget=_textarea(3),
        help_text=_("Wird öffentlich an Stelle der Meldung angezeigt."),
    )


class ConfirmForm(forms.Form):
    """A confirmation without input (restore, withhold or delete a photo)."""


class RedactForm(forms.Form):
    description = forms.CharField(
        label=_("Neue Beschreibung (optional)"),
        max_length=4000,
        required=False,
        widget=_textarea(6),
        help_text=_(
            "Nur ausfüllen, wenn die Beschreibung selbst Personen nennt; leer lassen, um sie "
            "unverändert zu behalten."
        ),
    )
    confirm = forms.BooleanField(
        label=_(
            "Ich möchte E-Mail-Adresse, Name, Telefonnummer und die Verknüpfung mit dem "
            "Bürgerkonto der meldenden Person endgültig entfernen."
        ),
        help_text=_(
            "Das lässt sich nicht rückgängig machen. Die meldende Person erhält danach keine "
            "Nachrichten mehr zu dieser Meldung."
        ),
    )


class PhotoReleaseForm(forms.Form):
    alt_text = forms.CharField(
        label=_("Bildbeschreibung (Alternativtext)"),
        max_length=300,
        help_text=_(
            "Beschreibt für Menschen, die das Foto nicht sehen, was darauf zu erkennen ist. "
            "Bitte vorher prüfen: keine Gesichter, Kennzeichen oder sonstigen Personen."
        ),
    )


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several files in one input; each is checked by its content in the service."""

    widget = MultipleImageInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleImageInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleImageField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class ReportEntryForm(forms.Form):
    """A report a caller gave by phone, in a letter, by e-mail or at the counter."""

    channel = forms.ChoiceField(label=_("Eingangsweg"), choices=ON_BEHALF_CHANNELS)
    category = forms.ModelChoiceField(
        label=_("Kategorie"),
        queryset=Category.objects.filter(is_active=True).select_related("department"),
    )
    description = forms.CharField(
        label=_("Beschreibung des Mangels"), max_length=4000, widget=_textarea(6)
    )
    address = forms.CharField(
        label=_("Adresse oder Ortsbeschreibung"),
        max_length=300,
        required=False,
        help_text=_("z. B. „Hauptstraße 12, vor der Apotheke“. Nötig, wenn keine Koordinaten."),
    )
    district = forms.ModelChoiceField(
        label=_("Ortsteil"), queryset=District.objects.all(), required=False
    )
    latitude = forms.FloatField(label=_("Breitengrad"), required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(
        label=_("Längengrad"), required=False, min_value=-180, max_value=180
    )
    photos = MultipleImageField(label=_("Fotos"), required=False)
    on_behalf_of = forms.CharField(
        label=_("Im Auftrag von (nicht öffentlich)"),
        max_length=200,
        required=False,
        help_text=_(
            "Wer sich gemeldet hat, z. B. „Anruf von Frau Muster“. Erscheint nie öffentlich."
        ),
    )
    name = forms.CharField(label=_("Name der meldenden Person"), max_length=200, required=False)
    email = forms.EmailField(
        label=_("E-Mail der meldenden Person"),
        required=False,
        help_text=_("Optional. Nur dann erhält die Person Nachrichten zum Stand der Meldung."),
    )
    phone = forms.CharField(label=_("Telefon der meldenden Person"), max_length=50, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].help_text = _(
            "Höchstens %(max)d Bilder (JPEG, PNG, WebP, GIF); sie bleiben bis zur Freigabe intern."
        ) % {"max": settings.DEFECTS_MAX_PHOTOS}

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        data["photos"] = [NewPhoto(file=upload) for upload in data.pop("photos", [])]
        return data


class ApiClientCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    contact_email = forms.EmailField(label=_("Kontakt (E-Mail)"), required=False)
    requests_per_hour = forms.IntegerField(
        label=_("Meldungen pro Stunde"), min_value=1, max_value=100_000, initial=60
    )


class RotateKeysForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Die bisherigen Schlüssel der ausgewählten Zugänge gelten sofort nicht mehr."),
    )
