from django.urls import path

from .views import exports, maps, processes, proposals, roadmap, strategy

app_name = "ideas"
urlpatterns = [
    path("strategie/", strategy.vision, name="vision"),
    path("strategie/<slug:slug>/", strategy.pillar_detail, name="pillar_detail"),
    # The map's fixed paths (vorschlaege/karte/) come before a proposal's vorschlaege/<reference>/.
    *maps.urlpatterns,
    *proposals.urlpatterns,
    *processes.urlpatterns,
    *roadmap.urlpatterns,
    *exports.urlpatterns,
]
