"""Invoice numbers: per tenant and brand, in an unbroken sequence (as Dutch law asks).

The counter row is locked (SELECT … FOR UPDATE) in the transaction that sends the invoice: two
invoices sent at once wait for each other, and a transaction that rolls back gives its number back
with it, so no number is skipped or given twice."""

from django.db import IntegrityError, transaction

from billing.models import BillingSettings, Invoice, InvoiceCounter, Series
from crm.models import Tenant


def billing_settings(*, tenant: Tenant) -> BillingSettings:
    """The tenant's settings row, made with the defaults the first time it is needed."""
    found = BillingSettings.objects.filter(tenant=tenant).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return BillingSettings.objects.create(tenant=tenant)
    except IntegrityError:  # made by a concurrent request a moment ago
        return BillingSettings.objects.get(tenant=tenant)


def _locked_counter(tenant: Tenant, brand_id: int | None, series: str) -> InvoiceCounter:
    counters = InvoiceCounter.objects.select_for_update().filter(tenant=tenant, series=series)
    counters = (
        counters.filter(brand__isnull=True) if brand_id is None else counters.filter(brand=brand_id)
    )
    counter = counters.first()
    if counter is not None:
        return counter
    try:
        with transaction.atomic():
            InvoiceCounter.objects.create(tenant=tenant, brand_id=brand_id, series=series)
    except IntegrityError:
        pass  # another transaction made it first: lock theirs
    return counters.get()


def invoice_number_assign(*, tenant: Tenant, invoice: Invoice) -> Invoice:
    """Give the invoice (or credit note) the next number of its series; it must hold none yet.
    Runs inside the caller's transaction, which holds the counter until it commits."""
    assert not invoice.number, "an invoice keeps its number"  # noqa: S101
    settings = billing_settings(tenant=tenant)
    counter = _locked_counter(tenant, invoice.brand_id, invoice.series)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    prefix = (
        settings.credit_note_prefix
        if invoice.series == Series.CREDIT_NOTE
        else settings.invoice_prefix
    )
    brand_part = f"{invoice.brand.slug.upper()}-" if invoice.brand_id and invoice.brand else ""
    invoice.sequence = counter.last_number
    invoice.number = f"{prefix}{brand_part}{counter.last_number:05d}"
    invoice.save(update_fields=["sequence", "number"])
    return invoice
