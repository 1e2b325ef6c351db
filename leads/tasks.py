"""Beat-driven sweeps, fanned out per tenant (crm.tenancy.sweeps), and per-tenant tasks. Thin
wrappers over services."""

from crm.models import Tenant
from crm.tenancy.sweeps import (
    PROMPT,
    SECONDS_FEW_MINUTES,
    SECONDS_HOURLY,
    SECONDS_MINUTE,
    More,
    tenant_sweep,
)
from crm.tenancy.tasks import enqueue_on_commit, tenant_task
from leads.selectors.sweeps import priorities_due_tenant_ids, untouched_due_tenant_ids
from leads.services import imports as lead_imports
from leads.services.priorities import leads_refresh_priorities
from leads.services.quotes import quotes_expire_due
from leads.services.speed_to_lead import leads_alert_untouched


@tenant_sweep(soft_time_limit=SECONDS_MINUTE, due_tenants=untouched_due_tenant_ids, priority=PROMPT)
def alert_untouched_leads(*, tenant: Tenant) -> int:
    """Speed to lead: owners, then managers, hear about new leads nobody has contacted."""
    return leads_alert_untouched(tenant=tenant)


@tenant_sweep(soft_time_limit=SECONDS_FEW_MINUTES, due_tenants=priorities_due_tenant_ids)
def refresh_lead_priorities(*, tenant: Tenant) -> int:
    return leads_refresh_priorities(tenant=tenant)


@tenant_sweep(soft_time_limit=SECONDS_HOURLY)
def expire_quotes(*, tenant: Tenant) -> int:
    """Expire a bounded run of the tenant's quotes past their date; a run that stopped at its
    budget continues in a follow-up task."""
    expired, more = quotes_expire_due(tenant=tenant)
    return More(expired) if more else expired


@tenant_sweep(soft_time_limit=SECONDS_HOURLY)
def purge_stale_lead_imports(*, tenant: Tenant) -> int:
    return lead_imports.lead_imports_purge_stale(tenant=tenant)


@tenant_task()
def run_lead_import(tenant: Tenant, lead_import_id: int) -> None:
    """Import the next batch of a confirmed CSV import, then queue the batch after it."""
    if lead_imports.lead_import_run_batch(tenant=tenant, lead_import_id=lead_import_id):
        enqueue_on_commit(run_lead_import, tenant.pk, lead_import_id)
