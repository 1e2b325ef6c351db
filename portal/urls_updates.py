"""The portal's update history page, included by portal/urls.py under the "portal" namespace."""

urlpatterns: list = []
