"""A quote's schedule invoiced by itself: the deposit invoice when the customer accepts, the rest
when the job enters the stage the admin chose (BillingSettings.invoice_at_stage).

Both run inside the publisher's transaction (leads' QuoteAccepted and LeadStageEntered events)
and never invoice an instalment twice: the invoices are made only while the quote has none, and
only drafts are sent."""

from django.db import transaction

from billing.models import BillingSettings, Invoice, InvoiceStatus, ScheduleKind
from billing.services.invoices import invoice_issue, invoice_send, invoices_create_from_quote
from crm.models import Channel, Tenant, User
from crm.selectors.contacts import contact_reach_address
from leads.models import Lead, Quote, QuoteStatus, Stage


def _has_invoices(tenant: Tenant, quote: Quote) -> bool:
    return (
        Invoice.objects.filter(tenant=tenant, quote=quote)
        .exclude(status=InvoiceStatus.VOID)
        .exists()
    )


def _can_email(lead: Lead) -> bool:
    return bool(contact_reach_address(contact=lead.contact, channel=Channel.EMAIL))


@transaction.atomic
def quote_deposit_invoice(*, tenant: Tenant, quote: Quote) -> Invoice | None:
    """The customer accepted a quote with a deposit: its schedule becomes invoices and the
    deposit invoice is issued at once (numbered, and emailed where the customer has an address),
    so the customer can pay it now. Nothing for a quote without a deposit or already invoiced."""
    if quote.status != QuoteStatus.ACCEPTED or quote.deposit_total <= 0:
        return None
    if _has_invoices(tenant, quote):
        return None
    made = invoices_create_from_quote(tenant=tenant, actor=None, quote=quote)
    deposit = next(invoice for invoice in made if invoice.schedule_kind == ScheduleKind.DEPOSIT)
    if _can_email(quote.lead):
        return invoice_send(tenant=tenant, actor=None, invoice=deposit)
    deposit = Invoice.objects.select_for_update(of=("self",)).get(tenant=tenant, pk=deposit.pk)
    invoice_issue(tenant=tenant, invoice=deposit)
    return deposit


def invoice_at_stage_id(*, tenant: Tenant) -> int | None:
    """The stage whose entry invoices a job, if the admin chose one (read, never made)."""
    return (
        BillingSettings.objects.filter(tenant=tenant)
        .values_list("invoice_at_stage_id", flat=True)
        .first()
    )


@transaction.atomic
def invoices_at_stage(
    *, tenant: Tenant, actor: User | None, lead: Lead, stage: Stage
) -> list[Invoice]:
    """The job entered the invoicing stage: each accepted quote's schedule is invoiced (made if
    it has no invoices yet) and its invoices still in draft are sent. Entering the stage again
    sends nothing twice: a sent invoice is no longer a draft. The invoices sent."""
    if invoice_at_stage_id(tenant=tenant) != stage.pk:
        return []
    accepted = Quote.objects.filter(tenant=tenant, lead=lead, status=QuoteStatus.ACCEPTED)
    sent: list[Invoice] = []
    for quote in accepted.order_by("number", "id"):
        if not _has_invoices(tenant, quote):
            invoices_create_from_quote(tenant=tenant, actor=actor, quote=quote)
        if not _can_email(lead):
            continue  # the drafts wait on the lead page for staff to send or print
        drafts = Invoice.objects.filter(
            tenant=tenant, quote=quote, status=InvoiceStatus.DRAFT
        ).exclude(schedule_kind="")
        for invoice in drafts.order_by("schedule_position", "id"):
            sent.append(invoice_send(tenant=tenant, actor=actor, invoice=invoice))
    return sent
