from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from lohmar_portal.cache import cache_public_page

from .. import selectors

PILLAR_PROPOSALS = 10


@require_safe
@cache_public_page
def vision(request: HttpRequest) -> HttpResponse:
    current = selectors.current_vision()
    if current is None:
        raise Http404
    return render(request, "ideas/vision_detail.html", {"vision": current})


@require_safe
@cache_public_page
def pillar_detail(request: HttpRequest, slug: str) -> HttpResponse:
    pillar = selectors.published_pillar(slug=slug)
    if pillar is None:
        raise Http404
    proposals = selectors.proposals_for_listing(selectors.ProposalFilters(pillar=pillar))
    return render(
        request,
        "ideas/pillar_detail.html",
        {
            "pillar": pillar,
            "proposals": proposals[:PILLAR_PROPOSALS],
            "proposal_count": proposals.count(),
        },
    )
