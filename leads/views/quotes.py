"""A lead's quotes (draft, edit, send) and payments, for staff."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.kit.formatting import money
from crm.kit.links import lead_page
from crm.permissions import tenant_member_required
from leads.forms.quotes import PaymentForm, QuoteForm, quote_line_formset
from leads.models import Lead, PaymentKind, Quote, QuoteStatus
from leads.payment_pages import PAYMENT_AGAINST_INVOICE
from leads.permissions import ensure_may_act_on, may_act_on
from leads.quote_links import quote_public_url
from leads.selectors import details, lists
from leads.selectors import tax_rates as tax_rate_selectors
from leads.selectors.money import balance_of
from leads.services import payments, quotes


def _lead_for_action(request, lead_pk: int) -> Lead:
    lead = lists.lead_get(tenant=request.tenant, lead_id=lead_pk)
    ensure_may_act_on(request.membership, lead)
    return lead


def _formset(request, data=None, **kwargs):
    rates = list(tax_rate_selectors.tax_rates(tenant=request.tenant))
    default = next((rate for rate in rates if rate.is_default), None)
    return quote_line_formset(data, tax_rates=rates, default_tax_rate=default, **kwargs)


def _editor(request, lead: Lead, quote: Quote | None):
    """The draft editor. Its "Add line" and "Remove" buttons submit the form and redraw the rows
    (no script needed); with htmx, typing refreshes the totals."""
    if request.method == "GET":
        rows = [
            {
                "description": line.description,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "tax_rate": line.tax_rate_id,
            }
            for line in (quote.lines.all() if quote else [])
        ]
        form = QuoteForm(instance=quote)
        lines = _formset(request, initial=rows, blank_rows=1 if rows else 3)
        return _render_editor(request, lead, quote, form, lines)

    form = QuoteForm(request.POST, instance=quote)
    lines = _formset(request, request.POST)
    if request.htmx and request.POST.get("preview"):
        return render(
            request,
            "leads/quotes/form.html#total",
            {"lines": lines, "totals": _live(request, lines)},
        )
    if "add_line" in request.POST or "remove_line" in request.POST:
        rows = lines.raw_rows()
        removed = request.POST.get("remove_line", "")
        if removed.isdigit() and int(removed) < len(rows):
            rows.pop(int(removed))
        form = QuoteForm(initial={name: form[name].value() for name in form.fields}, instance=quote)
        blank_rows = 1 if "add_line" in request.POST or not rows else 0
        return _render_editor(
            request, lead, quote, form, _formset(request, initial=rows, blank_rows=blank_rows)
        )
    if form.is_valid() and lines.is_valid():
        try:
            saved = quotes.quote_save_draft(
                tenant=request.tenant,
                actor=request.user,
                lead=lead,
                quote=quote,
                lines=lines.lines,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("Quote %(reference)s saved as a draft.") % {"reference": saved.reference}
            )
            return redirect("leads:quote-detail", lead_pk=lead.pk, quote_pk=saved.pk)
    return _render_editor(request, lead, quote, form, lines)


def _live(request, lines):
    """The totals of what is typed so far, with the discount as typed."""
    source = request.POST if request.method == "POST" else {}
    return lines.running_totals(
        discount_kind=source.get("discount_kind", ""), discount_value=source.get("discount_value")
    )


def _render_editor(request, lead, quote, form, lines):
    if request.method == "POST":
        totals = _live(request, lines)
    else:
        totals = quote.totals if quote else lines.running_totals()
    context = {"lead": lead, "quote": quote, "form": form, "lines": lines, "totals": totals}
    return render(request, "leads/quotes/form.html", context)


@tenant_member_required
@require_http_methods(["GET", "POST"])
def quote_create(request, lead_pk: int):
    lead = _lead_for_action(request, lead_pk)
    return _editor(request, lead, None)


@tenant_member_required
@require_http_methods(["GET", "POST"])
def quote_edit(request, lead_pk: int, quote_pk: int):
    lead = _lead_for_action(request, lead_pk)
    quote = details.quote_get(tenant=request.tenant, lead=lead, quote_id=quote_pk)
    if quote.status != QuoteStatus.DRAFT:
        messages.error(request, _("Only a draft can be changed; make a new quote instead."))
        return redirect("leads:quote-detail", lead_pk=lead.pk, quote_pk=quote.pk)
    return _editor(request, lead, quote)


@tenant_member_required
@require_GET
def quote_detail(request, lead_pk: int, quote_pk: int):
    lead = lists.lead_get(tenant=request.tenant, lead_id=lead_pk)
    quote = details.quote_get(tenant=request.tenant, lead=lead, quote_id=quote_pk)
    context = {
        "lead": lead,
        "quote": quote,
        "may_act": may_act_on(request.membership, lead),
        "public_url": quote_public_url(quote) if quote.status != QuoteStatus.DRAFT else "",
        # Expiry is swept daily; until then the page already says so.
        "past_due": quote.is_past_due(request.tenant.today()),
        "recipient": lead.contact.emails.first() if quote.status == QuoteStatus.DRAFT else None,
    }
    return render(request, "leads/quotes/detail.html", context)


@tenant_member_required
@require_POST
def quote_send(request, lead_pk: int, quote_pk: int):
    lead = _lead_for_action(request, lead_pk)
    quote = details.quote_get(tenant=request.tenant, lead=lead, quote_id=quote_pk)
    again = quote.status != QuoteStatus.DRAFT
    try:
        quotes.quote_send(tenant=request.tenant, actor=request.user, quote=quote)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        recipient = lead.contact.emails.first()
        messages.success(
            request,
            (
                _("Quote %(reference)s sent again to %(email)s.")
                if again
                else _("Quote %(reference)s sent to %(email)s.")
            )
            % {"reference": quote.reference, "email": recipient.email},
        )
    return redirect("leads:quote-detail", lead_pk=lead.pk, quote_pk=quote.pk)


@tenant_member_required
@require_http_methods(["GET", "POST"])
def payment_create(request, lead_pk: int):
    lead = _lead_for_action(request, lead_pk)
    # A job with an open invoice is paid against it, on the form of the app that keeps invoices.
    against_invoice = PAYMENT_AGAINST_INVOICE.path(tenant=request.tenant, lead=lead)
    if against_invoice:
        return redirect(against_invoice)
    detail = details.lead_detail(tenant=request.tenant, lead_id=lead.pk)
    summary = balance_of(detail.quotes, detail.payments)
    # A first payment is usually the deposit; a later one, often the rest of the balance.
    if not detail.payments:
        initial = {"kind": PaymentKind.DEPOSIT}
    else:
        initial = {"kind": PaymentKind.FINAL, "amount": summary.balance} if summary.balance else {}
    form = PaymentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            payment = payments.payment_record(
                tenant=request.tenant, actor=request.user, lead=lead, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            amount = money(payment.amount, request.tenant.currency)
            messages.success(request, _("Payment of %(amount)s recorded.") % {"amount": amount})
            return redirect(lead_page(lead.pk))
    context = {"lead": lead, "form": form, "summary": summary, "payments": detail.payments}
    return render(request, "leads/quotes/payment_form.html", context)
