from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Invoices and receivables"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from crm.settings_menu import SettingsSection, settings_sections_register

        settings_sections_register(
            SettingsSection(160, "invoices", _("Invoices"), "billing-settings:settings"),
        )
