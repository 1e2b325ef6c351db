"""The customer's invoice page and PDF, opened from the signed link in the invoice's email: no
account, that invoice only; any link we did not sign, that expired or was revoked is a 404."""

import functools
import secrets
from dataclasses import dataclass

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_GET

from billing import pdf_documents
from billing.invoice_links import INVOICE_LINK_MAX_AGE, INVOICE_LINK_SALT
from billing.models import Invoice, InvoiceStatus
from billing.selectors import invoices as selectors
from crm.kit.signed_tokens import signed_token_read, tenant_from_token
from crm.models import Tenant


@dataclass(frozen=True)
class _InvoiceLink:
    tenant_id: int
    invoice_id: int
    key: str


def _read_link(token: str) -> _InvoiceLink | None:
    return signed_token_read(
        token,
        salt=INVOICE_LINK_SALT,
        max_age=INVOICE_LINK_MAX_AGE,
        read=lambda payload: _InvoiceLink(int(payload["t"]), int(payload["i"]), str(payload["k"])),
    )


def _not_found(request):
    return render(request, "billing/public/not_found.html", status=404)


def with_invoice(view):
    """Resolve the link to its invoice and run `view(request, tenant, invoice)` as that tenant, in
    the invoice's language."""

    @tenant_from_token(_read_link, refuse=_not_found)
    @functools.wraps(view)
    def wrapper(request, tenant: Tenant, link: _InvoiceLink):
        invoice = (
            Invoice.objects.filter(tenant=tenant, pk=link.invoice_id)
            .exclude(status=InvoiceStatus.DRAFT)
            .first()
        )
        if invoice is None or not secrets.compare_digest(
            invoice.public_token.encode(), link.key.encode()
        ):
            return _not_found(request)
        invoice = selectors.invoice_get(tenant=tenant, invoice_id=invoice.pk)
        with translation.override(invoice.language):
            return view(request, tenant, invoice)

    return wrapper


@require_GET
@with_invoice
def invoice_page(request, tenant: Tenant, invoice: Invoice):
    context = {
        "tenant": tenant,
        "invoice": invoice,
        "brand": invoice.brand,
        "lead": invoice.lead,
        "figures": selectors.invoice_balance(tenant=tenant, invoice=invoice),
        "status": selectors.shown_status(invoice, tenant.today()),
        "tax_groups": selectors.tax_groups(invoice),
        "currency": invoice.currency,
        "token": request.resolver_match.kwargs["token"],
    }
    return render(request, "billing/public/invoice.html", context)


@require_GET
@with_invoice
def invoice_pdf(request, tenant: Tenant, invoice: Invoice):
    figures = selectors.invoice_balance(tenant=tenant, invoice=invoice)
    content = pdf_documents.invoice_pdf(tenant=tenant, invoice=invoice, figures=figures)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{invoice.number}.pdf"'
    return response
