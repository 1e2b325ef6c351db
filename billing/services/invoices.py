"""Invoices: made from an accepted quote's schedule or by hand, sent (numbered), voided.

Every write is one transaction, tenant first. Numbers come from billing.services.numbering when
an invoice is first sent; a void after a payment makes a credit note with its own number."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from billing import invoice_lines
from billing.events import InvoiceSent, InvoiceVoided
from billing.invoice_lines import LineSpec
from billing.invoice_links import invoice_public_url
from billing.models import (
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Payer,
    ScheduleKind,
    SentVia,
    Series,
)
from billing.pdf_documents import invoice_pdf
from billing.reminder_schedule import next_reminder_on
from billing.selectors.invoices import invoice_balance, invoice_send_address
from billing.services.numbering import billing_settings, invoice_number_assign
from crm.events import publish
from crm.kit.formatting import money
from crm.kit.languages import contact_language
from crm.models import Tenant, User
from crm.ratelimit import over_limit
from crm.services.timeline import timeline_record
from leads.models import Lead, Quote, QuoteStatus
from leads.quote_totals import ZERO, cents
from leads.selectors.brands import lead_brand
from messaging.models import MessageChannel, MessageSource
from messaging.services.outbox import Attachment, message_schedule

MAX_INVOICE_TOTAL = Decimal("9999999999.99")


def _new_invoice(tenant: Tenant, actor: User | None, lead: Lead, **fields) -> Invoice:
    if "brand" not in fields:
        fields["brand"] = lead_brand(tenant=tenant, lead=lead)
    invoice = Invoice(
        tenant=tenant,
        lead=lead,
        language=contact_language(lead.contact, tenant),
        currency=tenant.currency,
        created_by=actor,
        **fields,
    )
    invoice.save()
    return invoice


def _set_lines(invoice: Invoice, lines: list[LineSpec]) -> None:
    InvoiceLine.objects.filter(tenant_id=invoice.tenant_id, invoice=invoice).delete()
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            tenant_id=invoice.tenant_id,
            invoice=invoice,
            position=position,
            description=line.description[:300],
            quantity=line.quantity,
            unit_price=line.unit_price,
            amount=line.amount,
            tax_name=line.tax_name,
            tax_percent=line.tax_percent,
            tax_amount=line.tax_amount,
        )
        for position, line in enumerate(lines)
    )
    invoice.subtotal = sum((line.amount for line in lines), ZERO)
    invoice.tax_total = sum((line.tax_amount for line in lines), ZERO)
    invoice.total = invoice.subtotal + invoice.tax_total
    if abs(invoice.total) > MAX_INVOICE_TOTAL:
        raise ValidationError(_("The invoice's total is too large: split it into several."))
    invoice.save(update_fields=["subtotal", "tax_total", "total"])


def _quote_lines(quote: Quote):
    return [
        (
            line.description,
            line.quantity,
            line.unit_price,
            line.amount,
            line.tax_name,
            line.tax_percent,
        )
        for line in quote.lines.all()
    ]


def quote_lock_for_invoicing(*, tenant: Tenant, quote: Quote) -> Quote:
    """The quote, locked with its lines, if it is accepted and not yet invoiced (inside the
    caller's transaction); else a ValidationError that says why."""
    quote = (
        Quote.objects.select_for_update(of=("self",))
        .select_related("lead__contact")
        .prefetch_related("lines")
        .get(tenant=tenant, pk=quote.pk)
    )
    if quote.status != QuoteStatus.ACCEPTED:
        raise ValidationError(_("Only an accepted quote becomes invoices."))
    if (
        Invoice.objects.filter(tenant=tenant, quote=quote)
        .exclude(status=InvoiceStatus.VOID)
        .exists()
    ):
        raise ValidationError(
            _("Quote %(reference)s already has its invoices.") % {"reference": quote.reference}
        )
    return quote


@transaction.atomic
def invoices_create_from_quote(
    *, tenant: Tenant, actor: User | None, quote: Quote
) -> list[Invoice]:
    """The accepted quote's payment schedule as draft invoices, in one go: the deposit invoice,
    the progress invoices and the final invoice (just the final one without a schedule). Never
    twice: a quote whose instalments are invoiced (and not void) is refused."""
    quote = quote_lock_for_invoicing(tenant=tenant, quote=quote)
    lead, totals = quote.lead, quote.totals
    made: list[Invoice] = []
    earlier: list[tuple[str, list[LineSpec]]] = []
    with translation.override(contact_language(lead.contact, tenant)):
        for instalment in quote.schedule:
            title = invoice_lines.instalment_title(instalment, quote.reference)
            if instalment.kind == ScheduleKind.FINAL:
                lines = invoice_lines.final_lines(_quote_lines(quote), totals, earlier)
            else:
                lines = invoice_lines.share_lines(instalment, totals, title)
                earlier.append((title, lines))
            try:
                with transaction.atomic():
                    invoice = _new_invoice(
                        tenant,
                        actor,
                        lead,
                        quote=quote,
                        schedule_kind=instalment.kind,
                        schedule_position=instalment.position,
                        title=title,
                    )
            except IntegrityError:
                raise ValidationError(
                    _("Quote %(reference)s already has its invoices.")
                    % {"reference": quote.reference}
                ) from None
            _set_lines(invoice, lines)
            made.append(invoice)
    timeline_record(
        tenant=tenant,
        kind="invoice.created",
        summary=gettext_noop("%(count)s draft invoices made from quote %(reference)s")
        if len(made) > 1
        else gettext_noop("Draft invoice made from quote %(reference)s"),
        params={"count": len(made), "reference": quote.reference},
        actor=actor,
        lead=lead,
    )
    return made


@transaction.atomic
def invoice_create(
    *,
    tenant: Tenant,
    actor: User,
    lead: Lead,
    title: str,
    lines: list[tuple],
) -> Invoice:
    """A one-off draft invoice: lines are (description, quantity, unit price, tax rate or None)."""
    if not lines:
        raise ValidationError(_("An invoice needs at least one line."))
    specs = []
    for description, quantity, unit_price, *rest in lines:
        rate = rest[0] if rest else None
        amount = cents(quantity * unit_price)
        percent = rate.percent if rate else ZERO
        specs.append(
            LineSpec(
                description.strip(),
                quantity,
                unit_price,
                amount,
                rate.name if rate else "",
                percent,
                cents(amount * percent / 100),
            )
        )
    invoice = _new_invoice(tenant, actor, lead, title=title.strip()[:200])
    _set_lines(invoice, specs)
    timeline_record(
        tenant=tenant,
        kind="invoice.created",
        summary=gettext_noop("Draft invoice made: %(title)s"),
        params={"title": invoice.title or "—"},
        actor=actor,
        lead=lead,
    )
    return invoice


def _locked(tenant: Tenant, invoice: Invoice) -> Invoice:
    return (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("lead__contact", "brand")
        .get(tenant=tenant, pk=invoice.pk)
    )


def invoice_issue(*, tenant: Tenant, invoice: Invoice, today: dt.date | None = None) -> bool:
    """Number the invoice and start its payment terms, if it is a draft (inside the caller's
    transaction, with the invoice locked). Whether it was issued now."""
    if invoice.status != InvoiceStatus.DRAFT:
        return False
    today = today or tenant.today()
    settings = billing_settings(tenant=tenant)
    invoice_number_assign(tenant=tenant, invoice=invoice)
    invoice.status = InvoiceStatus.SENT
    invoice.issued_on = today
    # An insurer pays a claim on its own terms: its invoices have no due date to chase.
    no_terms = invoice.is_credit_note or invoice.payer == Payer.INSURER
    invoice.due_on = None if no_terms else today + dt.timedelta(days=settings.payment_terms_days)
    if invoice.due_on is not None:
        invoice.next_reminder_on = next_reminder_on(
            settings, due_on=invoice.due_on, issued_on=today, sent=0, last_sent_on=None
        )
    invoice.sent_at = timezone.now()
    invoice.save(update_fields=["status", "issued_on", "due_on", "sent_at", "next_reminder_on"])
    return True


def _sent_summary(channel: str, first_time: bool) -> str:
    if channel == SentVia.SMS:
        if first_time:
            return gettext_noop("Invoice %(number)s of %(amount)s texted to %(phone)s")
        return gettext_noop("Invoice %(number)s texted again to %(phone)s")
    if first_time:
        return gettext_noop("Invoice %(number)s of %(amount)s sent to %(email)s")
    return gettext_noop("Invoice %(number)s sent again to %(email)s")


# A customer gets an invoice at most this often, whoever presses Send (a member or an API client);
# one sender sends at most this many invoices in the window.
SENDS_PER_INVOICE = 3
SENDS_PER_SENDER = 30
SEND_WINDOW = dt.timedelta(minutes=10)


def invoice_send_refusal(*, tenant: Tenant, invoice: Invoice, sender: str) -> str:
    """Count one press of Send; why it may not send (too many sends of the invoice, or by the
    sender: "member:<id>" or "api-key:<id>"), or ""."""
    minutes = int(SEND_WINDOW.total_seconds() // 60)
    if over_limit(f"billing:send:{tenant.pk}:{invoice.pk}", SENDS_PER_INVOICE, SEND_WINDOW):
        return _(
            "Invoice %(number)s was already sent %(count)s times in the last %(minutes)s minutes: "
            "wait a few minutes before sending it again."
        ) % {"number": invoice.reference, "count": SENDS_PER_INVOICE, "minutes": minutes}
    if over_limit(f"billing:send-by:{tenant.pk}:{sender}", SENDS_PER_SENDER, SEND_WINDOW):
        return _(
            "You sent %(count)s invoices in the last %(minutes)s minutes: wait a few minutes "
            "before sending more."
        ) % {"count": SENDS_PER_SENDER, "minutes": minutes}
    return ""


@transaction.atomic
def invoice_send(
    *, tenant: Tenant, actor: User | None, invoice: Invoice, channel: str = SentVia.EMAIL
) -> Invoice:
    """Send the invoice by email (its PDF attached) or by text message (a short message with
    the link to pay it); the first time it is given its number and due date. Its reminders go
    by the channel it last went by."""
    if channel not in SentVia.values:
        raise ValidationError(_("Choose email or text message."))
    invoice = _locked(tenant, invoice)
    if invoice.status == InvoiceStatus.VOID:
        raise ValidationError(_("This invoice is void."))
    if invoice.is_credit_note:
        raise ValidationError(_("A credit note is issued when its invoice is voided."))
    if invoice.payer == Payer.INSURER:
        raise ValidationError(
            _("This invoice is the insurer's: issue it and send its PDF to the adjuster.")
        )
    recipient = invoice_send_address(invoice=invoice, channel=channel)
    if not recipient:
        if channel == SentVia.SMS:
            raise ValidationError(_("The contact has no mobile number to text the invoice to."))
        raise ValidationError(_("The contact has no email address to send the invoice to."))
    first_time = invoice_issue(tenant=tenant, invoice=invoice)
    invoice.sent_via = channel
    invoice.save(update_fields=["sent_via"])
    if channel == SentVia.SMS:
        _text_invoice(tenant, actor, invoice)
    else:
        _email_invoice(tenant, actor, invoice)
    timeline_record(
        tenant=tenant,
        kind="invoice.sent",
        summary=_sent_summary(channel, first_time),
        params={
            "number": invoice.number,
            "amount": money(invoice.total, invoice.currency),
            "phone" if channel == SentVia.SMS else "email": recipient,
        },
        actor=actor,
        lead=invoice.lead,
        customer_visible=True,
    )
    publish(InvoiceSent(tenant=tenant, invoice=invoice, first_time=first_time, actor=actor))
    return invoice


def invoice_message_context(tenant: Tenant, invoice: Invoice, **extra) -> dict:
    """What the invoice's messages (the invoice, its reminders, a receipt) are written from."""
    return {
        "invoice": invoice,
        "lead": invoice.lead,
        "brand": invoice.brand,
        "tenant": tenant,
        "figures": invoice_balance(tenant=tenant, invoice=invoice),
        "link": invoice_public_url(invoice),
        **extra,
    }


def invoice_message_schedule(
    *,
    tenant: Tenant,
    actor: User | None,
    invoice: Invoice,
    templates: str,
    by_text: bool,
    context: dict,
    idempotency_key: str,
    attachments: tuple[Attachment, ...] = (),
) -> None:
    """One of the invoice's messages to its customer (the invoice, a reminder, a receipt) through
    the outbox, in the customer's language: `billing/<templates>_sms.txt` as a text, or
    `<templates>_subject.txt` and `<templates>_body.txt` as an email answered at the brand's
    reply-to address."""
    subject = ""
    with translation.override(invoice.language):
        if by_text:
            body_text = render_to_string(f"billing/{templates}_sms.txt", context).strip()
        else:
            subject = render_to_string(f"billing/{templates}_subject.txt", context).strip()
            body_text = render_to_string(f"billing/{templates}_body.txt", context)
    brand = invoice.brand
    reply_to = brand.reply_to_email if brand and not by_text else ""
    message_schedule(
        tenant=tenant,
        channel=MessageChannel.SMS if by_text else MessageChannel.EMAIL,
        source=MessageSource.INVOICE,
        idempotency_key=idempotency_key,
        contact=invoice.lead.contact,
        lead=invoice.lead,
        brand=brand,
        subject=subject,
        body_text=body_text,
        context={"reply_to": reply_to} if reply_to else {},
        created_by=actor,
        attachments=attachments,
    )


def _text_invoice(tenant: Tenant, actor: User | None, invoice: Invoice) -> None:
    """The invoice as a text message (text-to-pay): a few words and the signed link to its page,
    where it can be paid; no attachment."""
    invoice_message_schedule(
        tenant=tenant,
        actor=actor,
        invoice=invoice,
        templates="invoice",
        by_text=True,
        context=invoice_message_context(tenant, invoice),
        idempotency_key=f"invoice:{invoice.pk}:sms:{timezone.now().timestamp()}",
    )


def _email_invoice(tenant: Tenant, actor: User | None, invoice: Invoice) -> None:
    """The invoice's email, with its PDF and the signed link to its page."""
    context = invoice_message_context(tenant, invoice)
    content = invoice_pdf(tenant=tenant, invoice=invoice, figures=context["figures"])
    invoice_message_schedule(
        tenant=tenant,
        actor=actor,
        invoice=invoice,
        templates="invoice",
        by_text=False,
        context=context,
        idempotency_key=f"invoice:{invoice.pk}:{timezone.now().timestamp()}",
        attachments=(Attachment(f"{invoice.number}.pdf", "application/pdf", content),),
    )


@transaction.atomic
def invoice_void(
    *, tenant: Tenant, actor: User | None, invoice: Invoice, reason: str = ""
) -> Invoice | None:
    """Void the invoice. Before any payment it is simply void (a number it had stays used);
    after one, a credit note with its own number cancels it. Returns the credit note, if any."""
    invoice = _locked(tenant, invoice)
    if invoice.status == InvoiceStatus.VOID:
        raise ValidationError(_("This invoice is already void."))
    if invoice.is_credit_note:
        raise ValidationError(_("A credit note cannot be voided."))
    paid = invoice_balance(tenant=tenant, invoice=invoice).paid
    credit_note = _credit_note(tenant, actor, invoice) if paid else None
    invoice.status = InvoiceStatus.VOID
    invoice.voided_at, invoice.void_reason = timezone.now(), reason.strip()[:300]
    invoice.next_reminder_on = None
    invoice.save(update_fields=["status", "voided_at", "void_reason", "next_reminder_on"])
    timeline_record(
        tenant=tenant,
        kind="invoice.voided",
        summary=gettext_noop("Invoice %(number)s voided; credit note %(credit)s issued")
        if credit_note
        else gettext_noop("Invoice %(number)s voided"),
        params={
            "number": invoice.reference,
            "credit": credit_note.number if credit_note else "",
        },
        actor=actor,
        lead=invoice.lead,
        customer_visible=bool(invoice.number),
    )
    publish(InvoiceVoided(tenant=tenant, invoice=invoice, credit_note=credit_note, actor=actor))
    return credit_note


def _credit_note(tenant: Tenant, actor: User | None, invoice: Invoice) -> Invoice:
    with translation.override(invoice.language):
        title = _("Credit note for invoice %(number)s") % {"number": invoice.number}
    credit = _new_invoice(
        tenant,
        actor,
        invoice.lead,
        series=Series.CREDIT_NOTE,
        credits=invoice,
        title=title,
        brand=invoice.brand,
        payer=invoice.payer,
        claim_id=invoice.claim_id,
    )
    lines = [
        LineSpec(
            line.description,
            line.quantity,
            -line.unit_price,
            -line.amount,
            line.tax_name,
            line.tax_percent,
            -line.tax_amount,
        )
        for line in invoice.lines.all()
    ]
    _set_lines(credit, lines)
    invoice_issue(tenant=tenant, invoice=credit)
    return credit
