"""Input shapes of the staff pages (queue filters, workspace actions, quick entry).

Rules that need the database or the ticket's state live in servicecenter.services; a form only
checks what a value looks like.
"""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from lohmar_portal.models import Department

from .attachments import ALLOWED_LABEL, NewAttachment
from .models import Channel, KnowledgeArticle, LifeSituation, Priority, Ticket
from .selectors import QueueFilters

QUICK_CHANNELS = [Channel.PHONE, Channel.WALK_IN, Channel.CHAT, Channel.MOBILE_OFFICE]
WITHOUT_DEPARTMENT = "ohne"
UNREACHABLE = _(
    "Bitte geben Sie eine Telefonnummer oder eine E-Mail-Adresse an, damit die Stadt "
    "antworten kann – oder lösen Sie das Anliegen beim Erstkontakt."
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Several files in one input; each is read into a NewAttachment (size checked first)."""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Anhänge"))
        kwargs.setdefault(
            "help_text",
            ngettext_lazy(
                "Höchstens %(count)d Datei (%(types)s), bis %(size)d MB.",
                "Höchstens %(count)d Dateien (%(types)s), je bis %(size)d MB.",
                "count",
            )
            % {
                "count": settings.SERVICECENTER_MAX_ATTACHMENTS,
                "types": ALLOWED_LABEL,
                "size": settings.SERVICECENTER_MAX_ATTACHMENT_BYTES // (1024 * 1024),
            },
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None) -> list[NewAttachment]:
        uploads = [item for item in (data or []) if item] if isinstance(data, list) else []
        if not isinstance(data, list) and data:
            uploads = [data]
        files = []
        for upload in uploads:
            super().clean(upload, initial)
            try:
                files.append(NewAttachment.from_upload(upload))
            except ValidationError as error:
                raise ValidationError(error.messages) from None
        if len(files) > settings.SERVICECENTER_MAX_ATTACHMENTS:
            raise ValidationError(
                _("Höchstens %(max)d Anhänge je Nachricht.")
                % {"max": settings.SERVICECENTER_MAX_ATTACHMENTS}
            )
        return files


# --- The queue ----------------------------------------------------------------------------------


class QueueFilterForm(forms.Form):
    """The queue's GET filters; an unknown value drops that filter, never the page."""

    q = forms.CharField(
        label=_("Suche"),
        required=False,
        max_length=200,
        help_text=_("Vorgangsnummer, Betreff, Name, E-Mail oder Telefon"),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("alle offenen")), *list(Ticket.Status.choices)],
    )
    assignment = forms.ChoiceField(
        label=_("Bearbeitung"),
        required=False,
        choices=[
            ("", _("alle")),
            ("mine", _("meine Anliegen")),
            ("unassigned", _("noch niemandem zugewiesen")),
        ],
    )
    department = forms.ChoiceField(label=_("Fachbereich"), required=False)
    channel = forms.ChoiceField(
        label=_("Eingangsweg"), required=False, choices=[("", _("alle")), *Channel.choices]
    )
    breached = forms.BooleanField(label=_("nur überfällige und eskalierte"), required=False)

    def __init__(self, *args, agent: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if agent:
            # Read when rendered or when a department is asked for, not on a cached page.
            self.fields["department"].choices = lambda: [
                ("", _("alle")),
                (WITHOUT_DEPARTMENT, _("noch im Service Center")),
                *Department.objects.values_list("pk", "name"),
            ]
        else:
            # Department staff see their department's tickets only, and nobody assigns them.
            del self.fields["department"]
            del self.fields["assignment"]

    def clean(self):
        data = super().clean()
        for name, field in self.fields.items():
            if name in self.errors and isinstance(field, forms.ChoiceField):
                del self.errors[name]
                data[name] = ""
        return data

    def filters(self) -> QueueFilters:
        data = self.cleaned_data if self.is_valid() else {}
        department = data.get("department") or ""
        chosen = None
        if department and department != WITHOUT_DEPARTMENT:
            chosen = Department.objects.filter(pk=department).first()
        return QueueFilters(
            status=data.get("status") or "",
            assignment=data.get("assignment") or "",
            department=chosen,
            without_department=department == WITHOUT_DEPARTMENT,
            breached=bool(data.get("breached")),
            channel=data.get("channel") or "",
            query=" ".join((data.get("q") or "").split()),
        )


# --- The workspace ------------------------------------------------------------------------------


def _text(label, *, required: bool = True, rows: int = 6, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=20000,
        strip=True,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": _("Bitte schreiben Sie eine Nachricht.")},
    )


class ArticlePickForm(forms.Form):
    """Find a knowledge article and take its answer into the reply (a GET form)."""

    wissen = forms.CharField(label=_("Wissensartikel suchen"), required=False, max_length=200)
    artikel = forms.ModelChoiceField(
        label=_("Wissensartikel"),
        queryset=KnowledgeArticle.objects.none(),
        required=False,
        empty_label=_("– bitte wählen –"),
    )

    def __init__(self, *args, articles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.articles = list(articles)
        field = self.fields["artikel"]
        field.queryset = KnowledgeArticle.objects.for_agents()
        field.choices = [("", field.empty_label), *((a.pk, a.title) for a in self.articles)]


class ReplyForm(forms.Form):
    text = _text(_("Antwort an die Bürgerin oder den Bürger"), rows=8)
    article = forms.ModelChoiceField(
        queryset=KnowledgeArticle.objects.for_agents(),
        required=False,
        widget=forms.HiddenInput,
    )
    wait_for_citizen = forms.BooleanField(
        label=_("Auf Antwort warten (die Servicelevel-Uhr hält an)"), required=False
    )
    attachments = AttachmentsField()


class NoteForm(forms.Form):
    text = _text(
        _("Interne Notiz"),
        rows=4,
        help_text=_("Nur für Mitarbeitende sichtbar, nie für die Bürgerin oder den Bürger."),
    )
    attachments = AttachmentsField()


class ResolveForm(forms.Form):
    text = _text(
        _("Abschließende Antwort"),
        required=False,
        rows=4,
        help_text=_("Freiwillig. Wird der Bürgerin oder dem Bürger ins Postfach gestellt."),
    )
    first_contact = forms.BooleanField(label=_("Beim Erstkontakt gelöst"), required=False)

    def __init__(self, *args, agent: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not agent:
            del self.fields["first_contact"]


class ForwardForm(forms.Form):
    department = forms.ModelChoiceField(
        label=_("Fachbereich"),
        queryset=Department.objects.all(),
        empty_label=_("– bitte wählen –"),
        error_messages={"required": _("Bitte wählen Sie einen Fachbereich.")},
    )
    reason = forms.CharField(
        label=_("Grund der Weiterleitung"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Bitte geben Sie einen Grund für die Weiterleitung an.")},
    )


class SendBackForm(forms.Form):
    reason = forms.CharField(
        label=_("Grund der Rückgabe"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Bitte geben Sie einen Grund an.")},
    )


class AssignForm(forms.Form):
    agent = forms.ModelChoiceField(
        label=_("Bearbeitung im Service Center"),
        queryset=None,
        required=False,
        empty_label=_("niemand"),
    )

    def __init__(self, *args, agents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = agents


class ClassifyForm(forms.Form):
    priority = forms.ChoiceField(label=_("Priorität"), choices=Priority.choices)
    life_situation = forms.ModelChoiceField(
        label=_("Lebenslage"),
        queryset=LifeSituation.objects.all(),
        required=False,
        empty_label=_("– keine –"),
    )


# --- Quick entry --------------------------------------------------------------------------------


class QuickEntryForm(forms.Form):
    """An agent records a contact by phone, at the counter, in the chat or the mobile office."""

    channel = forms.ChoiceField(
        label=_("Eingangsweg"),
        choices=[(channel.value, channel.label) for channel in QUICK_CHANNELS],
        initial=Channel.PHONE,
        widget=forms.RadioSelect,
    )
    contact_name = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    contact_phone = forms.CharField(
        label=_("Telefon"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    contact_email = forms.EmailField(
        label=_("E-Mail"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        help_text=_(
            "Freiwillig. Ohne E-Mail-Adresse erhält die Person keine Benachrichtigungen; "
            "das Service Center ruft zurück."
        ),
    )
    subject = forms.CharField(label=_("Betreff"), max_length=200)
    text = _text(_("Anliegen"), rows=6)
    life_situation = forms.ModelChoiceField(
        label=_("Lebenslage"),
        queryset=LifeSituation.objects.all(),
        required=False,
        empty_label=_("– keine –"),
    )
    priority = forms.ChoiceField(
        label=_("Priorität"), choices=Priority.choices, initial=Priority.NORMAL
    )
    first_contact = forms.BooleanField(label=_("Beim Erstkontakt gelöst"), required=False)
    answer = _text(
        _("Gegebene Antwort"),
        required=False,
        rows=4,
        help_text=_(
            "Nur wenn beim Erstkontakt gelöst: Was haben Sie geantwortet? Die Antwort steht "
            "danach im Postfach des Anliegens."
        ),
    )

    def clean(self):
        data = super().clean()
        if "contact_phone" in data and "contact_email" in data:
            reachable = data["contact_phone"].strip() or data["contact_email"].strip()
            if not data.get("first_contact") and not reachable:
                self.add_error("contact_phone", UNREACHABLE)
        if not data.get("first_contact"):
            data["answer"] = ""
        return data
