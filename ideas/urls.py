from django.urls import path

from . import views

app_name = "ideas"
urlpatterns = [
    path("strategie/", views.vision, name="vision"),
    path("strategie/<slug:slug>/", views.pillar_detail, name="pillar_detail"),
]
