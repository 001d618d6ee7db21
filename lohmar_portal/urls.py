from django.contrib import admin
from django.urls import include, path

from . import views

# The database away gives the 503 page (lohmar_portal/middleware.py), anything else the 500.
handler500 = "lohmar_portal.middleware.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("konto/", views.account, name="account"),
    path("konto/daten/", views.data_export, name="data_export"),
    path("konto/daten/<str:name>", views.data_export_download, name="data_export_download"),
    path("konto/loeschen/", views.account_delete, name="account_delete"),
    path("datenschutz/", views.privacy, name="privacy"),
    path("impressum/", views.imprint, name="imprint"),
    path("barrierefreiheit/", views.accessibility, name="accessibility"),
    path("sprache/", views.set_language, name="set_language"),
    path(
        "accounts/confirm-email/<str:key>/",
        views.ConfirmEmailView.as_view(),
        name="account_confirm_email",
    ),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("ideas.urls")),
    path("", include("defects.urls")),
    path("open311/v2/", include("defects.open311.urls")),
    path("", include("servicecenter.urls")),
]
