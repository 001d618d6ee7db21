"""`{% sharedcache %}` with `{% personal %}` holes: shared once, personal for every request."""

from types import SimpleNamespace

import pytest
from django.template import Context, Engine, TemplateSyntaxError

ENGINE = Engine(libraries={"participation": "participation.templatetags.participation"})


def render(source: str, **context) -> str:
    return ENGINE.from_string("{% load participation %}" + source).render(Context(context))


def visitor(pk=None):
    return SimpleNamespace(pk=pk, is_authenticated=pk is not None)


PAGE = (
    "{% sharedcache 60 page version %}"
    "<h1>{{ title }}</h1>"
    "{% personal %}[{{ who }}]{% endpersonal %}"
    "{% for item in items %}<p>{{ item.text }} "
    "{% personal owner=item.author pk=item.pk %}edit {{ pk }}{% others %}report {{ item.pk }}"
    "{% endpersonal %}</p>{% endfor %}"
    "{% endsharedcache %}"
)
ITEMS = [{"pk": 1, "author": 7, "text": "eins"}, {"pk": 2, "author": 8, "text": "zwei"}]


def test_the_shared_part_is_rendered_once_per_key_and_the_holes_for_every_request():
    first = render(PAGE, version=1, title="Alt", who="Anna", items=ITEMS, user=visitor(7))
    second = render(PAGE, version=1, title="Neu", who="Bernd", items=[], user=visitor(8))
    assert first == "<h1>Alt</h1>[Anna]<p>eins edit 1</p><p>zwei report 2</p>"
    # Same key: the shared part (title, items) comes from the cache, the holes are Bernd's.
    assert second == "<h1>Alt</h1>[Bernd]<p>eins report 1</p><p>zwei edit 2</p>"
    # A new key (the content version after a write) renders the shared part afresh.
    third = render(PAGE, version=2, title="Neu", who="Carla", items=[], user=visitor(9))
    assert third == "<h1>Neu</h1>[Carla]"


def test_an_anonymous_visitor_never_gets_the_owners_part():
    items = [{"pk": 3, "author": None, "text": "von der Stadt"}]
    html = render(PAGE, version=1, title="T", who="", items=items, user=visitor(None))
    assert html == "<h1>T</h1>[]<p>von der Stadt report 3</p>"
    html = render(PAGE, version=1, title="T", who="", items=items, user=None)
    assert html == "<h1>T</h1>[]<p>von der Stadt report 3</p>"


def test_a_hole_without_values_is_rendered_once_per_request():
    calls = []

    def token():
        calls.append(1)
        return "csrf"

    source = (
        "{% sharedcache 60 forms %}{% for n in numbers %}"
        "{% personal %}{{ token }}{% endpersonal %}{% endfor %}{% endsharedcache %}"
    )
    assert render(source, numbers=[1, 2, 3], token=token) == "csrfcsrfcsrf"
    assert calls == [1]  # the shared rendering put markers in place of the holes
    assert render(source, numbers=[], token=token) == "csrfcsrfcsrf"
    assert calls == [1, 1]


def test_text_cannot_fake_a_hole():
    source = (
        "{% sharedcache 60 fake %}{{ text }}"
        "{% personal %}[{{ who }}]{% endpersonal %}{% endsharedcache %}"
    )
    text = "\x00deadbeefdeadbeef:0\x00 und \x00"
    assert render(source, text=text, who="Anna") == f"{text}[Anna]"
    assert render(source, text="", who="Bernd") == f"{text}[Bernd]"


def test_outside_a_shared_fragment_a_hole_renders_as_if_it_were_not_there():
    source = "{% personal owner=author %}mine{% others %}theirs{% endpersonal %}"
    assert render(source, author=7, user=visitor(7)) == "mine"
    assert render(source, author=7, user=visitor(8)) == "theirs"


def test_a_hole_in_an_included_template_is_refused_rather_than_shared():
    engine = Engine(
        libraries={"participation": "participation.templatetags.participation"},
        loaders=[
            (
                "django.template.loaders.locmem.Loader",
                {
                    "hole.html": "{% load participation %}"
                    "{% personal %}{{ secret }}{% endpersonal %}"
                },
            )
        ],
    )
    template = engine.from_string(
        "{% load participation %}{% sharedcache 60 included %}"
        "{% include 'hole.html' %}{% endsharedcache %}"
    )
    with pytest.raises(TemplateSyntaxError):
        template.render(Context({"secret": "Annas Token"}))


@pytest.mark.parametrize(
    "source",
    [
        "{% sharedcache 60 a %}{% sharedcache 60 b %}{% endsharedcache %}{% endsharedcache %}",
        "{% sharedcache 60 %}{% endsharedcache %}",
        "{% personal owner=x %}no others{% endpersonal %}",
        "{% personal %}a{% others %}b{% endpersonal %}",
        "{% personal value %}{% endpersonal %}",
    ],
)
def test_wrong_use_is_a_syntax_error(source):
    with pytest.raises(TemplateSyntaxError):
        render(source)
