"""The public pages of participation processes: the list and one process with its timeline."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_safe

from lohmar_portal.cache import cache_public_page

from .. import roadmap_selectors as selectors


@require_safe
@cache_public_page
def process_list(request: HttpRequest) -> HttpResponse:
    return render(request, "ideas/process_list.html", {"summaries": selectors.public_processes()})


@require_safe
@cache_public_page
def process_detail(request: HttpRequest, slug: str) -> HttpResponse:
    process = selectors.public_process(slug=slug)
    if process is None:
        raise Http404
    return render(
        request,
        "ideas/process_detail.html",
        {
            "process": process,
            "steps": selectors.process_timeline(process),
            "figures": selectors.process_figures(process),
        },
    )


urlpatterns = [
    path("beteiligung/", process_list, name="process_list"),
    path("beteiligung/<slug:slug>/", process_detail, name="process_detail"),
]
