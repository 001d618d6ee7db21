"""Routes of this module are added to servicecenter/urls.py through `urlpatterns`."""

urlpatterns: list = []
