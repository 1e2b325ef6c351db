"""A payment's receipt: emailed to the customer in their language (texted when the invoice went by
text and they have no email address), and a notice to the job's owner. Once per payment: the
link between the payment and its invoice is stamped in the same statement that claims it."""

from django.utils import timezone
from django.utils.translation import gettext_noop

from billing.models import Invoice, InvoicePayment, SentVia
from billing.services.invoices import invoice_message_context, invoice_message_schedule
from crm.kit.formatting import money
from crm.models import Channel, NotificationLevel, Tenant, User
from crm.selectors.contacts import contact_reach_address
from leads.models import Payment
from leads.services.notices import lead_owner_notify


def invoice_receipt_send(
    *, tenant: Tenant, actor: User | None, invoice: Invoice, payment: Payment
) -> bool:
    """Runs in the transaction that applied the payment. Whether the receipt went now (False:
    it already had one)."""
    claimed = InvoicePayment.objects.filter(
        tenant=tenant, invoice=invoice, payment=payment, receipt_at__isnull=True
    ).update(receipt_at=timezone.now())
    if not claimed:
        return False
    context = invoice_message_context(tenant, invoice, payment=payment)
    figures = context["figures"]
    _customer_receipt(tenant, invoice, payment, context)
    owner = invoice.lead.owner
    if actor is None or owner is None or owner.user_id != actor.pk:
        params = {
            "amount": money(payment.amount, invoice.currency),
            "number": invoice.number,
            "balance": money(figures.balance, invoice.currency),
        }
        lead_owner_notify(
            tenant,
            invoice.lead,
            gettext_noop("%(amount)s received on invoice %(number)s: %(balance)s left to pay")
            if figures.balance > 0
            else gettext_noop("%(amount)s received on invoice %(number)s: it is paid in full"),
            level=NotificationLevel.INFO,
            kind="invoice_payment",
            title_params=params,
        )
    return True


def _customer_receipt(tenant: Tenant, invoice: Invoice, payment: Payment, context: dict) -> None:
    contact = invoice.lead.contact
    by_text = not contact_reach_address(contact=contact, channel=Channel.EMAIL) and (
        invoice.sent_via == SentVia.SMS
    )
    invoice_message_schedule(
        tenant=tenant,
        actor=None,
        invoice=invoice,
        templates="receipt",
        by_text=by_text,
        context=context,
        idempotency_key=f"invoice-receipt:{payment.pk}",
    )
