"""Settings → API keys (under /settings/)."""

from django.urls import path

from api import views

app_name = "api-settings"

urlpatterns = [
    path("api-keys/", views.api_keys, name="keys"),
    path("api-keys/<int:api_key_pk>/revoke/", views.api_key_revoke_view, name="key-revoke"),
]
