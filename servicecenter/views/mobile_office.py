"""The Mobile Bürgerbüro: the public schedule with its iCalendar feed, a stop's slots, booking,
the person's appointment page and cancellation link, and the staff's day view.

Public pages never show who booked: a booked slot is "vergeben", nothing more. Views are
adapters around `servicecenter.booking`; a service's refusal becomes the form's message.
"""

from datetime import date, timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from lohmar_portal import ratelimit
from lohmar_portal.cache import cache_public_page
from lohmar_portal.forms import add_service_errors
from lohmar_portal.pagination import CappedPaginator

from .. import booking, ical
from ..forms_booking import BookingForm, StaffBookingForm, StaffCancelForm
from ..models import Appointment, MobileOfficeStop
from ..permissions import is_agent
from .staff_access import staff_required

PER_PAGE = 30
# The feed lists this many coming stops at most (a year of weekly stops in every district).
FEED_LIMIT = 500
HOUR = 3600


def bookings_per_hour() -> int:
    """Bookings one person (account, else address) may make per hour."""
    return getattr(settings, "SERVICECENTER_BOOKINGS_PER_HOUR", 5)


def _public_stop(pk: int) -> MobileOfficeStop:
    return get_object_or_404(
        MobileOfficeStop.objects.select_related("district"), pk=pk, is_published=True
    )


# --- Public schedule ----------------------------------------------------------------------------


@require_safe
@cache_public_page
def schedule(request: HttpRequest) -> HttpResponse:
    """Coming stops with their services and free slots; cancelled ones are marked."""
    now = timezone.now()
    page = CappedPaginator(
        booking.upcoming_stops(now), PER_PAGE, count_key="mobile-office-schedule"
    ).get_page(request.GET.get("seite"))
    stops = list(page.object_list)
    slots = booking.slots_for_stops(stops, now=now)
    entries = [
        {
            "stop": stop,
            "free": sum(1 for slot in slots[stop.pk] if slot.bookable),
            "total": len(slots[stop.pk]),
            "start": booking.stop_window(stop)[0],
        }
        for stop in stops
    ]
    return render(
        request, "servicecenter/mobile_office/schedule.html", {"page": page, "entries": entries}
    )


@require_safe
@cache_public_page(for_everyone=True)
def schedule_ics(request: HttpRequest) -> HttpResponse:
    """The schedule as an iCalendar feed to subscribe to."""
    stops = booking.upcoming_stops()[:FEED_LIMIT]
    response = HttpResponse(
        ical.schedule_calendar(stops), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="mobiles-buergerbuero.ics"'
    return response


@require_safe
@cache_public_page
def stop_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A stop and its slots: free ones link to the booking, booked ones say "vergeben"."""
    stop = _public_stop(pk)
    now = timezone.now()
    slots = booking.slots(stop, now=now)
    return render(
        request,
        "servicecenter/mobile_office/stop.html",
        {
            "stop": stop,
            "slots": slots,
            "free": sum(1 for slot in slots if slot.bookable),
            "over": booking.is_over(stop, now),
        },
    )


# --- Booking ------------------------------------------------------------------------------------


def _slot_problem(
    stop: MobileOfficeStop, starts_at, *, check_free: bool = True
) -> tuple[str, int] | None:
    """Why the link's slot cannot be booked (message and status), or None.

    A POST skips the "already booked" look-up: the unique index decides, and the form comes
    back with the message (`SlotTaken`), whatever the person entered kept.
    """
    if starts_at is None:
        return _("Bitte wählen Sie einen Termin aus der Liste."), 400
    try:
        booking.check_slot(stop, starts_at)
    except ValidationError as error:
        return " ".join(error.messages), 400
    if check_free and not booking.is_free(stop, starts_at):
        return _("Dieser Termin ist schon vergeben. Bitte wählen Sie einen anderen."), 409
    return None


def _initial(request: HttpRequest) -> dict:
    user = request.user
    if not user.is_authenticated:
        return {}
    return {"name": user.real_name or user.display_name}


@never_cache
def book(request: HttpRequest, pk: int) -> HttpResponse:
    """Book the slot `?zeit=` of a stop: with the account, or with a name and an e-mail."""
    stop = _public_stop(pk)
    starts_at = booking.parse_slot(stop, request.GET.get("zeit"))
    logged_in = request.user.is_authenticated
    problem = _slot_problem(stop, starts_at, check_free=request.method != "POST")
    if problem is not None:
        message, status = problem
        return render(
            request,
            "servicecenter/mobile_office/slot_unavailable.html",
            {"stop": stop, "message": message},
            status=status,
        )
    form = BookingForm(
        request.POST or None, stop=stop, with_email=not logged_in, initial=_initial(request)
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            if not ratelimit.hit(
                f"servicecenter:booking:{ratelimit.person_key(request)}", bookings_per_hour(), HOUR
            ):
                form.add_error(
                    None,
                    _(
                        "Sie haben in der letzten Stunde sehr viele Termine gebucht. Bitte "
                        "versuchen Sie es später noch einmal oder rufen Sie uns an."
                    ),
                )
                response = _render_booking(request, stop, starts_at, form, status=429)
                response["Retry-After"] = str(ratelimit.retry_after(HOUR))
                return response
            data = form.cleaned_data
            try:
                appointment = booking.book(
                    stop=stop,
                    starts_at=starts_at,
                    actor=request.user if logged_in else None,
                    name=data["name"],
                    email=data.get("email", ""),
                    phone=data["phone"],
                    concern=data["concern"],
                )
            except booking.SlotTaken as error:
                add_service_errors(form, error)
                status = 409
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return redirect(
                    "servicecenter:appointment",
                    pk=appointment.pk,
                    token=appointment.cancel_token,
                )
    return _render_booking(request, stop, starts_at, form, status=status)


def _render_booking(request, stop, starts_at, form, *, status: int) -> HttpResponse:
    return render(
        request,
        "servicecenter/mobile_office/book.html",
        {
            "stop": stop,
            "starts_at": timezone.localtime(starts_at),
            "ends_at": timezone.localtime(starts_at + timedelta(minutes=stop.slot_minutes)),
            "form": form,
            "zeit": timezone.localtime(starts_at).strftime("%Y-%m-%dT%H:%M"),
        },
        status=status,
    )


# --- The person's appointment (secret link) -----------------------------------------------------


def _appointment_for_link(pk: int, token: str) -> Appointment:
    appointment = Appointment.objects.select_related("stop__district").filter(pk=pk).first()
    if appointment is None or not booking.token_matches(appointment, token):
        raise Http404
    return appointment


def _appointment_context(appointment: Appointment) -> dict:
    kwargs = {"pk": appointment.pk, "token": appointment.cancel_token}
    start = timezone.localtime(appointment.starts_at)
    return {
        "appointment": appointment,
        "stop": appointment.stop,
        "starts_at": start,
        "ends_at": start + timedelta(minutes=appointment.stop.slot_minutes),
        "is_cancelled": appointment.status == Appointment.Status.CANCELLED,
        "is_past": appointment.starts_at <= timezone.now(),
        "cancel_url": reverse("servicecenter:cancel_appointment", kwargs=kwargs),
        "ics_url": reverse("servicecenter:appointment_ics", kwargs=kwargs),
        "email": booking.notify_address(appointment),
    }


@require_safe
@never_cache
def appointment_detail(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """The booking's confirmation page; the e-mail links here too."""
    appointment = _appointment_for_link(pk, token)
    return render(
        request,
        "servicecenter/mobile_office/appointment.html",
        _appointment_context(appointment),
    )


@require_safe
@never_cache
def appointment_ics(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    appointment = _appointment_for_link(pk, token)
    response = HttpResponse(
        ical.appointment_calendar(appointment), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="termin.ics"'
    return response


@never_cache
def cancel_appointment(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """GET asks, POST cancels. Cancelling twice changes nothing; a wrong token is not found."""
    appointment = _appointment_for_link(pk, token)
    status = 200
    error = ""
    if request.method == "POST":
        try:
            booking.cancel(appointment=appointment, actor=request.user, token=token)
        except ValidationError as refusal:
            error, status = " ".join(refusal.messages), 400
        except PermissionDenied:  # the token was checked above; kept for safety
            raise Http404 from None
        else:
            return redirect("servicecenter:cancel_appointment", pk=pk, token=token)
    return render(
        request,
        "servicecenter/mobile_office/cancel.html",
        {**_appointment_context(appointment), "error": error},
        status=status,
    )


# --- Staff: the day view ------------------------------------------------------------------------


def _require_office_staff(request: HttpRequest) -> None:
    """Beyond `staff_required`: only the Bürgerbüro's people (others: not found)."""
    if not booking.can_manage_mobile_office(request.user):
        raise Http404


def _parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Http404 from None


@require_safe
@staff_required
def day_today(request: HttpRequest) -> HttpResponse:
    _require_office_staff(request)
    chosen = request.GET.get("tag", "")
    day = timezone.localdate()
    if chosen:
        try:
            day = date.fromisoformat(chosen)
        except ValueError:
            messages.error(request, _("Bitte geben Sie ein gültiges Datum an."))
    return redirect("servicecenter:mobile_office_day", day=day.isoformat())


@require_safe
@staff_required
def day_view(request: HttpRequest, day: str) -> HttpResponse:
    """Every stop of a day with every slot and who booked it; printable."""
    _require_office_staff(request)
    current = _parse_day(day)
    stops = list(booking.stops_on(current))
    slots = booking.slots_for_stops(stops, with_appointments=True)
    quick_entry_url = ""
    if is_agent(request.user):  # the quick entry is for first-level agents
        try:
            quick_entry_url = reverse("servicecenter:quick_entry") + "?channel=mobile_office"
        except NoReverseMatch:  # the staff pages' module; without it, no link
            quick_entry_url = ""
    return render(
        request,
        "servicecenter/mobile_office/day.html",
        {
            "day": current,
            "previous_day": current - timedelta(days=1),
            "next_day": current + timedelta(days=1),
            "entries": [
                {
                    "stop": stop,
                    "slots": slots[stop.pk],
                    "booked": sum(1 for slot in slots[stop.pk] if not slot.free),
                }
                for stop in stops
            ],
            "cancel_form": StaffCancelForm(),
            "quick_entry_url": quick_entry_url,
            "now": timezone.now(),
        },
    )


def _back_to_day(request: HttpRequest, day: date) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("servicecenter:mobile_office_day", day=day.isoformat())


@staff_required
@require_POST
def staff_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Termin absagen" in the day view: the person gets an e-mail with the reason."""
    _require_office_staff(request)
    appointment = get_object_or_404(Appointment.objects.select_related("stop"), pk=pk)
    form = StaffCancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        booking.cancel(appointment=appointment, actor=request.user, reason=reason)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(
            request,
            _("Der Termin um %(time)s Uhr ist abgesagt.")
            % {"time": timezone.localtime(appointment.starts_at).strftime("%H:%M")},
        )
    return _back_to_day(request, appointment.stop.date)


@staff_required
def staff_book(request: HttpRequest, pk: int) -> HttpResponse:
    """Enter a booking for a caller or a walk-in (a phone number suffices)."""
    _require_office_staff(request)
    stop = get_object_or_404(MobileOfficeStop.objects.select_related("district"), pk=pk)
    starts_at = booking.parse_slot(stop, request.GET.get("zeit"))
    problem = _slot_problem(stop, starts_at, check_free=request.method != "POST")
    if problem is not None:
        messages.error(request, problem[0])
        return redirect("servicecenter:mobile_office_day", day=stop.date.isoformat())
    form = StaffBookingForm(request.POST or None, stop=stop)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                booking.book(
                    stop=stop,
                    starts_at=starts_at,
                    actor=request.user,
                    name=data["name"],
                    email=data["email"],
                    phone=data["phone"],
                    concern=data["concern"],
                    on_behalf=True,
                )
            except booking.SlotTaken as error:
                add_service_errors(form, error)
                status = 409
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Der Termin um %(time)s Uhr ist eingetragen.")
                    % {"time": timezone.localtime(starts_at).strftime("%H:%M")},
                )
                return redirect("servicecenter:mobile_office_day", day=stop.date.isoformat())
    return render(
        request,
        "servicecenter/mobile_office/staff_book.html",
        {
            "stop": stop,
            "starts_at": timezone.localtime(starts_at),
            "form": form,
            "zeit": timezone.localtime(starts_at).strftime("%Y-%m-%dT%H:%M"),
        },
        status=status,
    )


urlpatterns = [
    path("buergerbuero-mobil/", schedule, name="schedule"),
    path("buergerbuero-mobil/termine.ics", schedule_ics, name="schedule_ics"),
    path("buergerbuero-mobil/<int:pk>/", stop_detail, name="stop"),
    path("buergerbuero-mobil/<int:pk>/buchen/", book, name="book"),
    path(
        "buergerbuero-mobil/termin/<int:pk>/absagen/<str:token>/",
        cancel_appointment,
        name="cancel_appointment",
    ),
    path(
        "buergerbuero-mobil/termin/<int:pk>/<str:token>/termin.ics",
        appointment_ics,
        name="appointment_ics",
    ),
    path(
        "buergerbuero-mobil/termin/<int:pk>/<str:token>/",
        appointment_detail,
        name="appointment",
    ),
    # Not ".../buergerbuero/" alone: the staff pages' "service/arbeitsplatz/<reference>/" comes
    # first in servicecenter/urls.py and would take it for a ticket.
    path("service/arbeitsplatz/buergerbuero/heute/", day_today, name="mobile_office_today"),
    path(
        "service/arbeitsplatz/buergerbuero/termin/<int:pk>/absagen/",
        staff_cancel,
        name="mobile_office_cancel",
    ),
    path(
        "service/arbeitsplatz/buergerbuero/halt/<int:pk>/eintragen/",
        staff_book,
        name="mobile_office_book",
    ),
    path("service/arbeitsplatz/buergerbuero/<str:day>/", day_view, name="mobile_office_day"),
]
