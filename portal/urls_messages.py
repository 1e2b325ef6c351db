"""The portal's messages pages, included by portal/urls.py under the "portal" namespace."""

urlpatterns: list = []
