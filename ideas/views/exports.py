"""Routes of this module are added to ideas/urls.py through `urlpatterns`."""

urlpatterns: list = []
