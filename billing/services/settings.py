"""The tenant's invoice settings (admin)."""

from django.db import transaction

from billing.models import BillingSettings
from billing.services.numbering import billing_settings
from crm.models import Tenant, User
from leads.models import Stage


@transaction.atomic
def billing_settings_save(
    *,
    tenant: Tenant,
    actor: User,
    payment_terms_days: int,
    invoice_prefix: str,
    credit_note_prefix: str,
    invoice_at_stage: Stage | None = None,
) -> BillingSettings:
    """Change the payment terms and number prefixes (invoices already sent keep theirs) and
    the stage that invoices a job (one of the tenant's stages, or none)."""
    settings = billing_settings(tenant=tenant)
    settings = BillingSettings.objects.select_for_update().get(tenant=tenant, pk=settings.pk)
    settings.payment_terms_days = payment_terms_days
    settings.invoice_prefix = invoice_prefix.strip()
    settings.credit_note_prefix = credit_note_prefix.strip()
    if invoice_at_stage is not None and invoice_at_stage.tenant_id != tenant.pk:
        raise ValueError("a stage of another tenant")
    settings.invoice_at_stage = invoice_at_stage
    settings.full_clean(exclude=["tenant"])
    settings.save()
    return settings
