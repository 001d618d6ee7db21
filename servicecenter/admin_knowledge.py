"""Life situations and knowledge articles in the admin (imported by servicecenter/admin.py).

Articles are written here as plain text; the public pages escape it and add paragraphs and
links. What agents should know but citizens not goes into the internal notes, which only the
admin and the agents' answer search show.
"""

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .knowledge import publish_articles
from .models import KnowledgeArticle, LifeSituation

Visibility = KnowledgeArticle.Visibility


@admin.register(LifeSituation)
class LifeSituationAdmin(admin.ModelAdmin):
    list_display = ["name", "order", "public_articles"]
    list_editable = ["order"]
    search_fields = ["name", "summary"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["departments"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                public_count=Count("articles", filter=Q(articles__visibility=Visibility.PUBLIC))
            )
        )

    @admin.display(description=_("Öffentliche Artikel"), ordering="public_count")
    def public_articles(self, situation: LifeSituation) -> int:
        return situation.public_count


@admin.register(KnowledgeArticle)
class KnowledgeArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "visibility", "department", "order", "updated_at"]
    list_filter = ["visibility", "life_situations", "department"]
    search_fields = ["title", "answer", "keywords"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["life_situations"]
    list_select_related = ["department"]
    actions = ["publish"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "answer", "keywords"]}),
        (
            _("Einordnung und Sichtbarkeit"),
            {
                "fields": ["visibility", "life_situations", "department", "order"],
                "description": _(
                    "Entwürfe sieht niemand außer der Verwaltung. Interne Artikel können "
                    "Mitarbeitende des Service Centers als Antwort nutzen. Öffentliche Artikel "
                    "erscheinen zusätzlich in den Fragen und Antworten des Portals."
                ),
            },
        ),
        (
            _("Nur für Mitarbeitende"),
            {
                "fields": ["internal_notes"],
                "description": _(
                    "Diese Hinweise werden nie veröffentlicht, auch nicht bei öffentlichen "
                    "Artikeln: Was zu prüfen ist, wen man fragt, was nicht zugesagt werden darf."
                ),
            },
        ),
    ]

    @admin.action(description=_("Ausgewählte Artikel veröffentlichen"), permissions=["change"])
    def publish(self, request, queryset) -> None:
        changed = publish_articles(actor=request.user, articles=queryset)
        for article in changed:
            self.log_change(request, article, [{"changed": {"fields": ["visibility"]}}])
        self.message_user(
            request,
            ngettext(
                "%(count)d Artikel wurde veröffentlicht.",
                "%(count)d Artikel wurden veröffentlicht.",
                len(changed),
            )
            % {"count": len(changed)},
            messages.SUCCESS,
        )
