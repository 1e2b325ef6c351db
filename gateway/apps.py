from django.apps import AppConfig


class GatewayConfig(AppConfig):
    """Online payments: provider accounts, checkout sessions, the provider-event inbox, the
    sandbox. Generic: a caller (invoices, deposits) names what is paid by an opaque reference and
    hears the outcome through gateway.events."""

    name = "gateway"
    verbose_name = "Online payments"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from crm.settings_menu import SettingsSection, settings_sections_register

        settings_sections_register(
            SettingsSection(450, "payments", _("Online payments"), "gateway-settings:account"),
        )

        from crm.kit.encryption import reencryption_register
        from gateway.services.accounts import payment_secrets_reencrypt

        reencryption_register("payment accounts", payment_secrets_reencrypt)
