"""The demo tenants' invoices: a Dutch BTW deposit invoice (paid) and its final invoice (open)
for ChargeCars, and the portal demo customer's re-roof invoice (sent) for the roofer, so the lead
page, the portal and the PDFs show invoices from the first `make dev`. The roofer also has one
insurance job: the wind damage claim, approved and in production, billed to the homeowner's
deductible and to the insurer (its actual cash value paid by check), the depreciation held back
until the roof is completed."""

from decimal import Decimal

from billing.models import InsuranceClaim, Invoice, Payer
from billing.services.insurance import insurance_invoices_create, invoice_issue_to_insurer
from billing.services.invoices import invoice_send, invoices_create_from_quote
from billing.services.payments import invoice_apply_payment
from crm.models import Channel, Tenant
from crm.selectors.contacts import contact_reach_address
from leads.models import Lead, LeadStatus, PaymentMethod, Quote, QuoteStatus, Stage
from leads.services.stages import lead_move_to_stage

# The roofer's insurance job: (tenant, pipeline, lead title).
INSURANCE_JOB = ("demo", "Insurance claim", "Wind damage claim")


# Whose accepted quote becomes invoices in each demo tenant.
DEMO_JOBS = {
    "chargecars": "daan.jansen@example.nl",
    "demo": "customer@demo.test",
}


def seed_billing(tenant: Tenant) -> None:
    """Adds the demo invoices once; a second run finds them and does nothing."""
    email = DEMO_JOBS.get(tenant.slug)
    if email is None or Invoice.objects.filter(tenant=tenant).exists():
        return
    if tenant.slug == INSURANCE_JOB[0]:
        _seed_insurance_job(tenant)
    quote = (
        Quote.objects.filter(
            tenant=tenant,
            status=QuoteStatus.ACCEPTED,
            lead__status=LeadStatus.WON,
            lead__contact__emails__email=email,
        )
        .order_by("-total")
        .first()
    )
    if quote is None:
        return
    invoices = invoices_create_from_quote(tenant=tenant, actor=None, quote=quote)
    first = invoice_send(tenant=tenant, actor=None, invoice=invoices[0])
    if len(invoices) == 1:
        return  # the roofer's re-roof: sent, its payments are the money loop's to record
    invoice_apply_payment(
        tenant=tenant,
        actor=None,
        invoice=first,
        amount=first.total,
        currency=tenant.currency,
        method=PaymentMethod.BANK_TRANSFER,
        received_on=tenant.today(),
    )
    invoice_send(tenant=tenant, actor=None, invoice=invoices[-1])


def _seed_insurance_job(tenant: Tenant) -> None:
    """The wind damage claim: its quote accepted (as the homeowner did after the adjuster's
    visit), the job approved and in production, billed as an insurance job."""
    _tenant, pipeline, title = INSURANCE_JOB
    lead = (
        Lead.objects.filter(tenant=tenant, pipeline__name=pipeline, title=title)
        .select_related("contact")
        .first()
    )
    quote = Quote.objects.filter(tenant=tenant, lead=lead).order_by("-total").first()
    if lead is None or quote is None or InsuranceClaim.objects.filter(tenant=tenant).exists():
        return
    Quote.objects.filter(tenant=tenant, pk=quote.pk).update(
        status=QuoteStatus.ACCEPTED, decided_by_name=lead.contact.display_name
    )
    for stage_name in ("Approved", "In production"):
        lead = Lead.objects.get(tenant=tenant, pk=lead.pk)
        stage = Stage.objects.get(tenant=tenant, pipeline_id=lead.pipeline_id, name=stage_name)
        lead_move_to_stage(tenant=tenant, actor=None, lead=lead, stage=stage)
    quote.refresh_from_db()
    claim = insurance_invoices_create(
        tenant=tenant,
        actor=None,
        quote=quote,
        insurer_name="Citizens Property Insurance",
        claim_number="FL-2026-118734",
        policy_number="HO3-5521907",
        adjuster="Mark Ellis, (813) 555-0147",
        deductible=Decimal("1000"),
        depreciation=(quote.total * Decimal("0.2")).quantize(Decimal("1")),
    )
    for invoice in Invoice.objects.filter(tenant=tenant, claim=claim, is_depreciation=False):
        if invoice.payer == Payer.INSURER:
            # The insurer's first check, for the materials; the second comes with the work done,
            # so the rest shows on the receivables as owed by insurers.
            issued = invoice_issue_to_insurer(tenant=tenant, actor=None, invoice=invoice)
            invoice_apply_payment(
                tenant=tenant,
                actor=None,
                invoice=issued,
                amount=(issued.total / 2).quantize(Decimal("1")),
                currency=tenant.currency,
                method=PaymentMethod.CHECK,
                received_on=tenant.today(),
                reference="Citizens check 40213",
            )
        elif contact_reach_address(contact=lead.contact, channel=Channel.EMAIL):
            invoice_send(tenant=tenant, actor=None, invoice=invoice)
