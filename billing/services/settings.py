"""The tenant's invoice settings (admin)."""

from django.db import transaction

from billing.models import BillingSettings
from billing.services.numbering import billing_settings
from billing.services.reminders import invoice_reminders_replan
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
    reminders_max: int | None = None,
    reminder_days_before_due: int | None = None,
    reminder_every_days: int | None = None,
) -> BillingSettings:
    """Change the payment terms, number prefixes, the stage that invoices a job (one of the
    tenant's stages, or none) and the reminders: invoices already sent keep their numbers and due
    dates; their next reminders follow the new settings (the reminders they had still count). A
    reminder setting left out stays as it is."""
    settings = billing_settings(tenant=tenant)
    settings = BillingSettings.objects.select_for_update().get(tenant=tenant, pk=settings.pk)
    settings.payment_terms_days = payment_terms_days
    settings.invoice_prefix = invoice_prefix.strip()
    settings.credit_note_prefix = credit_note_prefix.strip()
    if invoice_at_stage is not None and invoice_at_stage.tenant_id != tenant.pk:
        raise ValueError("a stage of another tenant")
    settings.invoice_at_stage = invoice_at_stage
    reminders = (
        settings.reminders_max,
        settings.reminder_days_before_due,
        settings.reminder_every_days,
    )
    if reminders_max is not None:
        settings.reminders_max = reminders_max
    if reminder_days_before_due is not None:
        settings.reminder_days_before_due = reminder_days_before_due
    if reminder_every_days is not None:
        settings.reminder_every_days = reminder_every_days
    settings.full_clean(exclude=["tenant"])
    settings.save()
    if reminders != (
        settings.reminders_max,
        settings.reminder_days_before_due,
        settings.reminder_every_days,
    ):
        invoice_reminders_replan(tenant=tenant, settings=settings)
    return settings
