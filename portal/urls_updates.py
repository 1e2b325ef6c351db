"""The portal's update history page, included by portal/urls.py under the "portal" namespace."""

from django.urls import path

from portal.views import updates

urlpatterns: list = [
    path("", updates.updates_page, name="updates"),
]
