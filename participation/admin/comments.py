"""Comments, and entering official answers or comments received off the web."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from .. import services
from ..models import Channel, Comment
from .common import (
    ON_BEHALF_CHANNELS,
    TARGET_RESOLVERS,
    add_service_error,
    admin_link,
    entry_form_page,
    hide_selected,
    restore_selected,
)


class CommentEntryForm(forms.Form):
    """An official answer, or a citizen's comment received on paper, by phone, …"""

    target = forms.CharField(
        label=_("Aktenzeichen des Beitrags"), max_length=20, help_text=_("z. B. VS-2019-0042")
    )
    text = forms.CharField(
        label=_("Kommentar"),
        max_length=services.COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    official = forms.BooleanField(label=_("Offizielle Antwort der Stadt"), required=False)
    channel = forms.ChoiceField(
        label=_("Eingangsweg"),
        choices=[("", _("– keiner (offizielle Antwort) –")), *ON_BEHALF_CHANNELS],
        required=False,
        help_text=_("Für Kommentare, die eine Bürgerin oder ein Bürger nicht online abgab."),
    )
    on_behalf_of = forms.CharField(
        label=_("Im Auftrag von (nicht öffentlich)"),
        max_length=200,
        required=False,
        help_text=_("Name und Kontakt der Person; erscheint nie auf öffentlichen Seiten."),
    )

    def clean_target(self) -> models.Model:
        reference = self.cleaned_data["target"].strip().upper()
        for resolve in TARGET_RESOLVERS:
            target = resolve(reference)
            if target is not None:
                return target
        raise forms.ValidationError(_("Es gibt keinen Beitrag mit diesem Aktenzeichen."))

    def clean(self):
        data = super().clean()
        if data.get("official") and data.get("channel"):
            raise forms.ValidationError(
                _("Eine offizielle Antwort wird nicht im Auftrag einer Person erfasst.")
            )
        if not data.get("official") and not data.get("channel"):
            raise forms.ValidationError(
                _("Bitte wählen Sie einen Eingangsweg oder markieren Sie die offizielle Antwort.")
            )
        return data


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "target_link",
        "author_name",
        "is_official",
        "is_hidden",
        "is_deleted",
        "created_at",
    ]
    list_filter = ["is_official", "is_hidden", "is_deleted", "channel"]
    search_fields = ["text"]
    list_select_related = ["author"]
    actions = [hide_selected, restore_selected]
    fields = [
        "target_link",
        "text",
        "parent",
        "author",
        "is_official",
        "channel",
        "entered_by",
        "on_behalf_of",
        "is_hidden",
        "hidden_reason",
        "is_deleted",
        "created_at",
        "edited_at",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("target")

    @admin.display(description=_("Beitrag"))
    def target_link(self, obj: Comment) -> str:
        return admin_link(obj.target)

    @admin.display(description=_("Verfasst von"), ordering="author__display_name")
    def author_name(self, obj: Comment) -> str:
        if obj.author is not None:
            return obj.author.display_name
        if obj.channel != Channel.WEB:
            return _t("im Auftrag (%(channel)s)") % {"channel": obj.get_channel_display()}
        return "–"

    def has_change_permission(self, request, obj=None):
        # Existing comments change only through the moderation actions.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        """Enter an official answer or a citizen's comment through `add_comment`."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = CommentEntryForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                comment = services.add_comment(
                    actor=request.user,
                    target=data["target"],
                    text=data["text"],
                    official=data["official"],
                    channel=data["channel"] or Channel.WEB,
                    on_behalf_of=data["on_behalf_of"],
                )
            except (PermissionDenied, ValidationError) as error:
                add_service_error(form, error)
            else:
                self.log_addition(request, comment, [{"added": {}}])
                messages.success(
                    request,
                    _t("Der Kommentar zu %(target)s wurde gespeichert.")
                    % {"target": data["target"]},
                )
                return HttpResponseRedirect(reverse("admin:participation_comment_changelist"))
        return entry_form_page(self, request, form, title=_t("Kommentar erfassen"))
