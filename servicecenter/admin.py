"""The service center in the admin: tickets read-mostly for supervisors, service levels, closing
days. Tickets are worked on the staff pages (servicecenter:staff_ticket), where every change goes
through the services; the admin lists, filters and links there.

The knowledge base and the mobile office have their own modules, imported at the end.
"""

from django.conf import settings
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from lohmar_portal.pagination import CappedPaginator

from .models import ClosingDay, Message, SlaPolicy, Ticket, TicketEvent
from .permissions import can_work_ticket, can_work_tickets, tickets_for_staff
from .selectors import breached
from .sla import public_holidays


def workspace_link(ticket: Ticket) -> str:
    url = reverse("servicecenter:staff_ticket", kwargs={"reference": ticket.reference})
    return format_html('<a href="{}">{}</a>', url, _("Im Arbeitsplatz öffnen"))


class ReadOnlyInline(admin.TabularInline):
    """History is kept, never edited: no adding, changing or deleting here."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_view_permission(self, request, obj=None) -> bool:
        # Whoever may see the ticket (`obj`) sees its thread and history.
        if obj is None:
            return can_work_tickets(request.user)
        return can_work_ticket(request.user, obj)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class MessageInline(ReadOnlyInline):
    model = Message
    fields = ["created_at", "kind", "author", "channel", "text", "article"]
    readonly_fields = fields
    verbose_name_plural = _("Nachrichten und interne Notizen")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author", "article")


class TicketEventInline(ReadOnlyInline):
    model = TicketEvent
    fields = ["created_at", "actor", "kind", "detail"]
    readonly_fields = fields
    verbose_name_plural = _("Verlauf (wer, was, wann)")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class BreachedFilter(admin.SimpleListFilter):
    title = _("Servicelevel")
    parameter_name = "servicelevel"

    def lookups(self, request, model_admin):
        return [
            ("ueberfaellig", _("überfällig oder eskaliert")),
            ("eskaliert", _("eskaliert")),
        ]

    def queryset(self, request, queryset):
        open_tickets = queryset.exclude(status__in=Ticket.DONE)
        if self.value() == "ueberfaellig":
            return open_tickets.filter(breached(timezone.now()))
        if self.value() == "eskaliert":
            return open_tickets.filter(escalated_at__isnull=False)
        return queryset


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Read-only: supervisors look and filter; the work happens on the staff pages."""

    list_display = [
        "reference",
        "subject",
        "status",
        "priority",
        "channel",
        "department",
        "agent",
        "resolution_due",
        "late",
        "workspace",
    ]
    list_filter = [
        BreachedFilter,
        "status",
        "channel",
        "priority",
        "department",
        "life_situation",
        "resolved_at_first_contact",
        "was_forwarded",
        "created_at",
    ]
    search_fields = ["=reference", "subject", "contact_name", "contact_email", "contact_phone"]
    paginator = CappedPaginator
    show_full_result_count = False
    list_per_page = 50
    change_list_template = "servicecenter/staff/admin_ticket_change_list.html"
    inlines = [MessageInline, TicketEventInline]
    fieldsets = [
        (
            _("Anliegen"),
            {
                "fields": [
                    "workspace",
                    "reference",
                    "subject",
                    "channel",
                    "status",
                    "priority",
                    "life_situation",
                    "created_at",
                ]
            },
        ),
        (_("Kontakt"), {"fields": ["citizen", "contact_name", "contact_email", "contact_phone"]}),
        (
            _("Bearbeitung"),
            {
                "fields": [
                    "entered_by",
                    "agent",
                    "department",
                    "forward_reason",
                    "was_forwarded",
                    "resolved_at_first_contact",
                    "resolved_at",
                ]
            },
        ),
        (
            _("Servicelevel"),
            {
                "fields": [
                    "first_response_due",
                    "first_response_at",
                    "resolution_due",
                    "waiting_since",
                    "escalated_at",
                ]
            },
        ),
    ]

    def get_queryset(self, request):
        queryset = (
            super().get_queryset(request).select_related("life_situation", "department", "agent")
        )
        return tickets_for_staff(request.user, queryset)

    def get_readonly_fields(self, request, obj=None):
        return [field for fieldset in self.fieldsets for field in fieldset[1]["fields"]]

    # Supervisors with the model's view permission, and everybody who has a queue.
    def has_module_permission(self, request) -> bool:
        return super().has_module_permission(request) or can_work_tickets(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        allowed = super().has_view_permission(request, obj) or can_work_tickets(request.user)
        return allowed and (obj is None or can_work_ticket(request.user, obj))

    def has_add_permission(self, request) -> bool:
        return False  # new tickets: the quick entry (servicecenter:quick_entry)

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # contact data go by erase_old_contacts; the history stays

    @admin.display(description=_("Arbeitsplatz"))
    def workspace(self, ticket: Ticket) -> str:
        return workspace_link(ticket)

    @admin.display(description=_("überfällig"), boolean=True)
    def late(self, ticket: Ticket) -> bool:
        return ticket.is_breached() or (ticket.escalated_at is not None and not ticket.is_done)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "priority", "life_situation", "first_response", "resolution"]
    list_filter = ["priority", "life_situation"]
    list_select_related = ["life_situation"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "priority",
                    "life_situation",
                    "first_response_minutes",
                    "resolution_minutes",
                ],
                "description": _(
                    "Ziele in Arbeitsminuten (Öffnungszeiten, ohne Wochenenden, Feiertage und "
                    "Schließtage): 600 Minuten sind ein Arbeitstag von 8 bis 18 Uhr. Ein "
                    "Servicelevel für eine Lebenslage geht dem für eine Priorität vor. "
                    "Änderungen gelten für neue Anliegen und für Anliegen, deren Priorität oder "
                    "Lebenslage danach geändert wird."
                ),
            },
        )
    ]

    @admin.display(description=_("Erste Antwort"), ordering="first_response_minutes")
    def first_response(self, policy: SlaPolicy) -> str:
        return _hours(policy.first_response_minutes)

    @admin.display(description=_("Erledigung"), ordering="resolution_minutes")
    def resolution(self, policy: SlaPolicy) -> str:
        return _hours(policy.resolution_minutes)


def _hours(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if rest:
        return _("%(h)d Std. %(m)d Min.") % {"h": hours, "m": rest}
    return _("%(h)d Std.") % {"h": hours}


@admin.register(ClosingDay)
class ClosingDayAdmin(admin.ModelAdmin):
    """The city's own closing days; NRW's public holidays are skipped without an entry."""

    list_display = ["date", "name"]
    date_hierarchy = "date"
    search_fields = ["name"]
    change_list_template = "servicecenter/staff/admin_closingday_change_list.html"

    def changelist_view(self, request, extra_context=None):
        year = timezone.localdate().year
        region = settings.SERVICECENTER_HOLIDAY_REGION
        holidays = [
            (day, name)
            for current in (year, year + 1)
            for day, name in sorted(public_holidays(current, region).items())
        ]
        extra_context = {
            **(extra_context or {}),
            "public_holidays": holidays,
            "years": (year, year + 1),
        }
        return super().changelist_view(request, extra_context=extra_context)


# The knowledge base and the mobile office register their own admins.
from . import admin_knowledge, admin_mobile_office  # noqa: E402, F401
