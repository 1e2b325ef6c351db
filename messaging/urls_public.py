"""Pages reached without a staff session: unsubscribe links. The namespace ``comms-public`` also
holds anymail's webhooks at /hooks/anymail/ (tickets.anymail_urls; config/urls.py joins them):
its tracking webhooks are received by messaging.tracking, its inbound ones by tickets. Twilio's
webhooks (inbound and status) are the inbox's: tickets/urls_public.py."""

from django.urls import path

from messaging.views import public

urlpatterns = [
    # --- Unsubscribe (messaging.views.public)
    path("u/<str:token>/", public.unsubscribe, name="unsubscribe"),
]
