"""Pages and webhooks reached without a staff session: unsubscribe links and provider callbacks."""

from django.urls import path

from comms.views import public, webhooks

app_name = "comms-public"

urlpatterns = [
    # --- Unsubscribe (comms.views.public)
    path("u/<str:token>/", public.unsubscribe, name="unsubscribe"),
    # --- Provider webhooks (comms.views.webhooks)
]
