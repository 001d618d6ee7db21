"""Input shapes of the citizen's pages: the web form for a new ticket and the reply form.

Files are checked here already (size before reading, then their content) so that every problem
shows at once; the services check again, since they are the only way in.
"""

import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import attachments as files
from .attachments import NewAttachment
from .models import LifeSituation

ACCEPT = ".pdf,.jpg,.jpeg,.png,.gif,.webp,.docx,.xlsx,.pptx,.odt,.ods,.txt"
# Digits with the usual separators, and at least five digits (an extension is no number).
PHONE = re.compile(r"^\+?[0-9 ()/.\-]+$")
PHONE_MIN_DIGITS = 5
NO_CONTACT = _(
    "Bitte geben Sie eine E-Mail-Adresse oder eine Telefonnummer an, damit wir Ihnen "
    "antworten können."
)


def attachments_help() -> str:
    return _(
        "Bis zu %(count)d Dateien, je höchstens %(size)d MB: PDF, Fotos (JPEG, PNG, GIF, WebP), "
        "Word, Excel, OpenDocument oder Text. Sie können mehrere Dateien zugleich auswählen."
    ) % {
        "count": settings.SERVICECENTER_MAX_ATTACHMENTS,
        "size": settings.SERVICECENTER_MAX_ATTACHMENT_BYTES // (1024 * 1024),
    }


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Several files in one input; cleaned to NewAttachments, each checked by its content."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None) -> list[NewAttachment]:
        uploads = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        if len(uploads) > settings.SERVICECENTER_MAX_ATTACHMENTS:
            raise ValidationError(
                _("Bitte wählen Sie höchstens %(max)d Dateien.")
                % {"max": settings.SERVICECENTER_MAX_ATTACHMENTS}
            )
        errors: list[ValidationError] = []
        result = []
        for upload in uploads:
            try:
                super().clean(upload, initial)
                # The size is known from the upload handler: a file over the limit is refused
                # before its bytes are read into memory.
                item = NewAttachment.from_upload(upload)
                files.sniff(item.filename, item.content)
            except ValidationError as error:
                errors.extend(error.error_list)
            else:
                result.append(item)
        if errors:
            raise ValidationError(errors)
        return result


class TicketForm(forms.Form):
    """A new Anliegen on the web; without an account, contact details (e-mail or phone)."""

    subject = forms.CharField(
        label=_("Betreff"),
        max_length=200,
        help_text=_("In wenigen Worten: Worum geht es?"),
    )
    text = forms.CharField(
        label=_("Ihr Anliegen"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Beschreiben Sie, was Sie brauchen oder wissen möchten."),
    )
    life_situation = forms.ModelChoiceField(
        label=_("Lebenslage"),
        queryset=LifeSituation.objects.all(),
        required=False,
        empty_label=_("– weiß ich nicht –"),
        help_text=_("Hilft uns, Ihr Anliegen schneller an die richtige Stelle zu geben."),
    )
    attachments = AttachmentsField(label=_("Dateien anhängen"))
    contact_name = forms.CharField(
        label=_("Ihr Name"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    contact_email = forms.EmailField(
        label=_("E-Mail-Adresse"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_(
            "Dorthin schicken wir den Link zu Ihrem Anliegen und sagen Bescheid, "
            "wenn wir geantwortet haben."
        ),
    )
    contact_phone = forms.CharField(
        label=_("Telefonnummer"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
        help_text=_("Wenn Sie keine E-Mail-Adresse haben: Wir rufen Sie zurück."),
    )

    CONTACT_FIELDS = ("contact_name", "contact_email", "contact_phone")

    def __init__(self, *args, anonymous: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.anonymous = anonymous
        if not anonymous:
            for name in self.CONTACT_FIELDS:
                del self.fields[name]
        self.fields["attachments"].help_text = attachments_help()

    def clean_contact_phone(self) -> str:
        phone = " ".join(self.cleaned_data["contact_phone"].split())
        digits = sum(character.isdigit() for character in phone)
        if phone and not (PHONE.match(phone) and digits >= PHONE_MIN_DIGITS):
            raise ValidationError(
                _("Bitte geben Sie eine Telefonnummer nur mit Ziffern an, z. B. 02246 15-0.")
            )
        return phone

    def clean(self):
        data = super().clean()
        given = data.get("contact_email") or data.get("contact_phone")
        # A mistyped address or number has its own message; "give one of them" would confuse.
        mistyped = self.has_error("contact_email") or self.has_error("contact_phone")
        if self.anonymous and not given and not mistyped:
            self.add_error("contact_email", NO_CONTACT)
        return data

    @property
    def attachment_list(self) -> list[NewAttachment]:
        return self.cleaned_data.get("attachments") or []


class ReplyForm(forms.Form):
    """The citizen's answer on a ticket, with files."""

    text = forms.CharField(
        label=_("Ihre Nachricht"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    attachments = AttachmentsField(label=_("Dateien anhängen"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = attachments_help()
