"""The portal's onboarding pages, included by portal/urls.py under the "portal" namespace."""

urlpatterns: list = []
