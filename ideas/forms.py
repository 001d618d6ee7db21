"""Input shapes of the proposal pages; rules that need the database live in the services."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from lohmar_portal.models import District
from participation.models import Process

from .models import Pillar, Proposal
from .selectors import SORTS
from .services import MAX_IMAGES, NewImage


class ProposalFilterForm(forms.Form):
    """The list's filters; an unknown value is ignored rather than an error."""

    q = forms.CharField(label=_("Suche"), required=False, max_length=200)
    pillar = forms.ModelChoiceField(
        label=_("Schwerpunkt"),
        queryset=Pillar.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("alle Schwerpunkte"),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("alle"))]
        + [
            (s.value, s.label)
            for s in Proposal.Status
            if s not in (Proposal.Status.WITHDRAWN, Proposal.Status.MERGED)
        ],
        required=False,
    )
    district = forms.ModelChoiceField(
        label=_("Ortsteil"),
        queryset=District.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("alle Ortsteile"),
    )
    sort = forms.ChoiceField(
        label=_("Sortierung"),
        choices=[
            ("newest", _("neueste zuerst")),
            ("best", _("am besten bewertet")),
            ("discussed", _("meistdiskutiert")),
            ("random", _("zufällig")),
            ("relevance", _("passend zur Suche")),
        ],
        required=False,
    )
    seed = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=2**31
    )

    def clean_sort(self) -> str:
        sort = self.cleaned_data["sort"]
        return sort if sort in SORTS or sort in ("random", "relevance") else "newest"


class ProposalForm(forms.Form):
    """Submitting or editing a proposal; the map only fills the two coordinate fields."""

    process = forms.ModelChoiceField(
        label=_("Beteiligungsverfahren"), queryset=Process.objects.none(), empty_label=None
    )
    pillar = forms.ModelChoiceField(
        label=_("Schwerpunkt"),
        queryset=Pillar.objects.filter(vision__is_published=True),
        empty_label=None,
        help_text=_("Zu welchem Schwerpunkt der Digitalstrategie passt Ihr Vorschlag?"),
    )
    title = forms.CharField(label=_("Titel"), max_length=150)
    summary = forms.CharField(
        label=_("Kurzfassung"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Ein bis zwei Sätze: Was soll sich ändern?"),
    )
    text = forms.CharField(
        label=_("Beschreibung"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Wer hätte etwas davon? Was wäre zu tun? Höchstens 10.000 Zeichen."),
    )
    district = forms.ModelChoiceField(
        label=_("Ortsteil"),
        queryset=District.objects.all(),
        required=False,
        empty_label=_("– ganze Stadt –"),
    )
    latitude = forms.FloatField(
        label=_("Breitengrad"),
        required=False,
        min_value=-90,
        max_value=90,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )
    longitude = forms.FloatField(
        label=_("Längengrad"),
        required=False,
        min_value=-180,
        max_value=180,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )

    def __init__(self, *args, processes=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["process"]
        else:
            self.fields["process"].queryset = Process.objects.filter(
                pk__in=[p.pk for p in processes or []]
            )
        for n in range(1, MAX_IMAGES + 1):
            self.fields[f"image_{n}"] = forms.ImageField(
                label=_("Bild %(n)d") % {"n": n},
                required=False,
                help_text=_("JPEG, PNG, WebP oder GIF, höchstens 5 MB."),
            )
            self.fields[f"alt_{n}"] = forms.CharField(
                label=_("Beschreibung von Bild %(n)d") % {"n": n},
                required=False,
                max_length=300,
                help_text=_("Was ist auf dem Bild zu sehen? Für Menschen, die es nicht sehen."),
            )

    def clean(self):
        data = super().clean()
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            raise ValidationError(
                _("Bitte geben Sie Breiten- und Längengrad an oder lassen Sie beide leer.")
            )
        for n in range(1, MAX_IMAGES + 1):
            if data.get(f"image_{n}") and not (data.get(f"alt_{n}") or "").strip():
                self.add_error(f"alt_{n}", _("Bitte beschreiben Sie das Bild in einem Satz."))
        return data

    def new_images(self) -> list[NewImage]:
        return [
            NewImage(file=self.cleaned_data[f"image_{n}"], alt_text=self.cleaned_data[f"alt_{n}"])
            for n in range(1, MAX_IMAGES + 1)
            if self.cleaned_data.get(f"image_{n}")
        ]


class RatingForm(forms.Form):
    value = forms.TypedChoiceField(
        label=_("Ihre Bewertung"),
        coerce=int,
        choices=[(n, _("%(n)d von 5 Sternen") % {"n": n}) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
        error_messages={
            "invalid_choice": _("Bitte bewerten Sie mit 1 bis 5 Sternen."),
            "required": _("Bitte wählen Sie, wie viele Sterne Sie vergeben."),
        },
    )


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Ihr Kommentar"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    parent = forms.IntegerField(widget=forms.HiddenInput, required=False)


class FlagForm(forms.Form):
    reason = forms.CharField(
        label=_("Warum melden Sie diesen Beitrag?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Zum Beispiel: beleidigend, Werbung, persönliche Daten Dritter."),
    )
