from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("konto/", views.account, name="account"),
    path("sprache/", views.set_language, name="set_language"),
    path(
        "accounts/confirm-email/<str:key>/",
        views.ConfirmEmailView.as_view(),
        name="account_confirm_email",
    ),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("ideas.urls")),
]
