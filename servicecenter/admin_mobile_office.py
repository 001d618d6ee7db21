"""The Mobile Bürgerbüro in the admin: stops with their booked appointments and counts.

Stops are planned here. Appointments are shown, not edited: booking and cancelling go through
`servicecenter.booking` (the day view, the admin action "Termin absagen"), so every change
sends its e-mail and keeps the slot promise. Imported by servicecenter/admin.py.
"""

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from participation.admin import action_form, run_each

from . import booking
from .forms_booking import CancelStopForm
from .models import Appointment, MobileOfficeStop

# Changing these would move booked appointments off the slot grid.
SCHEDULE_FIELDS = ["date", "starts_at", "ends_at", "slot_minutes"]


class AppointmentInline(admin.TabularInline):
    model = Appointment
    extra = 0
    can_delete = False
    fields = ["starts_at_local", "status", "name", "contact", "concern", "reminder_sent_at"]
    readonly_fields = fields
    ordering = ["starts_at", "pk"]
    verbose_name_plural = _("Gebuchte und abgesagte Termine")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("citizen")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Uhrzeit"))
    def starts_at_local(self, obj: Appointment) -> str:
        return timezone.localtime(obj.starts_at).strftime("%H:%M")

    @admin.display(description=_("Kontakt"))
    def contact(self, obj: Appointment) -> str:
        parts = [obj.citizen.email if obj.citizen_id else obj.email, obj.phone]
        return " · ".join(part for part in parts if part) or "–"


@admin.register(MobileOfficeStop)
class MobileOfficeStopAdmin(admin.ModelAdmin):
    list_display = [
        "date",
        "window",
        "district",
        "place",
        "booked_count",
        "free_count",
        "is_published",
        "is_cancelled",
    ]
    list_filter = ["is_published", "is_cancelled", "district", ("date", admin.DateFieldListFilter)]
    list_select_related = ["district"]
    search_fields = ["place", "address", "district__name"]
    date_hierarchy = "date"
    ordering = ["-date", "starts_at"]
    actions = ["cancel_stops"]
    inlines = [AppointmentInline]
    fields = [
        "district",
        "place",
        "address",
        *SCHEDULE_FIELDS,
        "services",
        "notes",
        "is_published",
        "is_cancelled",
        "day_view",
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(booked=Count("appointments", filter=Q(appointments__status="booked")))
        )

    def get_readonly_fields(self, request, obj=None):
        # A stop is called off with the action (it tells everybody booked), never by a tick.
        readonly = ["is_cancelled", "day_view"]
        if obj is not None and obj.appointments.filter(status=Appointment.Status.BOOKED).exists():
            readonly += SCHEDULE_FIELDS
        return readonly

    @admin.display(description=_("Zeit"))
    def window(self, obj: MobileOfficeStop) -> str:
        return f"{obj.starts_at:%H:%M}–{obj.ends_at:%H:%M}"

    @admin.display(description=_("gebucht"), ordering="booked")
    def booked_count(self, obj: MobileOfficeStop) -> int:
        return obj.booked

    @admin.display(description=_("Termine frei"))
    def free_count(self, obj: MobileOfficeStop) -> int:
        if obj.is_cancelled:
            return 0
        return max(len(booking.slot_starts(obj)) - obj.booked, 0)

    @admin.display(description=_("Tagesübersicht"))
    def day_view(self, obj: MobileOfficeStop) -> str:
        if obj.pk is None:
            return "–"
        from django.urls import reverse

        url = reverse("servicecenter:mobile_office_day", kwargs={"day": obj.date.isoformat()})
        return format_html('<a href="{}">{}</a>', url, _t("Tagesübersicht mit allen Terminen"))

    @admin.action(description=_("Termin absagen (alle Gebuchten bekommen eine E-Mail)"))
    def cancel_stops(self, request, queryset):
        form, page = action_form(
            self,
            request,
            queryset,
            CancelStopForm,
            title=_t("Termine des Mobilen Bürgerbüros absagen"),
            submit_label=_t("Absagen und alle Gebuchten benachrichtigen"),
        )
        if form is None:
            return page
        reason = form.cleaned_data["reason"]
        done = run_each(
            request,
            queryset,
            lambda stop: booking.cancel_stop(actor=request.user, stop=stop, reason=reason),
        )
        if done:
            messages.success(
                request,
                ngettext("%(count)d Termin abgesagt.", "%(count)d Termine abgesagt.", done)
                % {"count": done},
            )
        return None
