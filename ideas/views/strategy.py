from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from .. import selectors


def vision(request: HttpRequest) -> HttpResponse:
    current = selectors.current_vision()
    if current is None:
        raise Http404
    return render(request, "ideas/vision_detail.html", {"vision": current})


def pillar_detail(request: HttpRequest, slug: str) -> HttpResponse:
    pillar = selectors.published_pillar(slug=slug)
    if pillar is None:
        raise Http404
    return render(request, "ideas/pillar_detail.html", {"pillar": pillar})
