from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Invoices and receivables"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from billing.services.online import deposit_checkout_url
        from crm.settings_menu import SettingsSection, settings_sections_register
        from leads.acceptance import after_acceptance_provide

        settings_sections_register(
            SettingsSection(160, "invoices", _("Invoices"), "billing-settings:settings"),
        )
        # A customer who accepts a quote with a deposit goes on to pay it (leads cannot name us).
        after_acceptance_provide(deposit_checkout_url)
