"""“Download my data”: everything the tenant holds on a portal customer, as one JSON document or
as a zip with one CSV per kind of record.

What is in it, per kind (`EXPORT_KINDS`): their contacts, email addresses, phone numbers, messaging
profile, consent now and its history, properties, jobs with the stage history the portal shows
(stages hidden from the portal left out), quotes (not drafts) and their lines, payments, the
messages that went out to them, their ticket messages both ways (internal notes left out), the
list of documents (names, kinds, sizes and dates: the files themselves download one by one from
the portal, a zip of every photo would have no bound), the customer-visible timeline, their portal
access, their insurance answers, the documents staff asked them for and their erasure requests.

Memory stays bounded whatever the history: each kind is read with `.iterator()` in chunks and
written row by row into a temporary file (the view answers with that file; a streamed response
would run after the view has left the tenant context its queries need). CSV cells go through
crm.kit.csv_files.spreadsheet_safe, the helper every CSV export uses.
"""

import csv
import datetime as dt
import io
import json
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.db.models import Q
from django.utils import timezone

from comms.models import GONE_OUT_STATUSES, ContactCommsProfile, MessageStatus, OutboundMessage
from crm.kit.csv_files import spreadsheet_safe
from crm.models import (
    ContactConsent,
    ContactEmail,
    ContactPhone,
    ErasureRequest,
    PropertyContact,
    TimelineEvent,
)
from crm.services import timeline_record
from documents.models import Document
from leads.models import Payment, Quote, QuoteLine, QuoteStatus, StageVisit
from portal.auth import PortalCustomer
from portal.models import DocumentRequest, JobInsurance, PortalAccess
from portal.selectors import portal_jobs
from tickets.models import Direction, TicketMessage

CHUNK = 500
FORMATS = ("json", "csv")


@dataclass(frozen=True)
class ExportKind:
    name: str
    headers: tuple[str, ...]
    rows: Callable[[PortalCustomer], Iterator[tuple]]


def _contacts(customer):
    for contact in customer.contacts:
        yield (
            contact.pk,
            contact.first_name,
            contact.last_name,
            contact.company_name,
            contact.get_preferred_channel_display(),
            contact.get_language_display(),
            contact.created_at,
        )


def _emails(customer):
    rows = ContactEmail.objects.filter(tenant=customer.tenant, contact_id__in=customer.contact_ids)
    for email in rows.order_by("contact_id", "id").iterator(chunk_size=CHUNK):
        yield (email.contact_id, email.email, email.is_primary)


def _phones(customer):
    rows = ContactPhone.objects.filter(tenant=customer.tenant, contact_id__in=customer.contact_ids)
    for phone in rows.order_by("contact_id", "id").iterator(chunk_size=CHUNK):
        yield (phone.contact_id, str(phone.number), phone.get_kind_display(), phone.is_primary)


def _profiles(customer):
    rows = ContactCommsProfile.objects.filter(
        tenant=customer.tenant, contact_id__in=customer.contact_ids
    )
    for profile in rows.order_by("contact_id"):
        yield (
            profile.contact_id,
            profile.get_update_frequency_display(),
            profile.time_zone or "the business's",
            profile.bounced_email,
        )


def _consent(customer):
    rows = ContactConsent.objects.filter(
        tenant=customer.tenant, contact_id__in=customer.contact_ids
    )
    for consent in rows.order_by("contact_id", "channel"):
        yield (
            consent.contact_id,
            consent.get_channel_display(),
            consent.get_status_display(),
            consent.source,
            consent.recorded_at,
        )


def _consent_history(customer):
    """Every recorded state of their consent, from the audit trail (django-pghistory)."""
    history = apps.get_model("crm", "ContactConsentEvent")
    rows = history.objects.filter(
        tenant_id=customer.tenant.pk, contact_id__in=customer.contact_ids
    ).order_by("pgh_created_at", "pgh_id")
    for event in rows.iterator(chunk_size=CHUNK):
        yield (
            event.contact_id,
            event.channel,
            event.status,
            event.source,
            event.recorded_at,
            event.pgh_label,
        )


def _properties(customer):
    links = PropertyContact.objects.filter(
        tenant=customer.tenant, contact_id__in=customer.contact_ids
    ).select_related("property")
    for link in links.order_by("property_id", "contact_id").iterator(chunk_size=CHUNK):
        place = link.property
        yield (
            place.pk,
            link.contact_id,
            link.get_role_display(),
            place.address_line1,
            place.address_line2,
            place.city,
            place.state,
            place.postal_code,
            place.country,
            place.get_property_type_display(),
        )


def _jobs(customer):
    leads = portal_jobs(customer).select_related("stage").order_by("pk")
    for lead in leads.iterator(chunk_size=CHUNK):
        stage = lead.stage
        yield (
            lead.reference,
            lead.title,
            lead.property_id,
            stage.label_for_customer if stage and stage.show_in_portal else "",
            lead.get_status_display(),
            lead.created_at,
            lead.won_at,
        )


def _stage_history(customer):
    visits = (
        StageVisit.objects.filter(
            tenant=customer.tenant, lead__in=portal_jobs(customer), stage__show_in_portal=True
        )
        .select_related("lead", "stage")
        .order_by("lead_id", "entered_at", "id")
    )
    for visit in visits.iterator(chunk_size=CHUNK):
        yield (
            visit.lead.reference,
            visit.stage.label_for_customer,
            visit.entered_at,
            visit.left_at,
        )


def _quotes(customer):
    quotes = (
        Quote.objects.filter(tenant=customer.tenant, lead__in=portal_jobs(customer))
        .exclude(status=QuoteStatus.DRAFT)
        .select_related("lead")
        .order_by("lead_id", "number")
    )
    for quote in quotes.iterator(chunk_size=CHUNK):
        yield (
            quote.reference,
            quote.lead.reference,
            quote.title,
            quote.get_status_display(),
            quote.total,
            quote.valid_until,
            quote.message,
            quote.sent_at,
            quote.decided_at,
            quote.decided_by_name,
            quote.get_rejection_reason_display(),
            quote.rejection_note,
        )


def _quote_lines(customer):
    lines = (
        QuoteLine.objects.filter(tenant=customer.tenant, quote__lead__in=portal_jobs(customer))
        .exclude(quote__status=QuoteStatus.DRAFT)
        .select_related("quote__lead")
        .order_by("quote_id", "position", "id")
    )
    for line in lines.iterator(chunk_size=CHUNK):
        yield (line.quote.reference, line.description, line.quantity, line.unit_price, line.amount)


def _payments(customer):
    payments = (
        Payment.objects.filter(tenant=customer.tenant, lead__in=portal_jobs(customer))
        .select_related("lead")
        .order_by("received_on", "id")
    )
    for payment in payments.iterator(chunk_size=CHUNK):
        yield (
            payment.lead.reference,
            payment.amount,
            payment.get_method_display(),
            payment.reference,
            payment.received_on,
        )


def _messages(customer):
    sent = OutboundMessage.objects.filter(
        tenant=customer.tenant,
        contact_id__in=customer.contact_ids,
        status__in=[*GONE_OUT_STATUSES, MessageStatus.BOUNCED],
    ).order_by("sent_at", "id")
    for message in sent.iterator(chunk_size=CHUNK):
        yield (
            message.contact_id,
            message.get_channel_display(),
            message.to_address,
            message.subject,
            message.body_text,
            message.get_status_display(),
            message.sent_at,
        )


def _ticket_messages(customer):
    rows = (
        TicketMessage.objects.filter(
            tenant=customer.tenant, ticket__contact_id__in=customer.contact_ids
        )
        .exclude(direction=Direction.INTERNAL)
        .select_related("ticket")
        .order_by("ticket_id", "sent_at", "id")
    )
    for message in rows.iterator(chunk_size=CHUNK):
        yield (
            f"T-{message.ticket.number}",
            message.get_direction_display(),
            message.get_channel_display(),
            message.from_address,
            message.to_address,
            message.subject,
            message.reply_text or message.body_text,
            message.sent_at,
        )


def _documents(customer):
    rows = (
        Document.objects.filter(tenant=customer.tenant, deleted_at__isnull=True)
        .filter(Q(contact_id__in=customer.contact_ids) | Q(lead__in=portal_jobs(customer)))
        .order_by("created_at", "id")
    )
    for document in rows.iterator(chunk_size=CHUNK):
        yield (
            document.original_name,
            document.get_kind_display(),
            document.content_type,
            document.size,
            document.visible_to_customer,
            document.created_at,
        )


def _timeline(customer):
    events = (
        TimelineEvent.objects.filter(tenant=customer.tenant, customer_visible=True)
        .filter(Q(contact_id__in=customer.contact_ids) | Q(lead__in=portal_jobs(customer)))
        # A stage change names the team's own stage; the stage history has it in their words.
        .exclude(kind="lead.stage_changed")
        .order_by("occurred_at", "id")
    )
    for event in events.iterator(chunk_size=CHUNK):
        yield (event.occurred_at, event.kind, event.summary)


def _portal_access(customer):
    rows = PortalAccess.objects.filter(tenant=customer.tenant, contact_id__in=customer.contact_ids)
    for access in rows.order_by("contact_id"):
        yield (
            access.contact_id,
            access.email,
            str(access.phone or ""),
            access.invited_at,
            access.first_signed_in_at,
            access.last_signed_in_at,
        )


def _erasure_requests(customer):
    rows = ErasureRequest.objects.filter(
        tenant=customer.tenant, contact_id__in=customer.contact_ids
    )
    for request in rows.order_by("requested_at", "id"):
        yield (
            request.contact_id,
            request.requested_at,
            request.get_how_display(),
            request.get_status_display(),
            request.handled_at,
        )


def _insurance(customer):
    rows = JobInsurance.objects.filter(
        tenant=customer.tenant, access__contact_id__in=customer.contact_ids
    ).select_related("lead")
    for answer in rows.order_by("lead_id"):
        yield (
            answer.lead.reference,
            answer.is_claim,
            answer.carrier,
            answer.claim_number,
            answer.updated_at,
        )


def _document_requests(customer):
    rows = DocumentRequest.objects.filter(
        tenant=customer.tenant, access__contact_id__in=customer.contact_ids
    )
    for request in rows.order_by("requested_at", "id"):
        yield (request.get_kind_display(), request.note, request.requested_at)


EXPORT_KINDS = (
    ExportKind(
        "contacts",
        ("id", "first_name", "last_name", "company", "preferred_channel", "language", "created"),
        _contacts,
    ),
    ExportKind("emails", ("contact_id", "email", "primary"), _emails),
    ExportKind("phones", ("contact_id", "number", "kind", "primary"), _phones),
    ExportKind(
        "messaging_profile",
        ("contact_id", "update_frequency", "time_zone", "bounced_email"),
        _profiles,
    ),
    ExportKind("consent", ("contact_id", "channel", "status", "source", "recorded"), _consent),
    ExportKind(
        "consent_history",
        ("contact_id", "channel", "status", "source", "recorded", "change"),
        _consent_history,
    ),
    ExportKind(
        "properties",
        (
            "id",
            "contact_id",
            "role",
            "address_line1",
            "address_line2",
            "city",
            "state",
            "postal_code",
            "country",
            "type",
        ),
        _properties,
    ),
    ExportKind(
        "jobs",
        ("reference", "title", "property_id", "current_step", "status", "created", "won"),
        _jobs,
    ),
    ExportKind("stage_history", ("job", "step", "entered", "left"), _stage_history),
    ExportKind(
        "quotes",
        (
            "reference",
            "job",
            "title",
            "status",
            "total",
            "valid_until",
            "message",
            "sent",
            "decided",
            "decided_by",
            "rejection_reason",
            "rejection_note",
        ),
        _quotes,
    ),
    ExportKind(
        "quote_lines", ("quote", "description", "quantity", "unit_price", "amount"), _quote_lines
    ),
    ExportKind("payments", ("job", "amount", "method", "reference", "received_on"), _payments),
    ExportKind(
        "messages_sent",
        ("contact_id", "channel", "to", "subject", "text", "status", "sent"),
        _messages,
    ),
    ExportKind(
        "conversations",
        ("ticket", "direction", "channel", "from", "to", "subject", "text", "sent"),
        _ticket_messages,
    ),
    ExportKind(
        "documents",
        ("name", "kind", "content_type", "size_bytes", "visible_in_portal", "uploaded"),
        _documents,
    ),
    ExportKind("timeline", ("when", "kind", "what"), _timeline),
    ExportKind(
        "portal_access",
        ("contact_id", "email", "phone", "invited", "first_signed_in", "last_signed_in"),
        _portal_access,
    ),
    ExportKind("insurance", ("job", "is_claim", "carrier", "claim_number", "updated"), _insurance),
    ExportKind("document_requests", ("kind", "note", "requested"), _document_requests),
    ExportKind(
        "erasure_requests",
        ("contact_id", "requested", "how", "status", "handled"),
        _erasure_requests,
    ),
)


def _plain(value):
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def write_json(customer: PortalCustomer, out: io.TextIOBase) -> None:
    """{"exported_at": …, "business": …, "<kind>": [{header: value, …}, …], …}, row by row."""
    out.write("{")
    out.write(f'"exported_at": {json.dumps(timezone.now().isoformat())}, ')
    out.write(f'"business": {json.dumps(customer.business_name)}')
    for kind in EXPORT_KINDS:
        out.write(f", {json.dumps(kind.name)}: [")
        for index, row in enumerate(kind.rows(customer)):
            record = dict(zip(kind.headers, (_plain(value) for value in row), strict=True))
            out.write(("," if index else "") + json.dumps(record, ensure_ascii=False))
        out.write("]")
    out.write("}\n")


def _csv_cell(value) -> str:
    value = _plain(value)
    if isinstance(value, bool):
        value = "yes" if value else "no"
    return spreadsheet_safe(value)


def write_csv_zip(customer: PortalCustomer, out) -> None:
    """A zip with one CSV per kind (`<kind>.csv`), every cell neutralised against formulas."""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for kind in EXPORT_KINDS:
            with archive.open(f"{kind.name}.csv", "w") as member:
                text = io.TextIOWrapper(member, encoding="utf-8", newline="")
                writer = csv.writer(text)
                writer.writerow(kind.headers)
                for row in kind.rows(customer):
                    writer.writerow([_csv_cell(value) for value in row])
                text.flush()
                text.detach()


def portal_data_export(*, customer: PortalCustomer, export_format: str):
    """The export in a temporary file (rewound), its file name; recorded on each contact's
    timeline."""
    if export_format not in FORMATS:
        raise ValueError(f"Unknown export format: {export_format}")
    # Handed to the FileResponse, which closes it once sent.
    spool = tempfile.TemporaryFile()  # noqa: SIM115
    if export_format == "json":
        text = io.TextIOWrapper(spool, encoding="utf-8")
        write_json(customer, text)
        text.flush()
        text.detach()
        extension = "json"
    else:
        write_csv_zip(customer, spool)
        extension = "zip"
    spool.seek(0)
    for contact in customer.contacts:
        timeline_record(
            tenant=customer.tenant,
            kind="contact.data_exported",
            summary=f"Downloaded their data from the customer portal ({export_format.upper()})",
            contact=contact,
            detail={"format": export_format},
        )
    stamp = timezone.localdate().isoformat()
    return spool, f"my-data-{stamp}.{extension}"
