"""Beat-driven sweeps over every tenant, and per-tenant tasks. Thin wrappers over services."""

from celery import shared_task

from crm.models import Tenant
from crm.tenancy.tasks import each_tenant, enqueue_on_commit, tenant_task
from leads.services import imports as lead_imports
from leads.services.priorities import leads_refresh_priorities
from leads.services.quotes import quotes_expire_due
from leads.services.speed_to_lead import leads_alert_untouched


@shared_task
def alert_untouched_leads() -> int:
    """Speed to lead: owners, then managers, hear about new leads nobody has contacted."""
    return each_tenant(leads_alert_untouched)


@shared_task
def refresh_lead_priorities() -> int:
    return each_tenant(leads_refresh_priorities)


@shared_task
def expire_quotes() -> int:
    return each_tenant(quotes_expire_due)


@shared_task
def purge_stale_lead_imports() -> int:
    return each_tenant(lead_imports.lead_imports_purge_stale)


@tenant_task()
def run_lead_import(tenant: Tenant, lead_import_id: int) -> None:
    """Import the next batch of a confirmed CSV import, then queue the batch after it."""
    if lead_imports.lead_import_run_batch(tenant=tenant, lead_import_id=lead_import_id):
        enqueue_on_commit(run_lead_import, tenant.pk, lead_import_id)
