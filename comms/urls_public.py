"""Pages and webhooks reached without a staff session: unsubscribe links and provider callbacks."""

from django.urls import include, path

from comms.views import public, webhooks

app_name = "comms-public"

urlpatterns = [
    # --- Unsubscribe (comms.views.public)
    path("u/<str:token>/", public.unsubscribe, name="unsubscribe"),
    # --- Provider webhooks (comms.views.webhooks)
    path("hooks/twilio/status/", webhooks.twilio_status, name="twilio-status"),
    # Anymail's tracking webhooks for every ESP (comms.tracking receives its signal).
    path("hooks/anymail/", include("anymail.urls")),
]
