"""The public roadmap: Umsetzungsprojekte by pillar, and one project with its updates."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_safe

from lohmar_portal.cache import cache_public_page

from .. import roadmap_selectors as selectors


@require_safe
@cache_public_page
def roadmap(request: HttpRequest) -> HttpResponse:
    return render(request, "ideas/roadmap.html", {"groups": selectors.roadmap()})


@require_safe
@cache_public_page
def project_detail(request: HttpRequest, slug: str) -> HttpResponse:
    project = selectors.published_project(slug=slug)
    if project is None:
        raise Http404
    return render(request, "ideas/roadmapproject_detail.html", {"project": project})


urlpatterns = [
    path("roadmap/", roadmap, name="roadmap"),
    path("roadmap/<slug:slug>/", project_detail, name="project_detail"),
]
