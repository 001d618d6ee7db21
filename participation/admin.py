"""Moderation in the admin: processes, comments, the flag queue and the moderation log.

Every change of state goes through `participation.services`; an action that needs input shows an
intermediate page (`admin/action_form.html`) and reports per object what failed and why. The
helpers at the top are shared with `ideas.admin`.
"""

from collections.abc import Callable, Iterable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import Channel, Comment, Flag, ModerationAction, Phase, Process
from .permissions import can_moderate

ON_BEHALF_CHANNELS = [(value, label) for value, label in Channel.choices if value != Channel.WEB]

# --- Shared helpers -----------------------------------------------------------------------------


def admin_link(obj: models.Model | None) -> str:
    """A link to the object's admin page, or its name when it has none."""
    if obj is None:
        return "–"
    opts = obj._meta
    try:
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return str(obj)
    return format_html('<a href="{}">{}</a>', url, obj)


def error_text(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or _t("Keine Berechtigung.")


def require_moderator(request: HttpRequest) -> bool:
    """Actions check the moderation right up front; the services check it once more."""
    if can_moderate(request.user):
        return True
    messages.error(request, _t("Nur die Moderation darf das. Es wurde nichts geändert."))
    return False


def action_form(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: models.QuerySet,
    form_class: type[forms.Form],
    *,
    title: str,
    submit_label: str,
    objects: Iterable | None = None,
    form_kwargs: dict | None = None,
) -> tuple[forms.Form | None, TemplateResponse | None]:
    """The intermediate page of an action: (valid form, None) once confirmed, else (None, page).

    The selected primary keys travel as hidden fields, so the confirmation posts back to the
    change list like Django's own "delete selected" page.
    """
    form_kwargs = form_kwargs or {}
    if "apply" in request.POST:
        form = form_class(request.POST, **form_kwargs)
        if form.is_valid():
            return form, None
    else:
        form = form_class(**form_kwargs)
    opts = modeladmin.model._meta
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "subtitle": None,
        "opts": opts,
        "form": form,
        "adminform": helpers.AdminForm(form, [(None, {"fields": list(form.fields)})], {}),
        "media": modeladmin.media + form.media,
        "objects": list(queryset if objects is None else objects),
        "selected": list(queryset.values_list("pk", flat=True)),
        "action": request.POST.get("action", ""),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "submit_label": submit_label,
        "changelist_url": reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
    }
    return None, TemplateResponse(request, "admin/action_form.html", context)


def run_each(
    request: HttpRequest, objects: Iterable, call: Callable[[models.Model], object]
) -> int:
    """Call a service for each object; report every failure with its reason. Returns successes."""
    done = 0
    for obj in objects:
        try:
            call(obj)
        except (PermissionDenied, ValidationError) as error:
            messages.error(
                request,
                _t("%(object)s: %(error)s") % {"object": obj, "error": error_text(error)},
            )
        else:
            done += 1
    return done


def entry_form_page(
    modeladmin: admin.ModelAdmin, request: HttpRequest, form: forms.Form, *, title: str
) -> TemplateResponse:
    """The page of a custom add form that saves through a service."""
    opts = modeladmin.model._meta
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "subtitle": None,
        "opts": opts,
        "form": form,
        "adminform": helpers.AdminForm(form, [(None, {"fields": list(form.fields)})], {}),
        "media": modeladmin.media + form.media,
        "changelist_url": reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
    }
    return TemplateResponse(request, "admin/entry_form.html", context)


def add_service_error(form: forms.Form, error: Exception) -> None:
    """Show a service's refusal on the form: on the field it names, otherwise above the form."""
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for field, field_errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error(None, error_text(error))


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Öffentliche Begründung"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Wird öffentlich beim Beitrag angezeigt und im Moderationsprotokoll vermerkt."),
    )


def _hide_or_restore(modeladmin, request, queryset, *, hide: bool):
    if not require_moderator(request):
        return None
    form, page = action_form(
        modeladmin,
        request,
        queryset,
        ReasonForm,
        title=_t("Beiträge ausblenden") if hide else _t("Beiträge wieder einblenden"),
        submit_label=_t("Ausblenden") if hide else _t("Wieder einblenden"),
    )
    if form is None:
        return page
    service = services.hide if hide else services.restore
    reason = form.cleaned_data["reason"]
    done = run_each(
        request, queryset, lambda obj: service(actor=request.user, target=obj, reason=reason)
    )
    if done:
        message = (
            ngettext("%(count)d Beitrag ausgeblendet.", "%(count)d Beiträge ausgeblendet.", done)
            if hide
            else ngettext(
                "%(count)d Beitrag wieder eingeblendet.",
                "%(count)d Beiträge wieder eingeblendet.",
                done,
            )
        )
        messages.success(request, message % {"count": done})
    return None


@admin.action(description=_("Ausblenden (mit öffentlicher Begründung)"))
def hide_selected(modeladmin, request, queryset):
    return _hide_or_restore(modeladmin, request, queryset, hide=True)


@admin.action(description=_("Wieder einblenden (mit Begründung)"))
def restore_selected(modeladmin, request, queryset):
    return _hide_or_restore(modeladmin, request, queryset, hide=False)


# --- Processes ----------------------------------------------------------------------------------


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0
    fields = ["name", "starts_at", "ends_at", "allows_submit", "allows_rate", "allows_comment"]


@admin.register(Process)
class ProcessAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "is_public", "created_at"]
    list_filter = ["is_public"]
    search_fields = ["title"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [PhaseInline]


# --- Comments -----------------------------------------------------------------------------------


# Apps that use the engine register how their public references resolve (ideas: "VS-…"), so
# staff can name the commented object by the number on the letter or the phone note.
TARGET_RESOLVERS: list[Callable[[str], models.Model | None]] = []


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


# --- Flag queue ---------------------------------------------------------------------------------


class FlagStateFilter(admin.SimpleListFilter):
    """Open reports by default: the queue is what still needs a decision."""

    title = _("Stand")
    parameter_name = "stand"

    def lookups(self, request, model_admin):
        return [("open", _("offen")), ("resolved", _("erledigt")), ("all", _("alle"))]

    def choices(self, changelist):
        current = self.value() or "open"
        for value, label in self.lookup_choices:
            yield {
                "selected": current == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        value = self.value() or "open"
        if value == "open":
            return queryset.filter(resolved_at__isnull=True)
        if value == "resolved":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


def _flag_targets(queryset: models.QuerySet) -> list[models.Model]:
    """The distinct objects the selected reports are about, one query per kind of object."""
    keys = queryset.order_by().values_list("content_type_id", "object_id").distinct()
    by_type: dict[int, set[int]] = {}
    for content_type_id, object_id in keys:
        by_type.setdefault(content_type_id, set()).add(object_id)
    targets = []
    for content_type_id, ids in by_type.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        targets.extend(model._default_manager.filter(pk__in=ids))
    return targets


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    list_display = [
        "target_link",
        "open_on_target",
        "reason",
        "reporter",
        "created_at",
        "resolved_at",
    ]
    list_filter = [FlagStateFilter]
    search_fields = ["reason"]
    list_select_related = ["user"]
    actions = ["hide_targets", "dismiss"]
    fields = ["target_link", "reason", "reporter", "created_at", "resolved_at", "resolved_by"]

    def get_queryset(self, request):
        open_on_target = (
            Flag.objects.filter(
                content_type=OuterRef("content_type"),
                object_id=OuterRef("object_id"),
                resolved_at__isnull=True,
            )
            .order_by()
            .values("object_id")
            .annotate(count=Count("pk"))
            .values("count")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(open_count=Coalesce(Subquery(open_on_target), 0))
            .prefetch_related("target")
        )

    def has_module_permission(self, request):
        return can_moderate(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return can_moderate(request.user) and super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Beitrag"))
    def target_link(self, obj: Flag) -> str:
        return admin_link(obj.target)

    @admin.display(description=_("offene Meldungen zum Beitrag"), ordering="open_count")
    def open_on_target(self, obj: Flag) -> int:
        return obj.open_count

    @admin.display(description=_("Gemeldet von"), ordering="user__display_name")
    def reporter(self, obj: Flag) -> str:
        return obj.user.display_name

    @admin.action(description=_("Beitrag ausblenden"))
    def hide_targets(self, request, queryset):
        return self._decide(request, queryset, hide=True)

    @admin.action(description=_("Meldungen zurückweisen"))
    def dismiss(self, request, queryset):
        return self._decide(request, queryset, hide=False)

    def _decide(self, request, queryset, *, hide: bool):
        if not require_moderator(request):
            return None
        targets = _flag_targets(queryset)
        form, page = action_form(
            self,
            request,
            queryset,
            ReasonForm,
            title=_t("Gemeldete Beiträge ausblenden") if hide else _t("Meldungen zurückweisen"),
            submit_label=_t("Ausblenden") if hide else _t("Zurückweisen"),
            objects=targets,
        )
        if form is None:
            return page
        reason = form.cleaned_data["reason"]
        service = services.hide if hide else services.dismiss_flags
        done = run_each(
            request, targets, lambda obj: service(actor=request.user, target=obj, reason=reason)
        )
        if done:
            message = (
                ngettext(
                    "%(count)d Beitrag ausgeblendet.", "%(count)d Beiträge ausgeblendet.", done
                )
                if hide
                else ngettext(
                    "Meldungen zu %(count)d Beitrag zurückgewiesen.",
                    "Meldungen zu %(count)d Beiträgen zurückgewiesen.",
                    done,
                )
            )
            messages.success(request, message % {"count": done})
        return None


# --- Moderation log -----------------------------------------------------------------------------


@admin.register(ModerationAction)
class ModerationActionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "action", "target_link", "actor", "reason"]
    list_filter = ["action"]
    search_fields = ["reason"]
    list_select_related = ["actor"]
    fields = ["created_at", "action", "target_link", "actor", "reason", "details"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("target")

    @admin.display(description=_("Beitrag"))
    def target_link(self, obj: ModerationAction) -> str:
        return admin_link(obj.target)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
