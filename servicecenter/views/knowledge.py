"""The public FAQ: life situations, their articles, one article, and the search.

Only public articles appear; a draft or internal article is "not found". Every page is the
same for everybody and cached per content version.
"""

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from lohmar_portal.cache import cache_public_page

from .. import knowledge


def optional_url(name: str) -> str | None:
    """A page of another part of the service center, if it is installed (else no link)."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def contact_links() -> dict[str, str | None]:
    """Where "Frage stellen" and the mobile office's schedule lead."""
    return {
        "ticket_create_url": optional_url("servicecenter:ticket_create"),
        "schedule_url": optional_url("servicecenter:schedule"),
    }


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Suchbegriff"),
        required=False,
        max_length=knowledge.MAX_QUERY_LENGTH,
        error_messages={
            "max_length": _("Bitte geben Sie höchstens %(limit_value)d Zeichen ein."),
        },
        help_text=_("Zum Beispiel „Personalausweis“, „Umzug“ oder „Sperrmüll“."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


@require_safe
@cache_public_page
def index(request: HttpRequest) -> HttpResponse:
    """The service center's promise, the search and the life situations."""
    context = {
        "intro": knowledge.intro_article(),
        "life_situations": knowledge.life_situations(),
        "form": SearchForm(),
        **contact_links(),
    }
    return render(request, "servicecenter/knowledge/index.html", context)


@require_safe
@cache_public_page
def life_situation(request: HttpRequest, slug: str) -> HttpResponse:
    situation = knowledge.life_situation(slug)
    if situation is None:
        raise Http404
    context = {
        "situation": situation,
        "articles": knowledge.public_articles_of(situation),
        "departments": knowledge.departments_of(situation),
        **contact_links(),
    }
    return render(request, "servicecenter/knowledge/life_situation.html", context)


@require_safe
@cache_public_page
def article(request: HttpRequest, slug: str) -> HttpResponse:
    found = knowledge.public_article(slug)
    if found is None:
        raise Http404
    context = {
        "article": found,
        "life_situations": list(found.life_situations.all()),
        "related": knowledge.related_articles(found),
        **contact_links(),
    }
    return render(request, "servicecenter/knowledge/article.html", context)


@require_safe
@cache_public_page
def search(request: HttpRequest) -> HttpResponse:
    """Public articles for the words asked; an empty query asks for words, a long one is refused."""
    form = SearchForm(request.GET)
    query, results, status = "", [], 200
    if form.is_valid():
        query = knowledge.normalise_query(form.cleaned_data["q"])
        results = knowledge.search_public(query) if query else []
    else:
        status = 400
    context = {
        "form": form,
        "query": query,
        "results": results,
        "limit": knowledge.SEARCH_LIMIT,
        **contact_links(),
    }
    return render(request, "servicecenter/knowledge/search.html", context, status=status)


urlpatterns = [
    path("service/", index, name="index"),
    path("service/suche/", search, name="search"),
    path("service/lebenslagen/<slug:slug>/", life_situation, name="life_situation"),
    path("service/wissen/<slug:slug>/", article, name="article"),
]
