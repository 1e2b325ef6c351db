from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Invoices and receivables"

    def ready(self):
        from django.urls import reverse
        from django.utils.translation import gettext_lazy as _

        from billing.selectors.invoices import lead_has_open_invoice
        from billing.services.online import deposit_checkout_url
        from crm.settings_menu import SettingsSection, settings_sections_register
        from leads.acceptance import after_acceptance_provide
        from leads.payment_pages import PAYMENT_AGAINST_INVOICE

        settings_sections_register(
            SettingsSection(160, "invoices", _("Invoices"), "billing-settings:settings"),
        )
        # A customer who accepts a quote with a deposit goes on to pay it (leads cannot name us).
        after_acceptance_provide(deposit_checkout_url)

        def payment_against_invoice(*, tenant, lead) -> str:
            if not lead_has_open_invoice(tenant=tenant, lead=lead):
                return ""
            return reverse("billing:lead-payment", kwargs={"lead_pk": lead.pk})

        # The lead page's "Record payment" on a job with open invoices pays one of them.
        PAYMENT_AGAINST_INVOICE.provide(payment_against_invoice)
