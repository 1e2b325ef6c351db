"""Billing's Celery tasks: thin wrappers over billing.services."""

from billing.selectors.reminders import invoice_reminders_due_tenant_ids
from billing.services import reminders
from crm.models import Tenant
from crm.tenancy.sweeps import SECONDS_HOURLY, More, tenant_sweep


@tenant_sweep(soft_time_limit=SECONDS_HOURLY, due_tenants=invoice_reminders_due_tenant_ids)
def sweep_invoice_reminders(*, tenant: Tenant) -> int:
    """Invoices past their due date are published overdue (once each) and the reminders due
    today are sent, a batch of each per run."""
    overdue = reminders.invoices_overdue_mark(tenant=tenant)
    reminded = reminders.invoice_reminders_send(tenant=tenant)
    done = overdue + reminded
    if reminders.REMINDER_BATCH in (overdue, reminded):
        return More(done)
    return done
