"""The outbox's beat-driven sweep and the per-message send task. Thin wrappers over services.

The tasks keep the names they had in the ``comms`` package, so messages queued before a deploy and
the beat schedule still find them.
"""

from celery import shared_task

from crm.models import Tenant
from crm.tenancy.sweeps import SECONDS_DISPATCH, tenant_sweep
from crm.tenancy.tasks import enqueue_bulk_on_commit, enqueue_on_commit, tenant_task
from messaging.selectors.sweeps import outbox_due_tenant_ids
from messaging.services import outbox, outbox_send, staff_notifications


@tenant_sweep(
    name="comms.tasks.dispatch_due_messages",
    soft_time_limit=SECONDS_DISPATCH,
    due_tenants=outbox_due_tenant_ids,
    priority=0,  # ahead of the sends it queues (crm.tenancy.queues)
    chunk=1,  # each tenant with due rows its own task: claims run side by side
)
def dispatch_due_messages(*, tenant: Tenant) -> int:
    """Claim the tenant's due outbox rows and queue a send task for each, the bulk ones' behind
    the others' (only tenants with due rows get a task)."""
    claim = outbox.outbox_claim(tenant=tenant)
    for message_id in claim.first:
        enqueue_on_commit(send_message, tenant.pk, message_id)
    for message_id in claim.bulk:
        enqueue_bulk_on_commit(send_message, tenant.pk, message_id)
    return len(claim.ids)


@tenant_task(name="comms.tasks.send_message")
def send_message(tenant: Tenant, message_id: int) -> str:
    return outbox_send.message_send(tenant=tenant, message_id=message_id)


@tenant_task(name="messaging.tasks.schedule_staff_copies")
def schedule_staff_copies(tenant: Tenant, notification_ids: list[int]) -> int:
    """The email and SMS copies of new notifications, written on the messages queue: a sweep's
    burst of alerts (a thousand tenants' missed follow-ups after an outage) does not also render
    and schedule their copies in its own tasks, on the default queue's workers."""
    return staff_notifications.copies_schedule(tenant=tenant, notification_ids=notification_ids)


@shared_task(name="messaging.tasks.sandbox_report")
def sandbox_report(*, channel: str, provider_message_id: str, to_address: str, kind: str) -> str:
    """One delivery report of the sandbox provider (messaging/sandbox.py), handed to the entry
    point the provider's real webhook calls: the same route lookup, the same status update."""
    from anymail.signals import AnymailTrackingEvent, EventType
    from django.utils import timezone

    from messaging import sandbox, tracking
    from messaging.models import Provider

    if channel == "email":
        event_type = {
            sandbox.DELIVERED: EventType.DELIVERED,
            sandbox.OPENED: EventType.OPENED,
            sandbox.BOUNCED: EventType.BOUNCED,
        }[kind]
        event = AnymailTrackingEvent(
            event_type=event_type,
            message_id=provider_message_id,
            recipient=to_address,
            timestamp=timezone.now(),
            description="550 5.1.1 mailbox unknown (sandbox)" if kind == sandbox.BOUNCED else None,
            esp_event={},
        )
        return tracking.email_event_record(
            event=event, esp_name="Sandbox", provider=Provider.SANDBOX
        )
    status = {
        sandbox.DELIVERED: "delivered",
        sandbox.OPENED: "read",
        sandbox.BOUNCED: "undelivered",
    }[kind]
    return tracking.twilio_status_record(
        message_sid=provider_message_id,
        status=status,
        error_code="30005" if kind == sandbox.BOUNCED else "",
        at=timezone.now(),
        provider=Provider.SANDBOX,
    )
