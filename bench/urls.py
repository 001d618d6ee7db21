from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def bare(request: HttpRequest) -> HttpResponse:
    """The yardstick: a Django view that does nothing, behind the same middleware."""
    return HttpResponse("ok", content_type="text/plain")


handler500 = "lohmar_portal.middleware.server_error"

urlpatterns = [
    path("bench/bare/", bare),
    path("", include("lohmar_portal.urls")),
]
