"""What an admin may do to a message from the outbox page besides cancelling it: send a failed
one again. (Cancelling is messaging.services.outbox.message_cancel.)"""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from crm.kit.stored_text import stored_label, stored_message
from crm.models import Tenant, User
from crm.services.timeline import timeline_record
from messaging.models import MessageChannel, MessageStatus, OutboundMessage
from messaging.services.outbox import decision_append


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
    decision_append(
        locked,
        "retried",
        stored_message(gettext_noop("Retried by %(actor)s"), actor=str(actor)),
        now,
    )
    locked.save(
        update_fields=["status", "send_after", "attempts", "failed_at", "last_error", "decisions"]
    )
    if locked.contact_id is not None:
        timeline_record(
            tenant=tenant,
            kind="message.retried",
            summary=gettext_noop("%(channel)s message to %(address)s sent again"),
            params={
                "channel": stored_label(MessageChannel(locked.channel).label),
                "address": locked.to_address,
            },
            actor=actor,
            contact=locked.contact,
            lead=locked.lead,
            detail={"message": locked.pk, "channel": locked.channel},
        )
    return True
