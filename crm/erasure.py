"""Erasure: a customer asks the business to forget them, and a manager or admin carries it out.

`erasure_request_create` records the ask (from the portal, or told to staff) and tells the
managers and admins. `contact_anonymise` erases the person while keeping the business's figures:

- erased: the contact's names; every email address and phone number; the address and notes of
  properties linked to nobody else (a property shared with another contact keeps its address,
  which is the other contact's too, and loses only the link); message subjects and bodies to and
  from them (outbox rows and their sandbox copies, ticket messages with their attachments, the raw
  inbound events those came from); free text written about them (quote messages and rejection
  notes, who accepted a quote, payment references, lost-reason notes, follow-up subjects,
  descriptions, outcomes and notes); their documents' files; their portal access and sign-in
  challenges; the summaries and text details of their timeline events; and the audit history
  (django-pghistory event rows) of every erased row, which would otherwise keep the old values.
- kept: the leads with their pipeline, stages, stage visits, values, costs, sources, lost
  reasons, statuses and dates; quote totals, statuses and lines; payment amounts and dates;
  message channels, statuses and times; ticket numbers, statuses and SLA times; timeline event
  kinds, times and ids; consent per channel (status and time, its source now "erased"), so the
  dashboards read the same figures after as before.
"""

from dataclasses import dataclass

import pghistory.models
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from crm.models import (
    Contact,
    ContactConsent,
    ContactEmail,
    ContactPhone,
    ErasureHow,
    ErasureRequest,
    ErasureStatus,
    Membership,
    NotificationLevel,
    Property,
    PropertyContact,
    Role,
    Tenant,
    TimelineEvent,
    User,
)
from crm.services import notifications_notify_roles, timeline_record

ERASED = "Erased"
ERASED_FIRST_NAME = "Erased"
ERASED_LAST_NAME = "contact"
ERASE_ROLES = (Role.ADMIN, Role.MANAGER)
NOTE_MAX = ErasureRequest._meta.get_field("note").max_length


def may_erase(membership: Membership) -> bool:
    return membership.role in ERASE_ROLES


def open_erasure_request(*, tenant: Tenant, contact: Contact) -> ErasureRequest | None:
    return ErasureRequest.objects.filter(
        tenant=tenant, contact=contact, status=ErasureStatus.OPEN
    ).first()


@transaction.atomic
def erasure_request_create(
    *, tenant: Tenant, contact: Contact, how: str = ErasureHow.PORTAL, actor: User | None = None
) -> tuple[ErasureRequest, bool]:
    """Record that the contact asked to be erased; (the request, whether it is new). Asking again
    while a request is open answers the open one."""
    if contact.tenant_id != tenant.pk:
        raise ValueError("The contact belongs to another tenant.")
    Contact.objects.select_for_update().filter(tenant=tenant, pk=contact.pk).first()
    existing = open_erasure_request(tenant=tenant, contact=contact)
    if existing is not None:
        return existing, False
    request = ErasureRequest.objects.create(tenant=tenant, contact=contact, how=how)
    timeline_record(
        tenant=tenant,
        kind="contact.erasure_requested",
        summary=f"Erasure of their data requested ({ErasureHow(how).label.lower()})",
        actor=actor,
        contact=contact,
        detail={"erasure_request": request.pk, "how": how},
    )
    notifications_notify_roles(
        tenant=tenant,
        roles=ERASE_ROLES,
        title="A customer asked to be erased",
        body="Open the contact to carry out the erasure or decline it with a reason.",
        url=reverse("contacts:detail", kwargs={"contact_pk": contact.pk}) + "#contact-erasure",
        level=NotificationLevel.WARNING,
        kind="erasure_requested",
    )
    return request, True


@transaction.atomic
def erasure_request_decline(
    *, tenant: Tenant, membership: Membership, contact: Contact, note: str
) -> ErasureRequest:
    """A manager or admin declines the open request, saying why (e.g. records the law keeps)."""
    if not may_erase(membership):
        raise PermissionError("Only managers and admins handle erasure requests.")
    note = " ".join(note.split())
    if not note:
        raise ValidationError({"note": "Say why the request is declined; the customer may ask."})
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": f"Keep the reason to {NOTE_MAX} characters."})
    request = (
        ErasureRequest.objects.select_for_update()
        .filter(tenant=tenant, contact=contact, status=ErasureStatus.OPEN)
        .first()
    )
    if request is None:
        raise ValidationError("There is no open erasure request to decline.")
    request.status = ErasureStatus.DECLINED
    request.handled_by = membership.user
    request.handled_at = timezone.now()
    request.note = note
    request.save(update_fields=["status", "handled_by", "handled_at", "note"])
    timeline_record(
        tenant=tenant,
        kind="contact.erasure_declined",
        summary=f"Erasure request declined by {membership.user}: {note}",
        actor=membership.user,
        contact=contact,
        detail={"erasure_request": request.pk},
    )
    return request


@dataclass(frozen=True)
class ErasureReport:
    contact_id: int
    properties_erased: int
    properties_unlinked: int
    outbound_messages: int
    ticket_messages: int
    inbound_events: int
    documents_deleted: int
    files_deleted: int
    timeline_events: int
    history_rows_deleted: int


def _event_models_of(tracked: set[type]) -> list[type]:
    return [
        model
        for model in apps.get_models()
        if issubclass(model, pghistory.models.Event)
        and getattr(model, "pgh_tracked_model", None) in tracked
    ]


def _history_delete(tenant: Tenant, rows: dict[type, set[int]]) -> int:
    """The audit history of the erased rows: their event rows hold the old values (an update
    event the new, erased ones; a delete event the last values). All of it goes."""
    deleted = 0
    for event_model in _event_models_of(set(rows)):
        ids = rows[event_model.pgh_tracked_model]
        if ids:
            count, _ = event_model.objects.filter(
                tenant_id=tenant.pk, pgh_obj_id__in=list(ids)
            ).delete()
            deleted += count
    return deleted


def _text_free(detail: dict) -> dict:
    """A timeline event's detail without its text: ids, numbers and flags stay (the portal and the
    dashboards read stage ids and counts), words go."""
    return {
        key: value
        for key, value in (detail or {}).items()
        if value is None or isinstance(value, (bool, int, float))
    }


@transaction.atomic
def contact_anonymise(
    *, tenant: Tenant, membership: Membership, contact: Contact, note: str = ""
) -> ErasureReport:
    """Erase the contact's personal data (see the module's docstring for what stays)."""
    from comms.models import ContactCommsProfile, OutboundMessage, SandboxDelivery
    from documents.models import Document
    from followups.models import FollowUp, FollowUpNote, FollowUpSeries
    from leads.models import Lead, Payment, Quote
    from portal.models import PortalAccess, SignInChallenge
    from tickets.models import InboundEvent, Ticket, TicketAttachment, TicketMessage

    if not may_erase(membership):
        raise PermissionError("Only managers and admins erase contacts.")
    if contact.tenant_id != tenant.pk:
        raise ValueError("The contact belongs to another tenant.")
    contact = Contact.objects.select_for_update().get(tenant=tenant, pk=contact.pk)
    now = timezone.now()
    history: dict[type, set[int]] = {Contact: {contact.pk}}

    # Addresses: what sign-in challenges were sent to, then the addresses themselves.
    emails = list(ContactEmail.objects.filter(tenant=tenant, contact=contact))
    phones = list(ContactPhone.objects.filter(tenant=tenant, contact=contact))
    addresses = [email.email for email in emails] + [str(phone.number) for phone in phones]
    SignInChallenge.objects.filter(tenant=tenant).filter(
        Q(contact=contact) | Q(address__in=addresses)
    ).delete()
    PortalAccess.objects.filter(tenant=tenant, contact=contact).delete()
    history[ContactEmail] = {email.pk for email in emails}
    history[ContactPhone] = {phone.pk for phone in phones}
    ContactEmail.objects.filter(tenant=tenant, contact=contact).delete()
    ContactPhone.objects.filter(tenant=tenant, contact=contact).delete()
    ContactCommsProfile.objects.filter(tenant=tenant, contact=contact).update(bounced_email="")

    # Properties: erased when nobody else is linked, else only unlinked from this contact.
    links = list(
        PropertyContact.objects.filter(tenant=tenant, contact=contact).annotate(
            others=Count("property__links", filter=~Q(property__links__contact=contact))
        )
    )
    own = {link.property_id for link in links if link.others == 0}
    shared = [link for link in links if link.others > 0]
    Property.objects.filter(tenant=tenant, pk__in=own).update(
        address_line1=ERASED, address_line2="", city=ERASED, state="", postal_code="", notes=""
    )
    history[Property] = own
    history[PropertyContact] = {link.pk for link in links}
    PropertyContact.objects.filter(tenant=tenant, pk__in=[link.pk for link in shared]).delete()

    # Consent: the record of each channel stays (status and time), without how it was given.
    history[ContactConsent] = set(
        ContactConsent.objects.filter(tenant=tenant, contact=contact).values_list("pk", flat=True)
    )
    ContactConsent.objects.filter(tenant=tenant, contact=contact).update(source="erased")

    # Jobs: the figures stay, the words about the person go.
    leads = Lead.objects.filter(tenant=tenant, contact=contact)
    lead_ids = list(leads.values_list("pk", flat=True))
    leads.update(lost_note="")
    quotes = Quote.objects.filter(tenant=tenant, lead_id__in=lead_ids)
    history[Quote] = set(quotes.values_list("pk", flat=True))
    quotes.update(message="", decided_by_name="", rejection_note="")
    payments = Payment.objects.filter(tenant=tenant, lead_id__in=lead_ids)
    history[Payment] = set(payments.values_list("pk", flat=True))
    payments.update(reference="")

    # Messages to and from them.
    outbound = OutboundMessage.objects.filter(tenant=tenant, contact=contact)
    outbound_count = outbound.update(
        to_address="", subject=ERASED, body_text="", body_html="", context={}
    )
    SandboxDelivery.objects.filter(tenant=tenant, message__contact=contact).update(
        to_address="", subject=ERASED, body_text="", body_html="", headers={}
    )
    tickets = Ticket.objects.filter(tenant=tenant, contact=contact)
    tickets.update(subject=ERASED, last_message_snippet="", priority_reason="")
    ticket_messages = TicketMessage.objects.filter(tenant=tenant, ticket__contact=contact)
    inbound_events = InboundEvent.objects.filter(
        tenant=tenant, pk__in=ticket_messages.exclude(inbound_event=None).values("inbound_event")
    )
    inbound_count = inbound_events.update(payload={}, raw=b"", provider_post=b"", last_error="")
    files_deleted = 0
    for attachment in TicketAttachment.objects.filter(
        tenant=tenant, message__ticket__contact=contact
    ):
        attachment.file.delete(save=False)
        files_deleted += 1
    TicketAttachment.objects.filter(tenant=tenant, message__ticket__contact=contact).delete()
    ticket_message_count = ticket_messages.update(
        from_address="",
        to_address="",
        subject="",
        body_text="",
        reply_text="",
        body_html="",
        message_id="",
        in_reply_to="",
        media=[],
        enclosed=[],
        dated_at=None,
    )

    # Follow-ups about them: when and what kind stay, the words go.
    FollowUp.objects.filter(tenant=tenant, contact=contact).update(
        subject=ERASED, description="", outcome_notes=""
    )
    FollowUpNote.objects.filter(tenant=tenant, follow_up__contact=contact).update(body=ERASED)
    FollowUpSeries.objects.filter(tenant=tenant, contact=contact).update(
        subject=ERASED, description=""
    )

    # Documents: the files go, and their records with them.
    documents = list(
        Document.objects.filter(tenant=tenant).filter(
            Q(contact=contact) | Q(lead_id__in=lead_ids) | Q(property_id__in=own)
        )
    )
    for document in documents:
        document.file.delete(save=False)
        files_deleted += 1
    Document.objects.filter(tenant=tenant, pk__in=[d.pk for d in documents]).delete()

    # Timeline: what happened and when stays; what was said goes.
    events = TimelineEvent.objects.filter(tenant=tenant).filter(
        Q(contact=contact) | Q(lead_id__in=lead_ids) | Q(property_id__in=own)
    )
    timeline_count = 0
    for event in events.only("pk", "detail").iterator(chunk_size=500):
        TimelineEvent.objects.filter(tenant=tenant, pk=event.pk).update(
            summary=ERASED, detail=_text_free(event.detail)
        )
        timeline_count += 1

    contact.first_name = ERASED_FIRST_NAME
    contact.last_name = ERASED_LAST_NAME
    contact.company_name = ""
    contact.needs_review = False
    contact.save(update_fields=["first_name", "last_name", "company_name", "needs_review"])

    history_deleted = _history_delete(tenant, history)

    request = (
        ErasureRequest.objects.select_for_update()
        .filter(tenant=tenant, contact=contact, status=ErasureStatus.OPEN)
        .first()
    ) or ErasureRequest(tenant=tenant, contact=contact, how=ErasureHow.STAFF, requested_at=now)
    request.status = ErasureStatus.DONE
    request.handled_by = membership.user
    request.handled_at = now
    request.note = " ".join(note.split())[:NOTE_MAX]
    request.save()
    timeline_record(
        tenant=tenant,
        kind="contact.erased",
        summary=f"Contact erased by {membership.user}",
        actor=membership.user,
        contact=contact,
        detail={"erasure_request": request.pk},
    )
    return ErasureReport(
        contact_id=contact.pk,
        properties_erased=len(own),
        properties_unlinked=len(shared),
        outbound_messages=outbound_count,
        ticket_messages=ticket_message_count,
        inbound_events=inbound_count,
        documents_deleted=len(documents),
        files_deleted=files_deleted,
        timeline_events=timeline_count,
        history_rows_deleted=history_deleted,
    )
