from celery import shared_task
from django.core.management import call_command
from django.utils import timezone

from crm.models import Tenant
from crm.services.notifications import notifications_notify_roles, notifications_purge_read
from crm.tenancy import tenant_context
from crm.tenancy.tasks import tenant_task

READ_NOTIFICATIONS_KEPT_DAYS = 90


@shared_task
def clear_expired_sessions() -> None:
    call_command("clearsessions")


@shared_task
def purge_old_notifications() -> None:
    """Read notifications older than 90 days go; unread ones stay until someone reads them."""
    cutoff = timezone.now() - timezone.timedelta(days=READ_NOTIFICATIONS_KEPT_DAYS)
    for tenant in Tenant.objects.all():
        with tenant_context(tenant):
            notifications_purge_read(tenant=tenant, read_before=cutoff)


@tenant_task()
def notify_roles(
    tenant: Tenant, roles: list[str], title: str, body: str = "", url: str = ""
) -> int:
    """Tell every member with one of `roles` about something (used by sweeps and alerts)."""
    return len(
        notifications_notify_roles(tenant=tenant, roles=roles, title=title, body=body, url=url)
    )
