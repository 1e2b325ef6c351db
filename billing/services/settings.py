"""The tenant's invoice settings (admin)."""

from django.db import transaction

from billing.models import BillingSettings
from billing.services.numbering import billing_settings
from crm.models import Tenant, User


@transaction.atomic
def billing_settings_save(
    *,
    tenant: Tenant,
    actor: User,
    payment_terms_days: int,
    invoice_prefix: str,
    credit_note_prefix: str,
) -> BillingSettings:
    """Change the payment terms and number prefixes: invoices already sent keep theirs."""
    settings = billing_settings(tenant=tenant)
    settings = BillingSettings.objects.select_for_update().get(tenant=tenant, pk=settings.pk)
    settings.payment_terms_days = payment_terms_days
    settings.invoice_prefix = invoice_prefix.strip()
    settings.credit_note_prefix = credit_note_prefix.strip()
    settings.full_clean(exclude=["tenant"])
    settings.save()
    return settings
