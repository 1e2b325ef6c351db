"""What happens on a lead: the notes and calls reps record, the touches that stop the
speed-to-lead clock, and when the customer last answered."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm.kit.formatting import stored_duration
from crm.kit.stored_text import stored_label, stored_message
from crm.models import Contact, Tenant, User
from crm.services.timeline import timeline_record
from leads.models import CallOutcome, Lead, LeadEvent, LeadStatus
from leads.services.priorities import lead_rescore
from leads.services.stages import lead_handle_event


@transaction.atomic
def lead_add_note(*, tenant: Tenant, actor: User | None, lead: Lead, body: str):
    body = body.strip()
    if not body:
        raise ValidationError(_("Write something first."))
    Lead.objects.filter(tenant=tenant, pk=lead.pk).update(last_activity_at=timezone.now())
    return timeline_record(
        tenant=tenant,
        kind="lead.note",
        summary=body[:300],
        actor=actor,
        lead=lead,
        detail={"body": body[:10000]},
    )


@transaction.atomic
def lead_log_call(
    *, tenant: Tenant, actor: User, lead: Lead, outcome: str, note: str = "", inbound=False
):
    if outcome not in CallOutcome.values:
        raise ValidationError(_("Pick how the call went."))
    if note.strip():
        summary = (
            gettext_noop("Call from customer: %(outcome)s — %(note)s")
            if inbound
            else gettext_noop("Call: %(outcome)s — %(note)s")
        )
    else:
        summary = (
            gettext_noop("Call from customer: %(outcome)s")
            if inbound
            else gettext_noop("Call: %(outcome)s")
        )
    event = timeline_record(
        tenant=tenant,
        kind="lead.call",
        summary=summary,
        params={"outcome": stored_label(CallOutcome(outcome).label), "note": note.strip()},
        actor=actor,
        lead=lead,
        detail={"outcome": outcome, "note": note.strip(), "inbound": inbound},
    )
    if not inbound:
        lead_record_touch(tenant=tenant, lead=lead, channel="phone", actor=actor)
    else:
        Lead.objects.filter(tenant=tenant, pk=lead.pk).update(last_activity_at=timezone.now())
    return event


@transaction.atomic
def lead_record_touch(
    *,
    tenant: Tenant,
    lead: Lead,
    channel: str,
    actor: User | None = None,
    at: dt.datetime | None = None,
) -> bool:
    """An outbound touch (call, email, text) reached or tried the customer. The first one stops
    the speed-to-lead clock; returns whether this was it."""
    at = at or timezone.now()
    first = Lead.objects.filter(tenant=tenant, pk=lead.pk, first_touch_at__isnull=True).update(
        first_touch_at=at, last_activity_at=at
    )
    if not first:
        Lead.objects.filter(tenant=tenant, pk=lead.pk).update(last_activity_at=at)
        return False
    lead.first_touch_at = at
    minutes = max(int((at - lead.created_at).total_seconds() // 60), 0)
    timeline_record(
        tenant=tenant,
        kind="lead.first_touch",
        summary=gettext_noop("First contact after %(duration)s (%(channel)s)"),
        # Both read in the reader's language when shown; a channel is "phone", "email" or a
        # follow-up type's own name, which reads as the tenant wrote it.
        params={"duration": stored_duration(minutes), "channel": stored_message(channel)},
        actor=actor,
        lead=lead,
        occurred_at=at,
        detail={"minutes": minutes, "channel": channel},
    )
    lead_handle_event(tenant=tenant, lead=lead, event=LeadEvent.FIRST_TOUCH, actor=actor, now=at)
    lead_rescore(tenant=tenant, lead=lead, now=at)
    return True


def leads_record_customer_reply(*, tenant: Tenant, contact: Contact, received_at) -> int:
    """The contact's live leads remember when the customer last answered."""
    return Lead.objects.filter(
        tenant=tenant, contact=contact, status__in=(LeadStatus.OPEN, LeadStatus.WON)
    ).update(last_customer_reply_at=received_at)
