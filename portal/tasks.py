"""Beat sweeps of the portal. Thin wrappers over services."""

from celery import shared_task

from crm.tenancy.tasks import each_tenant
from portal.services import onboarding, sign_in


@shared_task
def purge_sign_in_challenges() -> int:
    return each_tenant(sign_in.sign_in_challenges_purge)


@shared_task
def send_onboarding_reminders() -> int:
    """Remind customers with an unfinished "Getting started" checklist
    (portal/services/onboarding.py)."""
    return each_tenant(onboarding.onboarding_reminders_send)
