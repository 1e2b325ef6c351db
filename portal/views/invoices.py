"""The customer's invoices in the portal (/portal/invoices/): their own only, each with its
balance and its PDF."""

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from billing import pdf_documents
from billing.selectors import invoices as billing
from billing.selectors.online import online_payment_open
from billing.services.online import invoice_checkout_start
from portal.auth import portal_customer_required


@require_GET
@portal_customer_required
def invoice_list(request):
    customer = request.portal
    rows = billing.customer_invoices(tenant=customer.tenant, contact_ids=customer.contact_ids)
    return render(request, "portal/invoices.html", {"rows": rows})


def _invoice_page(request, invoice, *, error: str = "", status: int = 200):
    tenant = request.portal.tenant
    figures = billing.invoice_balance(tenant=tenant, invoice=invoice)
    context = {
        "invoice": invoice,
        "figures": figures,
        "status": billing.shown_status(invoice, tenant.today()),
        "tax_groups": billing.tax_groups(invoice),
        "currency": invoice.currency,
        "page_brand": invoice.brand,
        "can_pay_online": online_payment_open(
            tenant=tenant, invoice=invoice, balance=figures.balance
        ),
        "paid_just_now": request.GET.get("paid") == "1",
        "pay_error": error,
    }
    return render(request, "portal/invoice.html", context, status=status)


@require_GET
@portal_customer_required
def invoice_detail(request, invoice_pk: int):
    customer = request.portal
    invoice = billing.customer_invoice_get(
        tenant=customer.tenant, contact_ids=customer.contact_ids, invoice_id=invoice_pk
    )
    return _invoice_page(request, invoice)


@require_POST
@portal_customer_required
def invoice_pay(request, invoice_pk: int):
    """Open the provider's checkout for the balance; back to the invoice when paid or abandoned."""
    customer = request.portal
    invoice = billing.customer_invoice_get(
        tenant=customer.tenant, contact_ids=customer.contact_ids, invoice_id=invoice_pk
    )
    page = request.build_absolute_uri(reverse("portal:invoice", kwargs={"invoice_pk": invoice.pk}))
    try:
        session = invoice_checkout_start(
            tenant=customer.tenant, invoice=invoice, success_url=f"{page}?paid=1", cancel_url=page
        )
    except ValidationError as refusal:
        return _invoice_page(request, invoice, error=" ".join(refusal.messages), status=400)
    return redirect(session.url)


@require_GET
@portal_customer_required
def invoice_pdf(request, invoice_pk: int):
    customer = request.portal
    invoice = billing.customer_invoice_get(
        tenant=customer.tenant, contact_ids=customer.contact_ids, invoice_id=invoice_pk
    )
    figures = billing.invoice_balance(tenant=customer.tenant, invoice=invoice)
    content = pdf_documents.invoice_pdf(tenant=customer.tenant, invoice=invoice, figures=figures)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{invoice.number}.pdf"'
    return response
