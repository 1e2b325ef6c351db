"""A job's invoices, for staff: the lead page's panel, one-off and from-quote invoices, insurance
jobs (the claim, the insurer's invoices, the release of the held-back depreciation), the invoice
page, sending, payments, refunds and voiding."""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing import pdf_documents
from billing.forms import (
    InsuranceForm,
    InvoiceForm,
    InvoicePaymentForm,
    InvoiceSendForm,
    InvoiceVoidForm,
    JobPaymentForm,
    OnlineRefundForm,
)
from billing.models import Invoice, Payer, SentVia
from billing.selectors import invoices as selectors
from billing.selectors.online import invoice_online_payment_get, invoice_online_payments
from billing.services import insurance, payments
from billing.services import invoices as services
from billing.services.numbering import billing_settings
from billing.services.online import invoice_online_refund_request
from crm.kit.formatting import money
from crm.kit.links import lead_page
from crm.permissions import tenant_member_required
from leads.forms.quotes import quote_line_formset
from leads.models import Lead, PaymentMethod, Quote, QuoteStatus
from leads.permissions import ensure_may_act_on, may_act_on
from leads.selectors import lists
from leads.selectors import tax_rates as tax_rate_selectors
from leads.selectors.brands import lead_brand


def _lead(request, lead_pk: int, *, acting: bool = False) -> Lead:
    lead = lists.lead_get(tenant=request.tenant, lead_id=lead_pk)
    if acting:
        ensure_may_act_on(request.membership, lead)
    return lead


def _invoice(request, lead: Lead, invoice_pk: int) -> Invoice:
    return selectors.invoice_get(tenant=request.tenant, invoice_id=invoice_pk, lead=lead)


# Each press sends a message to the customer: a double click or a stuck key does not flood them.


def _invoice_page(invoice: Invoice) -> str:
    return reverse("billing:detail", kwargs={"lead_pk": invoice.lead_id, "invoice_pk": invoice.pk})


@tenant_member_required
@require_GET
def lead_panel(request, lead_pk: int):
    """The lead page's invoices section (loaded after the page)."""
    lead = _lead(request, lead_pk)
    quotes = list(
        Quote.objects.filter(tenant=request.tenant, lead=lead)
        .exclude(status=QuoteStatus.DRAFT)
        .select_related("lead")
        .order_by("number")
    )
    accepted = [quote for quote in quotes if quote.status == QuoteStatus.ACCEPTED]
    invoiced = selectors.quote_has_invoices(
        tenant=request.tenant, quote_ids=[quote.pk for quote in accepted]
    )
    rows = selectors.lead_invoices(tenant=request.tenant, lead=lead)
    context = {
        "lead": lead,
        "rows": rows,
        "claims": selectors.lead_claims(tenant=request.tenant, lead=lead, rows=rows),
        "to_invoice": [quote for quote in accepted if quote.pk not in invoiced],
        "quotes": quotes,
        "may_act": may_act_on(request.membership, lead),
        "currency": request.tenant.currency,
    }
    return render(request, "billing/_lead_panel.html", context)


@tenant_member_required
@require_POST
def create_from_quote(request, lead_pk: int, quote_pk: int):
    lead = _lead(request, lead_pk, acting=True)
    quote = get_object_or_404(Quote.objects.filter(tenant=request.tenant, lead=lead), pk=quote_pk)
    try:
        made = services.invoices_create_from_quote(
            tenant=request.tenant, actor=request.user, quote=quote
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            ngettext(
                "A draft invoice made from quote %(reference)s: check it and send it.",
                "%(count)s draft invoices made from quote %(reference)s: check them and send "
                "each when it is due.",
                len(made),
            )
            % {"count": len(made), "reference": quote.reference},
        )
    return redirect(lead_page(lead.pk) + "#invoices")


@tenant_member_required
@require_http_methods(["GET", "POST"])
def insurance_create(request, lead_pk: int, quote_pk: int):
    """The accepted quote billed as an insurance job: the claim, the homeowner's deductible, the
    insurer's part and the depreciation held back."""
    lead = _lead(request, lead_pk, acting=True)
    quote = get_object_or_404(
        Quote.objects.filter(tenant=request.tenant, lead=lead).select_related("lead"),
        pk=quote_pk,
    )
    form = InsuranceForm(request.POST or None)
    accepted = quote.status == QuoteStatus.ACCEPTED
    if accepted and request.method == "POST" and form.is_valid():
        try:
            claim = insurance.insurance_invoices_create(
                tenant=request.tenant, actor=request.user, quote=quote, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _(
                    "Quote %(reference)s is billed as insurance claim %(claim)s: send the "
                    "homeowner their deductible invoice and issue the insurer's."
                )
                % {"reference": quote.reference, "claim": claim},
            )
            return redirect(lead_page(lead.pk) + "#invoices")
    context = {
        "lead": lead,
        "quote": quote,
        "form": form,
        "refusal": "" if accepted else _("Only an accepted quote becomes invoices."),
        "currency": request.tenant.currency,
    }
    return render(request, "billing/insurance_form.html", context)


@tenant_member_required
@require_POST
def invoice_issue_to_insurer(request, lead_pk: int, invoice_pk: int):
    lead = _lead(request, lead_pk, acting=True)
    invoice = _invoice(request, lead, invoice_pk)
    try:
        issued = insurance.invoice_issue_to_insurer(
            tenant=request.tenant, actor=request.user, invoice=invoice
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Invoice %(number)s issued: send its PDF to the adjuster.")
            % {"number": issued.number},
        )
    return redirect(_invoice_page(invoice))


@tenant_member_required
@require_POST
def claim_release(request, lead_pk: int, claim_pk: int):
    """Staff release the held-back depreciation before the job reaches its completed stage."""
    lead = _lead(request, lead_pk, acting=True)
    claim = selectors.claim_get(tenant=request.tenant, claim_id=claim_pk, lead=lead)
    try:
        released = insurance.claim_release_depreciation(
            tenant=request.tenant, actor=request.user, claim=claim
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(lead_page(lead.pk) + "#invoices")
    messages.success(
        request,
        _("Depreciation released: invoice %(number)s is due from the insurer.")
        % {"number": ", ".join(invoice.number for invoice in released)},
    )
    if released:
        return redirect(_invoice_page(released[0]))
    return redirect(lead_page(lead.pk) + "#invoices")


@tenant_member_required
@require_http_methods(["GET", "POST"])
def invoice_create(request, lead_pk: int):
    """A one-off invoice: lines typed like a quote's."""
    lead = _lead(request, lead_pk, acting=True)
    rates = list(tax_rate_selectors.tax_rates(tenant=request.tenant))
    default = next((rate for rate in rates if rate.is_default), None)
    form = InvoiceForm(request.POST or None)
    if request.method == "POST":
        lines = quote_line_formset(request.POST, tax_rates=rates, default_tax_rate=default)
        if "add_line" in request.POST:
            lines = quote_line_formset(
                initial=lines.raw_rows(), blank_rows=1, tax_rates=rates, default_tax_rate=default
            )
        elif form.is_valid() and lines.is_valid():
            try:
                invoice = services.invoice_create(
                    tenant=request.tenant,
                    actor=request.user,
                    lead=lead,
                    title=form.cleaned_data["title"],
                    lines=lines.lines,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Draft invoice saved."))
                return redirect(_invoice_page(invoice))
    else:
        lines = quote_line_formset(blank_rows=2, tax_rates=rates, default_tax_rate=default)
    context = {"lead": lead, "form": form, "lines": lines}
    return render(request, "billing/invoice_form.html", context)


@tenant_member_required
@require_GET
def invoice_detail(request, lead_pk: int, invoice_pk: int):
    lead = _lead(request, lead_pk)
    invoice = _invoice(request, lead, invoice_pk)
    paid_by = selectors.invoice_payments(tenant=request.tenant, invoice=invoice)
    online = invoice_online_payments(tenant=request.tenant, invoice=invoice, payments=paid_by)
    claim = invoice.claim
    context = {
        "lead": lead,
        "invoice": invoice,
        "claim": selectors.claim_balance(tenant=request.tenant, claim=claim) if claim else None,
        "figures": selectors.balance_of(invoice, paid_by),
        "payments": [(payment, online.get(payment.pk)) for payment in paid_by],
        "refunds_pending": sum(
            {row.session.pk: row.pending for row in online.values()}.values(), 0
        ),
        "status": selectors.shown_status(invoice, request.tenant.today()),
        "tax_groups": selectors.tax_groups(invoice),
        "may_act": may_act_on(request.membership, lead),
        "currency": invoice.currency,
        "void_form": InvoiceVoidForm(),
        "send_options": selectors.invoice_send_options(invoice=invoice),
        "reminders_max": billing_settings(tenant=request.tenant).reminders_max,
    }
    return render(request, "billing/detail.html", context)


@tenant_member_required
@require_POST
def invoice_send(request, lead_pk: int, invoice_pk: int):
    lead = _lead(request, lead_pk, acting=True)
    invoice = _invoice(request, lead, invoice_pk)
    form = InvoiceSendForm(request.POST)
    channel = form.cleaned_data["channel"] if form.is_valid() else SentVia.EMAIL
    refusal = services.invoice_send_refusal(
        tenant=request.tenant, invoice=invoice, sender=f"member:{request.user.pk}"
    )
    if refusal:
        messages.error(request, refusal)
        return redirect(_invoice_page(invoice))
    try:
        sent = services.invoice_send(
            tenant=request.tenant, actor=request.user, invoice=invoice, channel=channel
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        done = (
            _("Invoice %(number)s texted.")
            if channel == SentVia.SMS
            else _("Invoice %(number)s sent.")
        )
        messages.success(request, done % {"number": sent.number})
    return redirect(_invoice_page(invoice))


@tenant_member_required
@require_POST
def invoice_void(request, lead_pk: int, invoice_pk: int):
    lead = _lead(request, lead_pk, acting=True)
    invoice = _invoice(request, lead, invoice_pk)
    form = InvoiceVoidForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        credit = services.invoice_void(
            tenant=request.tenant, actor=request.user, invoice=invoice, reason=reason
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if credit is not None:
            messages.success(
                request,
                _("Invoice voided; credit note %(number)s issued.") % {"number": credit.number},
            )
            return redirect(_invoice_page(credit))
        messages.success(request, _("Invoice voided."))
    return redirect(_invoice_page(invoice))


def _money_form(request, lead_pk: int, invoice_pk: int, *, refund: bool):
    lead = _lead(request, lead_pk, acting=True)
    invoice = _invoice(request, lead, invoice_pk)
    figures = selectors.invoice_balance(tenant=request.tenant, invoice=invoice)
    initial = {"amount": figures.balance} if not refund and figures.balance else {}
    if invoice.payer == Payer.INSURER:
        initial["method"] = PaymentMethod.CHECK  # insurers pay a claim by cheque
    form = InvoicePaymentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if refund:
                payment = payments.invoice_record_refund(
                    tenant=request.tenant, actor=request.user, invoice=invoice, **form.cleaned_data
                )
            else:
                payment = payments.invoice_apply_payment(
                    tenant=request.tenant,
                    actor=request.user,
                    invoice=invoice,
                    currency=invoice.currency,
                    **form.cleaned_data,
                )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            amount = money(payment.amount, invoice.currency)
            done = (
                _("Refund of %(amount)s recorded.")
                if refund
                else _("Payment of %(amount)s recorded.")
            )
            messages.success(request, done % {"amount": amount})
            return redirect(_invoice_page(invoice))
    context = {
        "lead": lead,
        "invoice": invoice,
        "figures": figures,
        "form": form,
        "refund": refund,
        "currency": invoice.currency,
    }
    return render(request, "billing/payment_form.html", context)


@tenant_member_required
@require_http_methods(["GET", "POST"])
def invoice_payment(request, lead_pk: int, invoice_pk: int):
    return _money_form(request, lead_pk, invoice_pk, refund=False)


def _open_rows(request, lead: Lead) -> list[selectors.InvoiceRow]:
    rows = selectors.lead_invoices(tenant=request.tenant, lead=lead)
    return [row for row in rows if row.invoice.is_open and not row.invoice.is_credit_note]


@tenant_member_required
@require_http_methods(["GET", "POST"])
def job_payment(request, lead_pk: int):
    """The lead page's "Record payment" for a job with open invoices: the payment is applied to
    the invoice it pays, the oldest open one unless staff choose another."""
    lead = _lead(request, lead_pk, acting=True)
    rows = _open_rows(request, lead)
    if not rows:
        return redirect(lead_page(lead.pk) + "#invoices")
    currency = request.tenant.currency
    by_id = {row.invoice.pk: row for row in rows}
    choices = [
        (
            row.invoice.pk,
            _("%(number)s · %(title)s · %(balance)s due")
            % {
                "number": row.invoice.number,
                "title": row.invoice.title or "—",
                "balance": money(row.figures.balance, currency),
            },
            row.figures.balance,
        )
        for row in rows
    ]
    form = JobPaymentForm(request.POST or None, invoices=choices)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        invoice = by_id[data.pop("invoice")].invoice
        try:
            payment = payments.invoice_apply_payment(
                tenant=request.tenant,
                actor=request.user,
                invoice=invoice,
                currency=invoice.currency,
                **data,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("Payment of %(amount)s recorded against invoice %(number)s.")
                % {"amount": money(payment.amount, invoice.currency), "number": invoice.number},
            )
            return redirect(lead_page(lead.pk))
    context = {"lead": lead, "rows": rows, "form": form, "currency": currency}
    return render(request, "billing/job_payment_form.html", context)


@tenant_member_required
@require_http_methods(["GET", "POST"])
def invoice_refund(request, lead_pk: int, invoice_pk: int):
    return _money_form(request, lead_pk, invoice_pk, refund=True)


@tenant_member_required
@require_http_methods(["GET", "POST"])
def online_refund(request, lead_pk: int, invoice_pk: int, payment_pk: int):
    """Refund a payment that came in online through the payment provider; it is recorded
    against the invoice once the provider confirms it."""
    lead = _lead(request, lead_pk, acting=True)
    invoice = _invoice(request, lead, invoice_pk)
    payment, paid = invoice_online_payment_get(
        tenant=request.tenant, invoice=invoice, payment_id=payment_pk
    )
    left = paid.refundable.quantize(Decimal("0.01"))  # the provider's figures keep three places
    form = OnlineRefundForm(request.POST or None, initial={"amount": left})
    if request.method == "POST" and form.is_valid():
        try:
            invoice_online_refund_request(
                tenant=request.tenant,
                actor=request.user,
                invoice=invoice,
                payment_id=payment.pk,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _(
                    "Refund of %(amount)s asked of the payment provider: it is recorded here "
                    "once the provider confirms it."
                )
                % {"amount": money(form.cleaned_data["amount"], invoice.currency)},
            )
            return redirect(_invoice_page(invoice))
    context = {
        "lead": lead,
        "invoice": invoice,
        "payment": payment,
        "paid": paid,
        "form": form,
        "currency": invoice.currency,
    }
    return render(request, "billing/online_refund_form.html", context)


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@tenant_member_required
@require_GET
def invoice_pdf(request, lead_pk: int, invoice_pk: int):
    lead = _lead(request, lead_pk)
    invoice = _invoice(request, lead, invoice_pk)
    figures = selectors.invoice_balance(tenant=request.tenant, invoice=invoice)
    content = pdf_documents.invoice_pdf(tenant=request.tenant, invoice=invoice, figures=figures)
    return _pdf_response(content, f"{invoice.number or 'draft'}.pdf")


@tenant_member_required
@require_GET
def quote_pdf(request, lead_pk: int, quote_pk: int):
    lead = _lead(request, lead_pk)
    quote = get_object_or_404(
        Quote.objects.filter(tenant=request.tenant, lead=lead)
        .select_related("lead__contact", "lead__property")
        .prefetch_related("lines"),
        pk=quote_pk,
    )
    brand = lead_brand(tenant=request.tenant, lead=lead)
    content = pdf_documents.quote_pdf(tenant=request.tenant, quote=quote, brand=brand)
    return _pdf_response(content, f"{quote.reference}.pdf")
