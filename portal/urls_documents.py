"""The portal's documents pages, included by portal/urls.py under the "portal" namespace."""

urlpatterns: list = []
