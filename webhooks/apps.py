from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Outbound webhooks: an admin subscribes an HTTPS URL to the CRM's events; each event is
    delivered through an outbox of its own, signed per the Standard Webhooks spec. (Inbound
    webhooks, the providers' posts to us, live in tickets/.)"""

    name = "webhooks"
    verbose_name = "Outbound webhooks"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from crm.settings_menu import SettingsSection, settings_sections_register

        # The settings menu's sections of this app's pages.
        settings_sections_register(
            SettingsSection(500, "webhooks", _("Webhooks"), "webhooks-settings:endpoints"),
        )
