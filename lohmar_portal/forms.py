"""Forms of the core: sign-up and profile, and the renderer that gives every form KERN markup."""

from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import TemplatesSetting
from django.utils.translation import gettext_lazy as _

from .models import District, User


class PortalFormRenderer(TemplatesSetting):
    """Render fields with the design system's markup; errors stay linked to their field."""

    form_template_name = "components/form.html"
    field_template_name = "components/field.html"


def add_service_errors(
    form: forms.Form, error: ValidationError, field_names: dict[str, str] | None = None
) -> None:
    """Put a service's ValidationError on the form: on its field where there is one.

    `field_names` maps a field the service names to the form field that stands for it."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            field = (field_names or {}).get(field, field)
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class SignupForm(forms.Form):
    """Extra sign-up fields on top of allauth's e-mail and password (allauth's `signup` hook)."""

    display_name = forms.CharField(
        label=_("Öffentlicher Name"),
        max_length=50,
        help_text=_("Wird bei Ihren Beiträgen angezeigt. Ein Pseudonym ist möglich."),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    district = forms.ModelChoiceField(
        label=_("Ortsteil"),
        queryset=District.objects.all(),
        required=False,
        empty_label=_("– keine Angabe –"),
        help_text=_("Freiwillig. Hilft uns, Ihre Beiträge einem Ort zuzuordnen."),
    )

    field_order = ["email", "display_name", "password1", "password2", "district"]

    def clean_display_name(self) -> str:
        name = self.cleaned_data["display_name"].strip()
        if User.objects.filter(display_name__iexact=name).exists():
            raise forms.ValidationError(
                _("Dieser öffentliche Name ist schon vergeben. Bitte wählen Sie einen anderen.")
            )
        return name

    def signup(self, request, user: User) -> None:
        """allauth's hook; the fields are already set by the adapter before the first save."""


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "real_name", "district", "notify_status", "notify_replies"]

    def clean_display_name(self) -> str:
        name = self.cleaned_data["display_name"].strip()
        taken = User.objects.filter(display_name__iexact=name).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(
                _("Dieser öffentliche Name ist schon vergeben. Bitte wählen Sie einen anderen.")
            )
        return name


class DeleteAccountForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Ja, ich möchte mein Bürgerkonto endgültig löschen."),
        error_messages={"required": _("Bitte bestätigen Sie, dass Sie Ihr Konto löschen möchten.")},
    )


class AccessibilityFeedbackForm(forms.Form):
    """A barrier report; contact details are optional (answer only if given)."""

    message = forms.CharField(
        label=_("Welche Barriere haben Sie festgestellt?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    page_url = forms.CharField(
        label=_("Auf welcher Seite?"),
        max_length=500,
        required=False,
        help_text=_("Freiwillig: die Adresse oder der Titel der Seite."),
    )
    name = forms.CharField(
        label=_("Ihr Name"),
        max_length=150,
        required=False,
        help_text=_("Freiwillig."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Ihre E-Mail-Adresse"),
        required=False,
        help_text=_("Freiwillig. Nur wenn Sie eine Antwort wünschen."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
