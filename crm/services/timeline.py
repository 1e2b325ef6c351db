"""Writes of the contact timeline: one event per thing that happened to a contact."""

from django.utils import timezone

from crm.models import Contact, Property, Tenant, TimelineEvent, User


def timeline_record(
    *,
    tenant: Tenant,
    kind: str,
    summary: str,
    actor: User | None = None,
    contact: Contact | None = None,
    property: Property | None = None,
    lead=None,
    detail: dict | None = None,
    customer_visible: bool = False,
    occurred_at=None,
) -> TimelineEvent:
    """Record that something happened to a contact, property or lead (later: ticket)."""
    # A lead's events are its contact's too: the contact page shows the whole story.
    contact_id = contact.pk if contact else (lead.contact_id if lead else None)
    return TimelineEvent.objects.create(
        tenant=tenant,
        kind=kind,
        summary=summary[:300],
        actor=actor,
        contact_id=contact_id,
        property=property,
        lead=lead,
        detail=detail or {},
        customer_visible=customer_visible,
        occurred_at=occurred_at or timezone.now(),
    )
