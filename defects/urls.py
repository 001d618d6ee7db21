from .views import public, reporting

app_name = "defects"
# Reporting's fixed paths (maengel/melden/, …/ich-auch/) come before the public
# maengel/<reference>/, which would otherwise take them for a reference.
urlpatterns = [*reporting.urlpatterns, *public.urlpatterns]
