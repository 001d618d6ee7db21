"""Input shapes of the Mobile Bürgerbüro; whether a slot can be booked is `booking.book`'s job."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import MobileOfficeStop

OTHER = "Sonstiges"


def _concern_choices(stop: MobileOfficeStop) -> list[tuple[str, str]]:
    return [
        ("", _("Bitte wählen")),
        *((service, service) for service in stop.service_list),
        (OTHER, _("Etwas anderes")),
    ]


class BookingForm(forms.Form):
    """A booking. With an account the e-mail address is the account's (no field)."""

    name = forms.CharField(
        label=_("Ihr Name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        help_text=_("Damit wir Sie vor Ort aufrufen können."),
    )
    email = forms.EmailField(
        label=_("E-Mail-Adresse"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_(
            "Dorthin schicken wir die Bestätigung, die Erinnerung und den Link zum Absagen."
        ),
    )
    phone = forms.CharField(
        label=_("Telefonnummer"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
        help_text=_("Für Rückfragen, falls der Termin kurzfristig ausfällt."),
    )
    concern = forms.ChoiceField(
        label=_("Ihr Anliegen"),
        help_text=_("Welche Leistung brauchen Sie? So können wir uns vorbereiten."),
    )

    def __init__(self, *args, stop: MobileOfficeStop, with_email: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["concern"].choices = _concern_choices(stop)
        self.fields["concern"].error_messages["required"] = _("Bitte wählen Sie Ihr Anliegen aus.")
        self.fields["name"].error_messages["required"] = _("Bitte geben Sie Ihren Namen an.")
        self.fields["email"].error_messages["required"] = _(
            "Bitte geben Sie Ihre E-Mail-Adresse an."
        )
        if not with_email:
            del self.fields["email"]


class StaffBookingForm(forms.Form):
    """The Bürgerbüro enters a booking for a caller: a phone number or an e-mail suffices."""

    name = forms.CharField(label=_("Name"), max_length=200)
    phone = forms.CharField(label=_("Telefonnummer"), max_length=50, required=False)
    email = forms.EmailField(label=_("E-Mail-Adresse"), max_length=254, required=False)
    concern = forms.ChoiceField(label=_("Anliegen"), required=False)

    def __init__(self, *args, stop: MobileOfficeStop, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["concern"].choices = _concern_choices(stop)

    def clean(self):
        data = super().clean()
        if not (data.get("phone") or "").strip() and not data.get("email") and not self.errors:
            self.add_error(
                "phone", _("Bitte geben Sie eine Telefonnummer oder eine E-Mail-Adresse an.")
            )
        return data


class StaffCancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Grund (steht in der E-Mail an die Person)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CancelStopForm(forms.Form):
    """The admin action "Termin absagen": the reason goes to everybody booked."""

    reason = forms.CharField(
        label=_("Grund der Absage"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Steht in der E-Mail an alle, die einen Termin gebucht haben."),
    )
