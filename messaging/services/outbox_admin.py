"""What an admin may do to a message from the outbox page besides cancelling it: send a failed
one again. (Cancelling is messaging.services.outbox.message_cancel.)"""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from crm.models import Tenant, User
from crm.services.timeline import timeline_record
from messaging.models import MessageStatus, OutboundMessage


@transaction.atomic
def message_retry(
    *, tenant: Tenant, actor: User, message: OutboundMessage, now: dt.datetime | None = None
) -> bool:
    """Put a failed message back in the queue, due now, with a fresh set of attempts; the policy
    is checked again when it is sent. Returns False if it is no longer failed."""
    now = now or timezone.now()
    locked = (
        OutboundMessage.objects.select_for_update()
        .filter(tenant=tenant, pk=message.pk, status=MessageStatus.FAILED)
        .first()
    )
    if locked is None:
        return False
    locked.status = MessageStatus.SCHEDULED
    locked.send_after = now
    locked.attempts = 0
    locked.failed_at = None
    locked.last_error = ""
    locked.decisions = [
        *locked.decisions,
        {"at": now.isoformat(), "decision": "retried", "reason": f"Retried by {actor}"},
    ]
    locked.save(
        update_fields=["status", "send_after", "attempts", "failed_at", "last_error", "decisions"]
    )
    if locked.contact_id is not None:
        timeline_record(
            tenant=tenant,
            kind="message.retried",
            summary=f"{locked.get_channel_display()} message to {locked.to_address} sent again",
            actor=actor,
            contact=locked.contact,
            lead=locked.lead,
            detail={"message": locked.pk, "channel": locked.channel},
        )
    return True
