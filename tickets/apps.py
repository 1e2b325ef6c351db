from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = "Unified inbox"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from crm.settings_menu import SettingsSection, settings_sections_register

        # The settings menu's sections of this app's pages.
        settings_sections_register(
            SettingsSection(400, "inboxes", _("Inboxes"), "tickets-settings:inboxes"),
            SettingsSection(410, "sla", _("SLA policies"), "tickets-settings:sla"),
            SettingsSection(
                420, "inbox-settings", _("Inbox rules"), "tickets-settings:inbox-settings"
            ),
            SettingsSection(430, "inbound", _("Inbound log"), "tickets-settings:inbound"),
        )

        from django.urls import reverse

        from messaging.services.providers import (
            TWILIO_STATUS_CALLBACK,
            twilio_account_lookup_register,
        )
        from tickets import receivers  # noqa: F401  (anymail's inbound signal)
        from tickets.selectors.addresses import twilio_account_for

        # The outbox sends from an inbox's number with that inbox's own Twilio account.
        twilio_account_lookup_register(twilio_account_for)

        from crm.kit.encryption import reencryption_register
        from tickets.services.configuration import inbox_secrets_reencrypt

        reencryption_register("inbox numbers' Twilio tokens", inbox_secrets_reencrypt)
        TWILIO_STATUS_CALLBACK.provide(lambda: reverse("tickets-public:twilio-status"))
