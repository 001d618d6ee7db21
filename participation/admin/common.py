"""Helpers shared by the moderation admins here and in `ideas.admin`."""

from collections.abc import Callable, Iterable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .. import services
from ..models import Channel
from ..permissions import can_moderate

ON_BEHALF_CHANNELS = [(value, label) for value, label in Channel.choices if value != Channel.WEB]

# Apps that use the engine register how their public references resolve (ideas: "VS-…"), so
# staff can name the commented object by the number on the letter or the phone note.
TARGET_RESOLVERS: list[Callable[[str], models.Model | None]] = []


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
