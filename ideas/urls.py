from django.urls import path

from .views import maps, processes, proposals, roadmap, strategy

app_name = "ideas"
urlpatterns = [
    path("strategie/", strategy.vision, name="vision"),
    path("strategie/<slug:slug>/", strategy.pillar_detail, name="pillar_detail"),
    *proposals.urlpatterns,
    *maps.urlpatterns,
    *processes.urlpatterns,
    *roadmap.urlpatterns,
]
