"""Reporting a defect: the form (with or without the map, with or without an account), the
open reports nearby that the person may support instead ("Ich auch"), the thanks page, and the
links from the confirmation e-mails.

Views are adapters: they read what the page shows, write through the services, and turn a
ValidationError into the form's errors (400). Writes without an account make cached public
pages stale themselves (the middleware does that only for signed-in people).
"""

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_safe

from lohmar_portal import ratelimit
from lohmar_portal.cache import bump_content_version, cache_public_page
from lohmar_portal.forms import add_service_errors
from lohmar_portal.templatetags.maps import city_boundary

from .. import services
from ..forms import DefectReportForm, NearbyForm, SupportForm, max_photo_megabytes
from ..models import DefectReport, Support, hash_token
from ..uploads import SizeLimitedUploadHandler

Status = DefectReport.Status
THANKS_SALT = "defects.report-thanks"
# The thanks page's link lives as long as anybody would reload it.
THANKS_MAX_AGE = 24 * 3600
HOUR = 3600
# A service error's key → the form field that shows it.
ERROR_FIELDS = {
    "photos": "photo_1",
    "reporter_email": "email",
    "reporter_name": "name",
    "reporter_phone": "phone",
}


def reports_per_hour() -> int:
    """How many reports one person (account, else address) may file per hour."""
    return getattr(settings, "DEFECTS_REPORTS_PER_HOUR", 20)


def supports_per_hour() -> int:
    return getattr(settings, "DEFECTS_SUPPORTS_PER_HOUR", 30)


def _after_anonymous_write(request: HttpRequest) -> None:
    # The middleware bumps the content version only for signed-in people's writes.
    if not request.user.is_authenticated:
        transaction.on_commit(bump_content_version)


# --- The form -----------------------------------------------------------------------------------


def boundary_name() -> str:
    """The outline's own name (the demo's says it is an approximation), for the form's hint."""
    data = city_boundary()
    for feature in data.get("features", [data]):
        name = (feature.get("properties") or {}).get("name")
        if name:
            return name
    return ""


def _form_context(request: HttpRequest, form: DefectReportForm) -> dict:
    return {
        "boundary_name": boundary_name(),
        "form": form,
        "anonymous": not request.user.is_authenticated,
        "radius_m": settings.DEFECTS_DUPLICATE_RADIUS_M,
        "max_photo_bytes": settings.DEFECTS_MAX_PHOTO_BYTES,
        "max_photo_megabytes": max_photo_megabytes(),
        "confirmation_days": settings.DEFECTS_CONFIRMATION_DAYS,
        "city_name": settings.PORTAL_CITY_NAME,
    }


def _render_form(request: HttpRequest, form: DefectReportForm, status: int = 200):
    return render(request, "defects/report_form.html", _form_context(request, form), status=status)


@csrf_exempt  # checked by _report_create; the upload handler must be set before the body is read
def report_create(request: HttpRequest) -> HttpResponse:
    """Report a defect. The CSRF check reads the body, so it runs after the size limit is set."""
    if request.method == "POST":
        request.upload_handlers = [
            SizeLimitedUploadHandler(request, max_bytes=settings.DEFECTS_MAX_PHOTO_BYTES),
            *request.upload_handlers,
        ]
    return _report_create(request)


@never_cache
@csrf_protect
def _report_create(request: HttpRequest) -> HttpResponse:
    anonymous = not request.user.is_authenticated
    if request.method != "POST":
        return _render_form(request, DefectReportForm(anonymous=anonymous))
    if request.POST.get("aendern"):
        # "Angaben ändern" on the page of nearby reports: back to the form, as entered.
        data = request.POST.copy()
        data.pop("duplicates_checked", None)
        return _render_form(request, DefectReportForm(data, anonymous=anonymous))
    form = DefectReportForm(request.POST, request.FILES, anonymous=anonymous)
    if not form.is_valid():
        return _render_form(request, form, status=400)
    data = form.cleaned_data
    if data["latitude"] is not None and not data["duplicates_checked"]:
        nearby = services.nearby_open_reports(
            category=data["category"], latitude=data["latitude"], longitude=data["longitude"]
        )
        if nearby:
            return render(
                request,
                "defects/report_duplicates.html",
                {
                    **_form_context(request, form),
                    "nearby": nearby,
                    "had_photos": bool(form.new_photos()),
                    "email": data.get("email", ""),
                },
            )
    if not ratelimit.hit(
        f"defects:report:{ratelimit.person_key(request)}", reports_per_hour(), HOUR
    ):
        form.add_error(
            None,
            _(
                "Sie haben in der letzten Stunde sehr viele Meldungen abgeschickt. Bitte "
                "versuchen Sie es später noch einmal oder rufen Sie uns an."
            ),
        )
        response = _render_form(request, form, status=429)
        response["Retry-After"] = str(ratelimit.retry_after(HOUR))
        return response
    try:
        report = services.submit_report(
            actor=None if anonymous else request.user,
            category=data["category"],
            description=data["description"],
            latitude=data["latitude"],
            longitude=data["longitude"],
            address=data["address"],
            district=data["district"],
            photos=form.new_photos(),
            email=data.get("email", ""),
            name=data.get("name", ""),
            phone=data.get("phone", ""),
        )
    except ValidationError as error:
        add_service_errors(form, error, ERROR_FIELDS)
        return _render_form(request, form, status=400)
    _after_anonymous_write(request)
    token = signing.dumps(report.reference, salt=THANKS_SALT)
    return redirect("defects:report_thanks", token=token)


@require_safe
@never_cache
def report_thanks(request: HttpRequest, token: str) -> HttpResponse:
    """After filing: the reference and what happens next (the link is signed, so nobody can
    look up other people's reports by guessing references here)."""
    try:
        reference = signing.loads(token, salt=THANKS_SALT, max_age=THANKS_MAX_AGE)
    except signing.BadSignature:
        raise Http404 from None
    report = (
        DefectReport.objects.select_related("category", "department")
        .filter(reference=reference)
        .first()
    )
    if report is None:
        raise Http404
    return render(
        request,
        "defects/report_thanks.html",
        {
            "report": report,
            "awaiting_confirmation": report.status == Status.SUBMITTED,
            "confirmation_days": settings.DEFECTS_CONFIRMATION_DAYS,
            "photo_count": report.photos.count(),
        },
    )


@require_safe
@cache_public_page(for_everyone=True)
def nearby_reports(request: HttpRequest) -> JsonResponse:
    """Open public reports of a category near a point, for the form's script (no personal data:
    the same fields the public report page shows)."""
    form = NearbyForm(request.GET)
    if not form.is_valid():
        errors = {field: [str(e) for e in errs] for field, errs in form.errors.items()}
        return JsonResponse(
            {"error": _("Kategorie und Ort fehlen oder sind ungültig."), "fields": errors},
            status=400,
        )
    data = form.cleaned_data
    radius = settings.DEFECTS_DUPLICATE_RADIUS_M
    reports = services.nearby_open_reports(
        category=data["kategorie"], latitude=data["lat"], longitude=data["lon"], radius_m=radius
    )
    return JsonResponse(
        {
            "radius_m": radius,
            "count": len(reports),
            "reports": [
                {
                    "reference": report.reference,
                    "category": report.category.name,
                    "status": report.status,
                    "status_display": report.get_status_display(),
                    "description": _excerpt(report.description),
                    "address": report.address,
                    "distance_m": round(report.distance),
                    "supporter_count": report.supporter_count,
                    "created_at": report.created_at.isoformat(),
                    "url": report.get_absolute_url(),
                    "support_url": reverse(
                        "defects:report_support", kwargs={"reference": report.reference}
                    ),
                }
                for report in reports
            ],
        }
    )


def _excerpt(text: str, length: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


# --- Confirmation links -------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the e-mail to a reporter without an account: the report goes public.

    Opening the link only shows the report with a button that posts back here: mail filters
    open the links in incoming e-mails to check them, and must not publish a report (or count
    an "Ich auch", below) that nobody confirmed.
    """
    before = (
        DefectReport.objects.select_related("category")
        .filter(confirmation_hash=hash_token(token))
        .first()
    )
    if request.method == "POST":
        report = services.confirm_report(token=token)
    elif before is not None and not (
        before.status == Status.SUBMITTED and services.confirmation_expired(before)
    ):
        report = before
    else:
        report = None
    if report is None:
        state, status = ("expired", 410) if before is not None else ("unknown", 404)
    elif before is not None and before.status != Status.SUBMITTED:
        state, status = "already", 200
    elif request.method != "POST":
        state, status = "ask", 200
    else:
        state, status = "confirmed", 200
        transaction.on_commit(bump_content_version)
    return render(
        request,
        "defects/report_confirm.html",
        {
            "state": state,
            "report": report,
            "confirmation_days": settings.DEFECTS_CONFIRMATION_DAYS,
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def confirm_support(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the e-mail to a supporter without an account: the "Ich auch" counts (by
    the button on the page, as above)."""
    before = (
        Support.objects.select_related("report__category")
        .filter(confirmation_hash=hash_token(token))
        .first()
    )
    support = services.confirm_support(token=token) if request.method == "POST" else before
    if support is None:
        state, status = "unknown", 404
    elif before is not None and before.confirmed_at is not None:
        state, status = "already", 200
    elif not services.can_be_supported(support.report):
        # Hidden by staff or done meanwhile: nothing of it is shown, nothing counts.
        state, status = "closed", 410
    elif request.method != "POST":
        state, status = "ask", 200
    else:
        state, status = "confirmed", 200
        transaction.on_commit(bump_content_version)
    return render(
        request,
        "defects/report_support_confirm.html",
        {"state": state, "report": support.report if support else None},
        status=status,
    )


# --- "Ich auch" ---------------------------------------------------------------------------------


def _supportable_report(reference: str) -> DefectReport:
    report = (
        DefectReport.objects.public().select_related("category").filter(reference=reference).first()
    )
    if report is None:
        raise Http404
    return report


@never_cache
def report_support(request: HttpRequest, reference: str) -> HttpResponse:
    """Say "Ich auch" to a report: with an account it counts at once; without, an e-mail
    address gets a confirmation link. GET shows the page with the form (the public report
    page links here for visitors, since a cached page must not carry a form)."""
    report = _supportable_report(reference)
    user = request.user
    # With an account there is nothing to enter: the form is just the button.
    form_class = Form if user.is_authenticated else SupportForm
    if request.method != "POST":
        return _render_support(request, report, form_class())
    form = form_class(request.POST)
    if not form.is_valid():
        return _render_support(request, report, form, status=400)
    if not ratelimit.hit(
        f"defects:support:{ratelimit.person_key(request)}", supports_per_hour(), HOUR
    ):
        form.add_error(None, _("Zu viele Anfragen. Bitte versuchen Sie es später noch einmal."))
        response = _render_support(request, report, form, status=429)
        response["Retry-After"] = str(ratelimit.retry_after(HOUR))
        return response
    already = user.is_authenticated and report.supports.filter(user=user).exists()
    try:
        services.support_report(
            report=report,
            actor=user if user.is_authenticated else None,
            email=form.cleaned_data.get("email", ""),
        )
    except ValidationError as error:
        add_service_errors(form, error, ERROR_FIELDS)
        return _render_support(request, report, form, status=400)
    _after_anonymous_write(request)
    if not user.is_authenticated:
        # The same words whether or not the address supports it already (no probing).
        messages.success(
            request,
            _(
                "Fast geschafft: Wir haben Ihnen eine E-Mail geschickt. Bitte bestätigen Sie "
                "Ihr „Ich auch“ über den Link darin; erst dann wird es gezählt."
            ),
        )
    elif already:
        messages.info(request, _("Sie unterstützen diese Meldung bereits."))
    else:
        messages.success(
            request,
            _(
                "Danke! Ihr „Ich auch“ wird gezählt. Sie erhalten eine E-Mail, wenn sich der "
                "Stand der Meldung ändert."
            ),
        )
    return redirect(report)


def _render_support(request: HttpRequest, report: DefectReport, form: Form, status: int = 200):
    return render(
        request,
        "defects/report_support.html",
        {
            "report": report,
            "form": form,
            "can_support": services.can_be_supported(report),
            "own_report": request.user.is_authenticated and report.reporter_id == request.user.pk,
        },
        status=status,
    )


urlpatterns = [
    path("maengel/melden/", report_create, name="report_create"),
    path("maengel/melden/in-der-naehe/", nearby_reports, name="report_nearby"),
    path("maengel/melden/danke/<str:token>/", report_thanks, name="report_thanks"),
    path("maengel/bestaetigen/<str:token>/", confirm, name="confirm"),
    path("maengel/ich-auch/bestaetigen/<str:token>/", confirm_support, name="confirm_support"),
    path("maengel/<str:reference>/ich-auch/", report_support, name="report_support"),
]
