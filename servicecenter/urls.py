from .views import figures, knowledge, mobile_office, staff, tickets

app_name = "servicecenter"
# Fixed paths of a module come before its <reference>/<slug> paths.
urlpatterns = [
    *knowledge.urlpatterns,
    *tickets.urlpatterns,
    *staff.urlpatterns,
    *figures.urlpatterns,
    *mobile_office.urlpatterns,
]
