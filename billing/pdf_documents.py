"""What an invoice's or a quote's PDF says, written in its reader's language (billing.pdf draws
it). The invoice's figures come from billing.selectors.invoices, the quote's from its own stored
totals (leads.quote_totals): the PDF, the pages and the emails read the same numbers."""

from django.utils import translation
from django.utils.translation import gettext as _

from billing.models import Invoice, Payer
from billing.pdf import Document, Row, date_words, render, sums_of
from billing.selectors.invoices import InvoiceBalance, tax_groups
from crm.kit.formatting import money_format
from crm.kit.languages import contact_language
from crm.models import Brand, Tenant
from leads.models import Lead, Quote


def _business(tenant: Tenant, brand: Brand | None) -> tuple[str, list[str]]:
    if brand is None:
        return tenant.name, []
    lines = [
        str(value)
        for value in (brand.sender_email, brand.phone or brand.sms_number, brand.website)
        if value
    ]
    return brand.name, lines


def _customer(lead: Lead) -> tuple[str, list[str]]:
    lines = []
    if lead.property_id and lead.property:
        lines.append(lead.property.one_line_address)
    email = lead.contact.emails.first()
    if email is not None:
        lines.append(email.email)
    return lead.contact.display_name, lines


def invoice_document(*, tenant: Tenant, invoice: Invoice, figures: InvoiceBalance) -> Document:
    """The invoice (or credit note) with its lines (prefetched) and balance."""
    language = invoice.language
    with translation.override(language):
        amount = money_format(invoice.currency, language=language, country=tenant.country)
        business, business_lines = _business(tenant, invoice.brand)
        customer, customer_lines = _customer(invoice.lead)
        facts = [(_("Date"), date_words(invoice.issued_on, language))]
        if invoice.due_on:
            facts.append((_("Due date"), date_words(invoice.due_on, language)))
        if invoice.quote_id:
            facts.append((_("Quote"), invoice.quote.reference))
        if invoice.credits_id:
            facts.append((_("Cancels"), invoice.credits.number))
        claim = invoice.claim if invoice.claim_id else None
        if claim is not None:
            facts += [
                (_("Insurer"), claim.insurer_name),
                (_("Claim number"), claim.claim_number),
                (_("Policy number"), claim.policy_number),
            ]
        owes = not invoice.is_credit_note and invoice.status != "void"
        notes = _claim_notes(invoice, amount) if claim is not None else []
        if owes and invoice.due_on and figures.balance:
            notes.append(
                _("Please pay %(amount)s by %(date)s, quoting %(number)s.")
                % {
                    "amount": amount(figures.balance),
                    "date": date_words(invoice.due_on, language),
                    "number": invoice.number,
                }
            )
        return Document(
            heading=_("Credit note") if invoice.is_credit_note else _("Invoice"),
            number=invoice.number or _("Draft"),
            business=business,
            business_lines=business_lines,
            customer=customer,
            customer_lines=customer_lines,
            facts=[fact for fact in facts if fact[1]],
            title=invoice.title,
            rows=[
                Row(line.description, line.quantity, line.unit_price, line.tax_percent, line.amount)
                for line in invoice.lines.all()
            ],
            sums=sums_of(
                amount,
                subtotal=invoice.subtotal,
                tax_lines=tax_groups(invoice),
                total=invoice.total,
                paid=figures.paid if owes else None,
                balance=figures.balance if owes else None,
            ),
            notes=notes,
            language=language,
        )


def _claim_notes(invoice: Invoice, amount) -> list[str]:
    """How an insurance job's invoice fits the claim: the homeowner's reads their part only; the
    insurer's reads the split of the replacement cost."""
    claim = invoice.claim
    if invoice.payer == Payer.HOMEOWNER:
        return [
            _("Your deductible on the insurance claim: %(insurer)s pays the rest of the job.")
            % {"insurer": claim.insurer_name}
        ]
    if invoice.is_depreciation:
        if invoice.held_back:
            return [_("Recoverable depreciation: due once the work is completed, not before.")]
        return [_("Recoverable depreciation, released now that the work is completed.")]
    return [
        _(
            "The replacement cost less the homeowner's deductible of %(deductible)s and the "
            "recoverable depreciation of %(depreciation)s: the actual cash value, due now."
        )
        % {"deductible": amount(claim.deductible), "depreciation": amount(claim.depreciation)}
    ]


def invoice_pdf(*, tenant: Tenant, invoice: Invoice, figures: InvoiceBalance) -> bytes:
    document = invoice_document(tenant=tenant, invoice=invoice, figures=figures)
    return render(document, currency=invoice.currency, country=tenant.country)


def quote_document(*, tenant: Tenant, quote: Quote, brand: Brand | None) -> Document:
    """The quote with its lines (prefetched), tax, discount and payment schedule."""
    language = contact_language(quote.lead.contact, tenant)
    with translation.override(language):
        amount = money_format(tenant.currency, language=language, country=tenant.country)
        business, business_lines = _business(tenant, brand)
        customer, customer_lines = _customer(quote.lead)
        totals = quote.totals
        notes = []
        if quote.has_schedule:
            notes.append(_("Payment schedule") + ":")
            for instalment in quote.schedule:
                notes.append(f"· {_schedule_label(instalment)}: {amount(instalment.amount)}")
        return Document(
            heading=_("Quote"),
            number=quote.reference,
            business=business,
            business_lines=business_lines,
            customer=customer,
            customer_lines=customer_lines,
            facts=[
                (_("Date"), date_words((quote.sent_at or quote.created_at).date(), language)),
                (_("Valid until"), date_words(quote.valid_until, language)),
            ],
            title=quote.title,
            rows=[
                Row(line.description, line.quantity, line.unit_price, line.tax_percent, line.amount)
                for line in quote.lines.all()
            ],
            sums=sums_of(
                amount,
                subtotal=totals.subtotal,
                discount=totals.discount,
                tax_lines=totals.tax_lines,
                total=quote.total,
            ),
            notes=notes,
            language=language,
        )


def _schedule_label(instalment) -> str:
    percent = f" ({instalment.percent.normalize():f} %)" if instalment.percent else ""
    if instalment.kind == "deposit":
        return _("Deposit") + percent
    if instalment.kind == "progress":
        return _("Progress payment") + percent
    return _("Final payment")


def quote_pdf(*, tenant: Tenant, quote: Quote, brand: Brand | None) -> bytes:
    document = quote_document(tenant=tenant, quote=quote, brand=brand)
    return render(document, currency=tenant.currency, country=tenant.country)
