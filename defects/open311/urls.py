"""Open311 GeoReport v2, mounted at /open311/v2/; the extension picks the format (spec).

Any other extension matches nothing here and gets the site's plain 404.
"""

from django.urls import re_path

from . import views

app_name = "open311"

FORMAT = r"(?P<fmt>json|xml)"

urlpatterns = [
    re_path(rf"^discovery\.{FORMAT}$", views.discovery, name="discovery"),
    re_path(rf"^services\.{FORMAT}$", views.service_list, name="services"),
    re_path(
        rf"^services/(?P<service_code>[-\w]+)\.{FORMAT}$",
        views.service_definition,
        name="service_definition",
    ),
    re_path(rf"^requests\.{FORMAT}$", views.service_requests, name="requests"),
    re_path(
        rf"^requests/(?P<service_request_id>[^/]+)\.{FORMAT}$",
        views.service_request,
        name="request",
    ),
]
