"""The customer's invoice page and PDF, opened from the signed link in the invoice's email: no
account, that invoice only; any link we did not sign, that expired or was revoked is a 404."""

import functools
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_GET, require_POST

from billing import pdf_documents
from billing.invoice_links import INVOICE_LINK_MAX_AGE, INVOICE_LINK_SALT
from billing.models import Invoice, InvoiceStatus, Payer
from billing.selectors import invoices as selectors
from billing.selectors.online import online_payment_open
from billing.services.online import invoice_checkout_start
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
            .exclude(payer=Payer.INSURER)  # the homeowner's link never opens the insurer's part
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


def _page(request, tenant: Tenant, invoice: Invoice, *, error: str = "", status: int = 200):
    figures = selectors.invoice_balance(tenant=tenant, invoice=invoice)
    context = {
        "tenant": tenant,
        "invoice": invoice,
        "brand": invoice.brand,
        "lead": invoice.lead,
        "figures": figures,
        "can_pay_online": online_payment_open(
            tenant=tenant, invoice=invoice, balance=figures.balance
        ),
        "paid_just_now": request.GET.get("paid") == "1",
        "pay_error": error,
        "status": selectors.shown_status(invoice, tenant.today()),
        "tax_groups": selectors.tax_groups(invoice),
        "currency": invoice.currency,
        "token": request.resolver_match.kwargs["token"],
    }
    return render(request, "billing/public/invoice.html", context, status=status)


@require_GET
@with_invoice
def invoice_page(request, tenant: Tenant, invoice: Invoice):
    return _page(request, tenant, invoice)


@require_POST
@with_invoice
def invoice_pay(request, tenant: Tenant, invoice: Invoice):
    """Open the provider's checkout for the balance; back here when paid or abandoned."""
    page = request.build_absolute_uri(
        reverse("billing-public:invoice", kwargs={"token": request.resolver_match.kwargs["token"]})
    )
    try:
        session = invoice_checkout_start(
            tenant=tenant, invoice=invoice, success_url=f"{page}?paid=1", cancel_url=page
        )
    except ValidationError as refusal:
        return _page(request, tenant, invoice, error=" ".join(refusal.messages), status=400)
    return redirect(session.url)


@require_GET
@with_invoice
def invoice_pdf(request, tenant: Tenant, invoice: Invoice):
    figures = selectors.invoice_balance(tenant=tenant, invoice=invoice)
    content = pdf_documents.invoice_pdf(tenant=tenant, invoice=invoice, figures=figures)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{invoice.number}.pdf"'
    return response
