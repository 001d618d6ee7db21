"""Open311 clients and their keys. A key is shown once, on the page that answers its creation or
rotation; the database keeps only its hash and first characters (`defects.open311.keys`)."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from participation.admin import action_form, add_service_error

from ..models import ApiClient
from ..open311 import keys
from .forms import ApiClientCreateForm, RotateKeysForm


def _changelist_url() -> str:
    return reverse("admin:defects_apiclient_changelist")


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "key_prefix",
        "is_active",
        "requests_per_hour",
        "contact_email",
        "created_at",
        "last_used_at",
    ]
    list_filter = ["is_active"]
    search_fields = ["name", "contact_email", "key_prefix"]
    # The hash is never shown; the prefix tells keys apart.
    fields = [
        "name",
        "contact_email",
        "requests_per_hour",
        "is_active",
        "key_prefix",
        "created_at",
        "last_used_at",
    ]
    readonly_fields = ["key_prefix", "created_at", "last_used_at"]
    actions = ["activate", "deactivate", "rotate_keys"]

    def has_delete_permission(self, request, obj=None) -> bool:
        # Reports keep the client they came from; deactivate a client instead.
        return False

    def get_urls(self):
        own = [
            path(
                "<int:pk>/neuer-schluessel/",
                self.admin_site.admin_view(self.rotate_view),
                name="defects_apiclient_rotate",
            )
        ]
        return own + super().get_urls()

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and self.has_change_permission(request, obj):
            context["rotate_url"] = reverse("admin:defects_apiclient_rotate", args=[obj.pk])
        return super().render_change_form(request, context, add, change, form_url, obj)

    def key_page(self, request: HttpRequest, issued: list[tuple[ApiClient, str]]) -> HttpResponse:
        """The only place a key is ever shown: the answer to creating or rotating it."""
        context = {
            **self.admin_site.each_context(request),
            "title": ngettext("Neuer API-Schlüssel", "Neue API-Schlüssel", len(issued)),
            "subtitle": None,
            "opts": self.model._meta,
            "issued": issued,
            "changelist_url": _changelist_url(),
        }
        return TemplateResponse(request, "admin/defects/apiclient/key_shown.html", context)

    def add_view(self, request, form_url="", extra_context=None):
        """Register a client through `create_api_client` and show its key once."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ApiClientCreateForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                client, raw_key = keys.create_api_client(**form.cleaned_data)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                self.log_addition(request, client, [{"added": {}}])
                return self.key_page(request, [(client, raw_key)])
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "title": _t("Open311-Zugang anlegen"),
            "subtitle": None,
            "opts": opts,
            "form": form,
            "adminform": helpers.AdminForm(form, [(None, {"fields": list(form.fields)})], {}),
            "media": self.media + form.media,
            "changelist_url": _changelist_url(),
        }
        return TemplateResponse(request, "admin/entry_form.html", context)

    def rotate_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        client = get_object_or_404(ApiClient, pk=pk)
        if not self.has_change_permission(request, client):
            raise PermissionDenied
        if request.method == "POST":
            raw_key = keys.rotate_key(client)
            self.log_change(request, client, [{"changed": {"fields": ["key"]}}])
            return self.key_page(request, [(client, raw_key)])
        context = {
            **self.admin_site.each_context(request),
            "title": _t("Neuen Schlüssel erzeugen"),
            "subtitle": str(client),
            "opts": self.model._meta,
            "client": client,
            "changelist_url": _changelist_url(),
        }
        return TemplateResponse(request, "admin/defects/apiclient/rotate_confirm.html", context)

    @admin.action(description=_("Aktivieren"), permissions=["change"])
    def activate(self, request, queryset):
        self._set_active(request, queryset, active=True)

    @admin.action(
        description=_("Deaktivieren (Schlüssel gilt sofort nicht mehr)"), permissions=["change"]
    )
    def deactivate(self, request, queryset):
        self._set_active(request, queryset, active=False)

    def _set_active(self, request, queryset, *, active: bool) -> None:
        changed = 0
        for client in queryset.exclude(is_active=active):
            client.is_active = active
            client.save(update_fields=["is_active"])
            self.log_change(request, client, [{"changed": {"fields": ["is_active"]}}])
            changed += 1
        message = (
            ngettext("%(count)d Zugang aktiviert.", "%(count)d Zugänge aktiviert.", changed)
            if active
            else ngettext(
                "%(count)d Zugang deaktiviert.", "%(count)d Zugänge deaktiviert.", changed
            )
        )
        messages.success(request, message % {"count": changed})

    @admin.action(description=_("Neue Schlüssel erzeugen"), permissions=["change"])
    def rotate_keys(self, request, queryset):
        form, page = action_form(
            self,
            request,
            queryset,
            RotateKeysForm,
            title=_t("Neue Schlüssel erzeugen"),
            submit_label=_t("Neue Schlüssel erzeugen"),
        )
        if form is None:
            return page
        issued = []
        for client in queryset:
            issued.append((client, keys.rotate_key(client)))
            self.log_change(request, client, [{"changed": {"fields": ["key"]}}])
        return self.key_page(request, issued)
