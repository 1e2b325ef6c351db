from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = "Unified inbox"

    def ready(self):
        from django.urls import reverse

        from messaging.services.providers import (
            TWILIO_STATUS_CALLBACK,
            twilio_account_lookup_register,
        )
        from tickets import receivers  # noqa: F401  (anymail's inbound signal)
        from tickets.selectors.addresses import twilio_account_for

        # The outbox sends from an inbox's number with that inbox's own Twilio account.
        twilio_account_lookup_register(twilio_account_for)
        TWILIO_STATUS_CALLBACK.provide(lambda: reverse("tickets-public:twilio-status"))
