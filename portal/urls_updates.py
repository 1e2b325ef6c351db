"""The portal's update history page, included by portal/urls.py under the "portal" namespace."""

from django.urls import path

from portal import views_updates

urlpatterns: list = [
    path("", views_updates.updates_page, name="updates"),
]
