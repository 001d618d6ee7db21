"""Export files: staff download their jobs' files; everybody downloads the open data.

Files are never at a public media URL; every download goes through one of these views.
"""

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.views.decorators.http import require_safe

from ..exports import conf, storage
from ..exports.permissions import can_download_export
from ..models import DossierExport

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}


def _file_response(export: DossierExport, fmt: str) -> FileResponse:
    name = export.files.get(fmt) if export.state == DossierExport.State.READY else None
    if not name:
        raise Http404
    try:
        handle = storage.path_of(export.pk, name).open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=name, content_type=CONTENT_TYPES[fmt]
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def export_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """A job's file, for staff who may view exports and passed the admin's login (with MFA)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not (admin.site.has_permission(request) and can_download_export(request.user)):
        raise PermissionDenied
    return _file_response(get_object_or_404(DossierExport, pk=pk), fmt)


def latest_open_data() -> DossierExport | None:
    return (
        DossierExport.objects.filter(
            kind=DossierExport.Kind.OPEN_DATA, state=DossierExport.State.READY
        )
        .order_by("-finished_at", "-pk")
        .first()
    )


@require_safe
def open_data(request: HttpRequest) -> HttpResponse:
    export = latest_open_data()
    files = []
    if export is not None:
        for fmt, name in export.files.items():
            path = storage.path_of(export.pk, name)
            if path.exists():
                files.append({"format": fmt, "name": name, "size": path.stat().st_size})
    licence, licence_url = conf.open_data_licence()
    return render(
        request,
        "ideas/exports/open_data.html",
        {"export": export, "files": files, "licence": licence, "licence_url": licence_url},
    )


@require_safe
def open_data_download(request: HttpRequest, fmt: str) -> HttpResponse:
    export = latest_open_data()
    if export is None:
        raise Http404
    response = _file_response(export, fmt)
    response["Cache-Control"] = "public, max-age=3600"
    return response


urlpatterns = [
    path("exporte/<int:pk>/<str:fmt>/", export_download, name="export_download"),
    path("offene-daten/", open_data, name="open_data"),
    path("offene-daten/<str:fmt>/", open_data_download, name="open_data_download"),
]
