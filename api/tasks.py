"""The API's beat sweeps, fanned out per tenant (crm.tenancy.sweeps). Thin wrappers over services."""

from api.services import idempotency
from crm.models import Tenant
from crm.tenancy.sweeps import SECONDS_HOURLY, tenant_sweep


@tenant_sweep(soft_time_limit=SECONDS_HOURLY)
def purge_expired_idempotency_keys(*, tenant: Tenant) -> int:
    """Idempotency keys a day old are forgotten (api/services/idempotency.py)."""
    return idempotency.idempotency_purge_expired(tenant=tenant)
