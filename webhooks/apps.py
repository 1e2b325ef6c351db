from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Outbound webhooks: an admin subscribes an HTTPS URL to the CRM's events; each event is
    delivered through an outbox of its own, signed per the Standard Webhooks spec. (Inbound
    webhooks, the providers' posts to us, live in tickets/.)"""

    name = "webhooks"
    verbose_name = "Outbound webhooks"
