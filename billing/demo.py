"""The demo tenants' invoices: a Dutch BTW deposit invoice (paid) and its final invoice (open)
for ChargeCars, and the portal demo customer's re-roof invoice (sent) for the roofer, so the lead
page, the portal and the PDFs show invoices from the first `make dev`."""

from billing.models import Invoice
from billing.services.invoices import invoice_send, invoices_create_from_quote
from billing.services.payments import invoice_apply_payment
from crm.models import Tenant
from leads.models import LeadStatus, PaymentMethod, Quote, QuoteStatus

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
