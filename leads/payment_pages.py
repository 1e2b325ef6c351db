"""The form that records a payment on a job once an app above leads keeps the job's invoices.

Billing provides it at its AppConfig.ready (called with the tenant and the lead, it answers the
path of its form while the job has an open invoice, else ""), so a payment lands on the invoice
it pays and both balances agree; without it leads' own form records the payment on the job."""

from crm.kit.links import Link

PAYMENT_AGAINST_INVOICE = Link(
    "the form recording a payment against one of the job's open invoices"
)
