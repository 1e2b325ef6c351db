"""Writes of the contact timeline: one event per thing that happened to a contact."""

from collections.abc import Iterable

from django.utils import timezone

from crm.kit.stored_text import clipped, stored_english, stored_params
from crm.models import Contact, Property, Tenant, TimelineEvent, User

# Events inserted per statement by timeline_record_many.
INSERT_BATCH = 1000


def timeline_event(
    *,
    tenant: Tenant,
    kind: str,
    summary: str,
    params: dict | None = None,
    actor: User | None = None,
    contact: Contact | None = None,
    property: Property | None = None,
    lead=None,
    detail: dict | None = None,
    customer_visible: bool = False,
    occurred_at=None,
) -> TimelineEvent:
    """The event of something that happened to a contact, property or lead (later: ticket), not
    yet saved: timeline_record writes one, timeline_record_many a batch's together.

    With `params` (even empty), `summary` is an English msgid marked with gettext_noop and `params`
    its %(name)s values (crm.kit.stored_text): the event reads in its reader's language. Without,
    `summary` is free text (a note, a customer's words) shown as it is.
    """
    if params is not None:
        summary_params = stored_params(summary, params)
        summary = stored_english(summary, params)
    else:
        summary_params = {}
    # A lead's events are its contact's too: the contact page shows the whole story.
    contact_id = contact.pk if contact else (lead.contact_id if lead else None)
    return TimelineEvent(
        tenant=tenant,
        kind=kind,
        summary=clipped(summary, 300),
        summary_params=summary_params,
        actor=actor,
        contact_id=contact_id,
        property=property,
        lead_id=lead.pk if lead else None,
        detail=detail or {},
        customer_visible=customer_visible,
        occurred_at=occurred_at or timezone.now(),
    )


def timeline_record(**fields) -> TimelineEvent:
    """Record that something happened to a contact, property or lead (timeline_event's
    arguments)."""
    event = timeline_event(**fields)
    event.save(force_insert=True)
    return event


def timeline_record_many(events: Iterable[TimelineEvent]) -> list[TimelineEvent]:
    """Record the events (timeline_event's) in a few INSERT statements: a sweep's batch of the
    same thing happening to many leads."""
    return TimelineEvent.objects.bulk_create(list(events), batch_size=INSERT_BATCH)
