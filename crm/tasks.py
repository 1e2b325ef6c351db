import datetime as dt

from celery import shared_task
from django.core.management import call_command
from django.utils import timezone

from crm.models import Tenant
from crm.services.notifications import notifications_notify_roles, notifications_purge_read
from crm.tenancy.sweeps import SECONDS_HOURLY, tenant_sweep
from crm.tenancy.tasks import tenant_task

READ_NOTIFICATIONS_KEPT_DAYS = 90


@shared_task(soft_time_limit=SECONDS_HOURLY, time_limit=SECONDS_HOURLY + 30)
def clear_expired_sessions() -> None:
    call_command("clearsessions")


@tenant_sweep(soft_time_limit=SECONDS_HOURLY)
def purge_old_notifications(*, tenant: Tenant) -> int:
    """Read notifications older than 90 days go; unread ones stay until someone reads them."""
    cutoff = timezone.now() - dt.timedelta(days=READ_NOTIFICATIONS_KEPT_DAYS)
    return notifications_purge_read(tenant=tenant, read_before=cutoff)


@tenant_task()
def notify_roles(
    tenant: Tenant,
    roles: list[str],
    title: str,
    body: str = "",
    url: str = "",
    title_params: dict | None = None,
    body_params: dict | None = None,
) -> int:
    """Tell every member with one of `roles` about something (used by sweeps and alerts); the
    params as notification_create takes them (a msgid read in each member's language)."""
    return len(
        notifications_notify_roles(
            tenant=tenant,
            roles=roles,
            title=title,
            body=body,
            url=url,
            title_params=title_params,
            body_params=body_params,
        )
    )
