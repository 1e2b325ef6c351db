"""What the leads app holds on a contact: erasure's rules for its fields (the figures stay, the
words about the person go) and its sections of the export (see crm.privacy)."""

from crm.models import TimelineEvent
from crm.personal_data import TIMELINE_EVENT_ERASURE
from crm.privacy import (
    BLANK,
    ExportKind,
    Keep,
    PersonalModel,
    register_export_kinds,
    register_personal_models,
)
from leads.models import Lead, Payment, Quote, QuoteLine, QuoteStatus, StageVisit

CHUNK = 500


def _job_events(scope):
    """The events of their jobs the core's declaration did not reach (filed under another
    contact or none of their properties): the timeline holds a job's id, the relation is ours."""
    jobs = Lead.objects.filter(tenant=scope.tenant, contact=scope.contact).values("pk")
    return (
        TimelineEvent.objects.filter(tenant=scope.tenant, lead_id__in=jobs)
        .exclude(contact=scope.contact)
        .exclude(property_id__in=scope.own_property_ids)
    )


register_personal_models(
    PersonalModel(
        "leads.Lead",
        "contact",
        {
            "lost_note": BLANK,
            # Its territory reasons name the property's city and postcode.
            "assignment_decision": BLANK,
            "title": Keep("the job's name in the team's pipeline and the dashboards"),
        },
    ),
    PersonalModel(
        "leads.Quote",
        "lead__contact",
        {
            "message": BLANK,
            "decided_by_name": BLANK,
            "rejection_note": BLANK,
            "title": Keep("what the quote is for, read with its total in the figures"),
            "public_token": Keep("a random link token, nothing about the person"),
        },
    ),
    PersonalModel(
        "leads.QuoteLine",
        "quote__lead__contact",
        {
            "description": Keep("the business's own line items, kept with the quote's total"),
            "tax_name": Keep("the name of the business's tax rate"),
        },
    ),
    PersonalModel("leads.Payment", "lead__contact", {"reference": BLANK}),
    PersonalModel(
        "crm.TimelineEvent",
        "contact",
        TIMELINE_EVENT_ERASURE,
        rows=_job_events,
        counted_as="timeline_events",
    ),
)


def _jobs(subject):
    leads = subject.jobs.select_related("stage").order_by("pk")
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


def _stage_history(subject):
    visits = (
        StageVisit.objects.filter(
            tenant=subject.tenant, lead__in=subject.jobs, stage__show_in_portal=True
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


def _quotes(subject):
    quotes = (
        Quote.objects.filter(tenant=subject.tenant, lead__in=subject.jobs)
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


def _quote_lines(subject):
    lines = (
        QuoteLine.objects.filter(tenant=subject.tenant, quote__lead__in=subject.jobs)
        .exclude(quote__status=QuoteStatus.DRAFT)
        .select_related("quote__lead")
        .order_by("quote_id", "position", "id")
    )
    for line in lines.iterator(chunk_size=CHUNK):
        yield (line.quote.reference, line.description, line.quantity, line.unit_price, line.amount)


def _payments(subject):
    payments = (
        Payment.objects.filter(tenant=subject.tenant, lead__in=subject.jobs)
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


register_export_kinds(
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
)
