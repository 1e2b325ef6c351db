"""What automation does when the other apps publish an event (config/events.py subscribes these,
in order). Each runs inside the transaction of what happened and writes rows only.

Triggers fire when a lead arrives, enters a stage or is lost; the job's update rhythm is re-planned
when its stage, the tenant's interval or the contact's own frequency changes. A sequence stops when
the contact replied (on any channel, not an auto-reply), unsubscribed, their email bounced, or the
lead was won or lost: the enrolment stops (with its reason) or not at all.
"""

from django.utils.translation import gettext_noop

from automation.models import TriggerStep
from automation.outbox import step_due_at
from automation.services import triggers, updates
from automation.services.sequences import enrolments_stop
from automation.tasks import refresh_update_rhythms
from crm.events import ConsentRecorded, CustomerWrote
from crm.kit.stored_text import stored_label, stored_message
from crm.models import Channel, ConsentStatus
from crm.tenancy.tasks import enqueue_on_commit
from leads.events import LeadCreated, LeadLost, LeadStageEntered
from leads.models import LeadStatus, LostReason
from messaging.events import ContactUpdateFrequencyChanged, EmailBounced, UpdateIntervalChanged
from messaging.models import MessageSource, OutboundMessage
from messaging.services.outbox import messages_cancel_pending
from tickets.models import MessageChannel


def stage_triggers_fire(event: LeadStageEntered) -> None:
    triggers.triggers_on_stage_entered(tenant=event.tenant, lead=event.lead, stage=event.stage)


def lead_created_triggers_fire(event: LeadCreated) -> None:
    triggers.triggers_on_lead_created(tenant=event.tenant, lead=event.lead)


def lead_lost_triggers_fire(event: LeadLost) -> None:
    triggers.triggers_on_lead_lost(tenant=event.tenant, lead=event.lead)


def update_rhythm_reset(event: LeadStageEntered | LeadLost) -> None:
    updates.lead_update_rhythm(tenant=event.tenant, lead=event.lead)


def update_rhythms_refresh_later(event: UpdateIntervalChanged) -> None:
    """Every active job is re-planned: in the background, not in the admin's request."""
    enqueue_on_commit(refresh_update_rhythms, event.tenant.pk)


def contact_update_rhythm_reset(event: ContactUpdateFrequencyChanged) -> None:
    updates.contact_update_rhythm(tenant=event.tenant, contact=event.contact)


def sequences_stop_on_reply(event: CustomerWrote) -> None:
    if not event.awaits_answer:
        return  # an out-of-office or a STOP text is not an answer
    enrolments_stop(
        tenant=event.tenant,
        contact=event.ticket_contact,
        reason=stored_message(
            gettext_noop("Replied by %(channel)s (%(ticket)s)"),
            channel=stored_label(MessageChannel(event.channel).label),
            ticket=event.ticket_reference,
        ),
    )


def sequences_stop_on_unsubscribe(event: ConsentRecorded) -> None:
    """Consent withdrawn on a channel stops every sequence of the contact (they asked us to
    stop); job messages only stops the sequences that send marketing."""
    if event.status not in (ConsentStatus.WITHDRAWN, ConsentStatus.NO_MARKETING):
        return
    marketing_only = event.status == ConsentStatus.NO_MARKETING
    if marketing_only:
        why = gettext_noop("Unsubscribed: %(channel)s job messages only (%(source)s)")
    else:
        why = gettext_noop("Unsubscribed: %(channel)s consent withdrawn (%(source)s)")
    enrolments_stop(
        tenant=event.tenant,
        contact=event.contact,
        marketing_only=marketing_only,
        reason=stored_message(
            why, channel=stored_label(Channel(event.channel).label), source=event.source
        ),
    )


def sequences_stop_on_bounce(event: EmailBounced) -> None:
    message = event.message
    if message.contact_id is None:
        return
    enrolments_stop(
        tenant=event.tenant,
        contact=message.contact,
        reason=stored_message(
            gettext_noop("Email to %(address)s bounced"), address=message.to_address
        ),
    )


def sequences_stop_on_won(event: LeadStageEntered) -> None:
    lead = event.lead
    # Won by this very move (a won lead moving on, to "Paid" say, keeps its sequences).
    if lead.status == LeadStatus.WON and lead.won_at == lead.stage_entered_at:
        enrolments_stop(
            tenant=event.tenant,
            lead=lead,
            reason=stored_message(
                gettext_noop("The lead was won (%(stage)s)"), stage=event.stage.name
            ),
        )


def sequences_stop_on_lost(event: LeadLost) -> None:
    reason = event.reason
    label = stored_label(LostReason(reason).label) if reason in LostReason.values else reason
    enrolments_stop(
        tenant=event.tenant,
        lead=event.lead,
        reason=stored_message(gettext_noop("The lead was lost (%(reason)s)"), reason=label),
    )


# --- Cancelled when the reason goes ----------------------------------------------------------------
# A trigger's message that goes only while the lead is in the stage that scheduled it is cancelled
# at once when the lead leaves it or is lost, with the reason in words (the send-time check,
# automation.outbox, stays as the last guard).


def _stage_bound(event) -> object:
    """The lead's pending trigger messages that go only while the lead is in their stage."""
    return OutboundMessage.objects.filter(
        tenant=event.tenant,
        lead=event.lead,
        source=MessageSource.TRIGGER,
        trigger_stage__isnull=False,
        trigger_step_id__in=TriggerStep.objects.filter(
            tenant=event.tenant, only_while_in_stage=True
        ).values("pk"),
    )


def stage_messages_cancel(event: LeadStageEntered) -> None:
    """The lead left a stage: what that stage's triggers scheduled "while in the stage" and is
    not due yet ends. A message whose time had come while the lead was still there keeps its
    reason (the job was completed: the thank-you goes, though the payment came a minute later)."""
    left_at = event.lead.stage_entered_at
    bound = _stage_bound(event).exclude(trigger_stage=event.stage)
    rows = list(bound.values_list("pk", "created_at", "trigger_step_id"))
    if not rows:
        return
    delays = dict(
        TriggerStep.objects.filter(
            tenant=event.tenant, pk__in={step for *_, step in rows}
        ).values_list("pk", "delay_minutes")
    )
    not_due = [
        pk
        for pk, created_at, step in rows
        if step_due_at(created_at, delays.get(step, 0)) > left_at
    ]
    messages_cancel_pending(
        tenant=event.tenant,
        messages=bound.filter(pk__in=not_due),
        reason=stored_message(
            gettext_noop("the lead moved on to “%(stage)s”"), stage=event.stage.name
        ),
    )


def lost_lead_messages_cancel(event: LeadLost) -> None:
    messages_cancel_pending(
        tenant=event.tenant,
        messages=_stage_bound(event),
        reason=stored_message(gettext_noop("the lead was lost")),
    )
