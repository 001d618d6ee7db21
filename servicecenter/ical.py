"""iCalendar (RFC 5545) for the Mobile Bürgerbüro: the public schedule as a feed, and one
booked appointment for the person's own calendar.

Times are local (Europe/Berlin) with the VTIMEZONE they refer to; UIDs are stable (the
row's primary key and the portal's host), so a calendar that subscribes to the feed updates
its events instead of duplicating them, and shows cancelled stops as cancelled.
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from .booking import stop_window
from .models import Appointment, MobileOfficeStop

PRODID = "-//Stadt Lohmar//Buergerportal Mobiles Buergerbuero//DE"


def _host() -> str:
    return urlsplit(settings.PORTAL_BASE_URL).hostname or "localhost"


def stop_uid(stop: MobileOfficeStop) -> str:
    return f"mobiles-buergerbuero-{stop.pk}@{_host()}"


def appointment_uid(appointment: Appointment) -> str:
    return f"termin-{appointment.pk}@{_host()}"


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    return calendar


def _local(moment: datetime) -> datetime:
    return timezone.localtime(moment, timezone.get_default_timezone())


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _location(stop: MobileOfficeStop) -> str:
    parts = [stop.place, stop.address, str(stop.district)]
    return ", ".join(part for part in parts if part)


def _services_text(stop: MobileOfficeStop) -> str:
    services = stop.service_list
    if not services:
        return ""
    return _("Angebotene Leistungen:") + "\n" + "\n".join(f"- {line}" for line in services)


def _finish(calendar: Calendar, days: list[date]) -> bytes:
    """Add the VTIMEZONE, its rules only for the years the events need (short files)."""
    if days:
        calendar.add_missing_timezones(
            first_date=date(min(days).year - 1, 1, 1), last_date=date(max(days).year + 2, 1, 1)
        )
    return calendar.to_ical()


def _stop_event(stop: MobileOfficeStop, stamp: datetime) -> Event:
    start, end = stop_window(stop)
    url = settings.PORTAL_BASE_URL + stop.get_absolute_url()
    event = Event()
    event.add("uid", stop_uid(stop))
    event.add("dtstamp", _utc(stamp))
    event.add("last-modified", _utc(stop.updated_at))
    event.add("dtstart", _local(start))
    event.add("dtend", _local(end))
    summary = _("Mobiles Bürgerbüro in %(district)s") % {"district": stop.district}
    if stop.is_cancelled:
        summary = _("Abgesagt: %(summary)s") % {"summary": summary}
    event.add("summary", summary)
    event.add("location", _location(stop))
    description = [_services_text(stop), stop.notes.strip()]
    if not stop.is_cancelled:
        description.append(_("Termin buchen: %(url)s") % {"url": url})
    event.add("description", "\n\n".join(part for part in description if part))
    event.add("url", url)
    event.add("status", "CANCELLED" if stop.is_cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT")
    return event


def schedule_calendar(stops: Iterable[MobileOfficeStop]) -> bytes:
    """The feed: one VEVENT per stop, cancelled ones with STATUS:CANCELLED."""
    calendar = _calendar(_("Mobiles Bürgerbüro %(city)s") % {"city": settings.PORTAL_CITY_NAME})
    stops = list(stops)
    # DTSTAMP from the data, not the clock: the same schedule gives the same bytes.
    for stop in stops:
        calendar.add_component(_stop_event(stop, stop.updated_at))
    return _finish(calendar, [stop.date for stop in stops])


def appointment_calendar(appointment: Appointment) -> bytes:
    """One booked (or cancelled) appointment, for the person's calendar."""
    stop = appointment.stop
    calendar = _calendar(_("Mein Termin im Mobilen Bürgerbüro"))
    event = Event()
    start = _local(appointment.starts_at)
    event.add("uid", appointment_uid(appointment))
    event.add("dtstamp", _utc(appointment.cancelled_at or appointment.created_at))
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=stop.slot_minutes))
    summary = _("Termin im Mobilen Bürgerbüro (%(district)s)") % {"district": stop.district}
    cancelled = appointment.status == Appointment.Status.CANCELLED
    if cancelled:
        summary = _("Abgesagt: %(summary)s") % {"summary": summary}
    event.add("summary", summary)
    event.add("location", _location(stop))
    description = [
        _("Ihr Anliegen: %(concern)s") % {"concern": appointment.concern}
        if appointment.concern
        else "",
        _("Bitte bringen Sie Ihren Personalausweis oder Reisepass mit."),
        stop.notes.strip(),
    ]
    event.add("description", "\n\n".join(part for part in description if part))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(event)
    return _finish(calendar, [stop.date])
