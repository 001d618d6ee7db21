"""The knowledge base in the admin: filter, search, publish in bulk, slug and internal notes."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.urls import reverse

import servicecenter.admin_knowledge  # noqa: F401  (registers the admins before the URLs load)
from servicecenter.models import KnowledgeArticle, LifeSituation
from tests.admin.helpers import run_action
from tests.factories import StaffFactory
from tests.staff_clients import client_for, with_mfa

pytestmark = pytest.mark.django_db
Visibility = KnowledgeArticle.Visibility
CHANGELIST = "admin:servicecenter_knowledgearticle_changelist"


def editor(*codenames):
    user = StaffFactory()
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="servicecenter", codename__in=codenames)
    )
    return client_for(with_mfa(user))


@pytest.fixture
def editor_client():
    return editor(
        "view_knowledgearticle",
        "change_knowledgearticle",
        "add_knowledgearticle",
        "view_lifesituation",
        "change_lifesituation",
        "add_lifesituation",
    )


@pytest.fixture
def reader_client():
    return editor("view_knowledgearticle")


def article(title, visibility=Visibility.DRAFT, **fields):
    return KnowledgeArticle.objects.create(
        title=title,
        slug=title.lower().replace(" ", "-"),
        answer="Antwort.",
        visibility=visibility,
        **fields,
    )


def test_changelist_filters_by_visibility(editor_client):
    article("Entwurf eins")
    article("Öffentlich eins", Visibility.PUBLIC)
    response = editor_client.get(reverse(CHANGELIST), {"visibility__exact": "draft"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Entwurf eins" in page
    assert "Öffentlich eins" not in page


def test_changelist_searches_answers_and_keywords(editor_client):
    article("Sperrmüll", keywords="Sofa")
    article("Reisepass")
    page = editor_client.get(reverse(CHANGELIST), {"q": "Sofa"}).content.decode()
    assert "Sperrmüll" in page
    assert "Reisepass" not in page


def test_publish_action_makes_drafts_public_and_logs_it(editor_client):
    drafts = [article("Entwurf eins"), article("Intern eins", Visibility.INTERNAL)]
    already = article("Schon öffentlich", Visibility.PUBLIC)
    response = run_action(editor_client, reverse(CHANGELIST), "publish", [*drafts, already])
    assert response.status_code == 200
    assert "2 Artikel wurden veröffentlicht." in response.content.decode()
    assert set(KnowledgeArticle.objects.values_list("visibility", flat=True)) == {"public"}
    assert LogEntry.objects.filter(object_id__in=[str(d.pk) for d in drafts]).count() == 2


def test_publish_needs_the_change_permission(reader_client):
    draft = article("Entwurf eins")
    response = run_action(reader_client, reverse(CHANGELIST), "publish", [draft])
    draft.refresh_from_db()
    assert draft.visibility == Visibility.DRAFT
    assert response.status_code == 200


def test_add_form_prepopulates_the_slug_and_keeps_notes_apart(editor_client):
    page = editor_client.get(reverse("admin:servicecenter_knowledgearticle_add")).content.decode()
    assert "data-prepopulated-fields" in page
    assert "&quot;#id_slug&quot;" in page and "&quot;title&quot;" in page
    assert "Nur für Mitarbeitende" in page
    assert 'name="internal_notes"' in page


def test_article_is_created_through_the_admin(editor_client):
    situation = LifeSituation.objects.create(name="Umzug", slug="umzug", summary="Umziehen")
    response = editor_client.post(
        reverse("admin:servicecenter_knowledgearticle_add"),
        {
            "title": "Wohnsitz ummelden",
            "slug": "wohnsitz-ummelden",
            "answer": "So geht es.",
            "keywords": "",
            "visibility": "internal",
            "life_situations": [situation.pk],
            "department": "",
            "order": 0,
            "internal_notes": "Nur intern",
        },
    )
    assert response.status_code == 302
    created = KnowledgeArticle.objects.get(slug="wohnsitz-ummelden")
    assert created.visibility == Visibility.INTERNAL
    assert list(created.life_situations.all()) == [situation]


def test_life_situations_list_counts_public_articles(editor_client):
    situation = LifeSituation.objects.create(name="Umzug", slug="umzug", summary="Umziehen")
    article("Eins", Visibility.PUBLIC).life_situations.add(situation)
    article("Zwei", Visibility.DRAFT).life_situations.add(situation)
    response = editor_client.get(reverse("admin:servicecenter_lifesituation_changelist"))
    assert response.status_code == 200
    assert '<td class="field-public_articles">1</td>' in response.content.decode()


def test_publishing_checks_the_permission_in_the_service():
    from django.core.exceptions import PermissionDenied

    from servicecenter.knowledge import publish_articles

    draft = article("Entwurf eins")
    with pytest.raises(PermissionDenied):
        publish_articles(actor=StaffFactory(), articles=KnowledgeArticle.objects.all())
    draft.refresh_from_db()
    assert draft.visibility == Visibility.DRAFT
