"""The customer's invoices in the portal (/portal/invoices/): their own only, each with its
balance and its PDF."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from billing import pdf_documents
from billing.selectors import invoices as billing
from portal.auth import portal_customer_required


@require_GET
@portal_customer_required
def invoice_list(request):
    customer = request.portal
    rows = billing.customer_invoices(tenant=customer.tenant, contact_ids=customer.contact_ids)
    return render(request, "portal/invoices.html", {"rows": rows})


@require_GET
@portal_customer_required
def invoice_detail(request, invoice_pk: int):
    customer = request.portal
    invoice = billing.customer_invoice_get(
        tenant=customer.tenant, contact_ids=customer.contact_ids, invoice_id=invoice_pk
    )
    context = {
        "invoice": invoice,
        "figures": billing.invoice_balance(tenant=customer.tenant, invoice=invoice),
        "status": billing.shown_status(invoice, customer.tenant.today()),
        "tax_groups": billing.tax_groups(invoice),
        "currency": invoice.currency,
        "page_brand": invoice.brand,
    }
    return render(request, "portal/invoice.html", context)


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
