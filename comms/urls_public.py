"""Pages and webhooks reached without a staff session: unsubscribe links and provider callbacks."""

from django.urls import include, path

from comms.views import public

app_name = "comms-public"

urlpatterns = [
    # --- Unsubscribe (comms.views.public)
    path("u/<str:token>/", public.unsubscribe, name="unsubscribe"),
    # Twilio's webhooks (inbound and status) are the inbox's: tickets/urls_public.py.
    # Anymail's tracking webhooks for every ESP (comms.tracking receives its signal).
    path("hooks/anymail/", include("comms.anymail_urls")),
]
