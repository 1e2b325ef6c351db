"""Beat sweeps of the portal, fanned out per tenant (crm.tenancy.sweeps). Thin wrappers over
services."""

from crm.models import Tenant
from crm.tenancy.sweeps import SECONDS_HOURLY, tenant_sweep
from portal.services import onboarding, sign_in


@tenant_sweep(soft_time_limit=SECONDS_HOURLY)
def purge_sign_in_challenges(*, tenant: Tenant) -> int:
    return sign_in.sign_in_challenges_purge(tenant=tenant)


@tenant_sweep(soft_time_limit=SECONDS_HOURLY)
def send_onboarding_reminders(*, tenant: Tenant) -> int:
    """Remind customers with an unfinished "Getting started" checklist
    (portal/services/onboarding.py)."""
    return onboarding.onboarding_reminders_send(tenant=tenant)
