"""Webhooks the inbox receives without a session (anymail's inbound email webhooks are mounted
with its tracking ones at /hooks/anymail/, messaging/urls_public.py)."""

from django.urls import path

from tickets.views import webhooks

app_name = "tickets-public"

urlpatterns = [
    path("hooks/twilio/inbound/", webhooks.twilio_inbound, name="twilio-inbound"),
    path("hooks/twilio/status/", webhooks.twilio_status, name="twilio-status"),
]
