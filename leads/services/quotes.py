"""Quotes: drafting, sending, the customer's answer on the public page, expiry."""

import datetime as dt
import time
from decimal import Decimal
from typing import cast

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm.events import publish
from crm.kit.claims import update_due_rows
from crm.kit.formatting import money
from crm.kit.languages import contact_language
from crm.kit.stored_text import stored_label
from crm.models import Channel, NotificationLevel, Tenant, TimelineEvent, User
from crm.selectors.contacts import contact_reach_address
from crm.services.timeline import timeline_event, timeline_record, timeline_record_many
from leads import quote_totals
from leads.events import LeadWon, QuoteAccepted, QuoteDeclined, QuoteSent
from leads.models import (
    AmountKind,
    Lead,
    LeadEvent,
    LeadStatus,
    LostReason,
    Quote,
    QuoteLine,
    QuoteStatus,
    TaxRate,
)
from leads.quote_links import quote_public_url
from leads.selectors.brands import lead_brand
from leads.services.activity import lead_record_touch
from leads.services.notices import lead_owner_notify
from leads.services.stages import lead_handle_event, lead_locked, lead_mark_lost, lead_reopen

# The largest amount a quote's total column holds (leads.models.MONEY: 12 digits, 2 decimals).
MAX_QUOTE_TOTAL = Decimal("9999999999.99")


QuoteLineInput = tuple[str, Decimal, Decimal] | tuple[str, Decimal, Decimal, TaxRate | None]


def _set_lines(quote: Quote, lines: list[QuoteLineInput]) -> None:
    """Rewrite the lines, then compute and store the quote's figures (leads.quote_totals)."""
    QuoteLine.objects.filter(tenant_id=quote.tenant_id, quote=quote).delete()
    saved = []
    for position, (description, quantity, unit_price, *rest) in enumerate(lines):
        tax_rate = rest[0] if rest else None
        line = QuoteLine(
            tenant_id=quote.tenant_id,
            quote=quote,
            position=position,
            description=description.strip(),
            quantity=quantity,
            unit_price=unit_price,
            tax_rate=tax_rate,
            tax_name=tax_rate.name if tax_rate else "",
            tax_percent=tax_rate.percent if tax_rate else Decimal("0"),
        )
        line.full_clean(exclude=["tenant", "quote", "tax_rate"])
        line.save()
        saved.append(line)
    totals = quote_totals.totals_of(
        ((line.amount, line.tax_name, line.tax_percent) for line in saved),
        discount_kind=quote.discount_kind,
        discount_value=quote.discount_value,
    )
    if totals.subtotal > MAX_QUOTE_TOTAL or totals.total > MAX_QUOTE_TOTAL:
        raise ValidationError(_("The quote's total is too large: split it into several quotes."))
    _check_schedule(quote, totals.total)
    quote.subtotal, quote.discount_total = totals.subtotal, totals.discount
    quote.tax_total, quote.total = totals.tax, totals.total
    quote.deposit_total = quote_totals.deposit_amount(
        totals.total, quote.deposit_kind, quote.deposit_value
    )
    quote.save(update_fields=["subtotal", "discount_total", "tax_total", "total", "deposit_total"])


def _check_schedule(quote: Quote, total: Decimal) -> None:
    if quote.discount_kind == AmountKind.PERCENT and quote.discount_value > 100:
        raise ValidationError(_("A discount in percent is at most 100 %."))
    if quote.deposit_kind == AmountKind.PERCENT and quote.deposit_value > 100:
        raise ValidationError(_("A deposit in percent is at most 100 %."))
    excess = quote_totals.schedule_problem(
        total,
        deposit_kind=quote.deposit_kind,
        deposit_value=quote.deposit_value,
        progress_percents=quote.progress_percents,
    )
    if excess is not None:
        currency = quote.tenant.currency
        raise ValidationError(
            _(
                "The deposit and progress payments come to %(excess)s more than the quote's "
                "total of %(total)s: lower them."
            )
            % {"excess": money(excess, currency), "total": money(total, currency)}
        )


@transaction.atomic
def quote_save_draft(
    *,
    tenant: Tenant,
    actor: User,
    lead: Lead,
    valid_until: dt.date,
    lines: list[QuoteLineInput],
    title: str = "",
    message: str = "",
    quote: Quote | None = None,
    discount_kind: str = "",
    discount_value: Decimal = Decimal("0"),
    deposit_kind: str = "",
    deposit_value: Decimal = Decimal("0"),
    progress_percents: list[Decimal] | None = None,
) -> Quote:
    """Create a draft quote (quote=None) or rewrite a draft: lines are (description, qty, price)
    or (description, qty, price, tax rate); a discount and a deposit are a percent or a fixed
    amount (an empty kind: none), progress payments percents of the total."""
    if not lines:
        raise ValidationError(_("A quote needs at least one line."))
    if quote is not None and quote.status != QuoteStatus.DRAFT:
        raise ValidationError(_("Only a draft can be changed; make a new quote instead."))
    created = quote is None
    if quote is None:
        last = Quote.objects.filter(tenant=tenant, lead=lead).order_by("-number").first()
        quote = Quote(
            tenant=tenant, lead=lead, number=(last.number + 1 if last else 1), created_by=actor
        )
    quote.title, quote.message, quote.valid_until = title.strip(), message.strip(), valid_until
    quote.discount_kind = discount_kind
    quote.discount_value = discount_value if discount_kind else Decimal("0")
    quote.deposit_kind = deposit_kind
    quote.deposit_value = deposit_value if deposit_kind else Decimal("0")
    quote.progress_percents = [percent for percent in progress_percents or [] if percent]
    quote.full_clean(exclude=["tenant", "lead", "number"])
    quote.save()
    _set_lines(quote, lines)
    if created:
        timeline_record(
            tenant=tenant,
            kind="quote.created",
            summary=gettext_noop("Quote %(reference)s drafted"),
            params={"reference": quote.reference},
            actor=actor,
            lead=lead,
        )
    return quote


@transaction.atomic
def quote_send(*, tenant: Tenant, actor: User, quote: Quote) -> Quote:
    """Send the quote to the customer with a signed link to the page where they answer it."""
    quote = (
        Quote.objects.select_for_update()
        .select_related("lead__contact")
        .get(tenant=tenant, pk=quote.pk)
    )
    if quote.status not in (QuoteStatus.DRAFT, QuoteStatus.SENT, QuoteStatus.VIEWED):
        raise ValidationError(
            _("This quote is %(status)s.") % {"status": _(quote.get_status_display()).lower()}
        )
    if quote.valid_until < tenant.today():
        raise ValidationError(_("The quote's valid-until date has passed; change it first."))
    # The address the outbox will send it to, which the timeline names: a verified one once
    # the contact has any, never one a customer typed for someone else.
    recipient = contact_reach_address(contact=quote.lead.contact, channel=Channel.EMAIL)
    if not recipient:
        raise ValidationError(_("The contact has no email address to send the quote to."))
    resend = quote.status != QuoteStatus.DRAFT
    if not resend:
        quote.status = QuoteStatus.SENT
        quote.sent_at = timezone.now()
        quote.save(update_fields=["status", "sent_at"])
    timeline_record(
        tenant=tenant,
        kind="quote.sent",
        summary=gettext_noop("Quote %(reference)s sent again to %(email)s")
        if resend
        else gettext_noop("Quote %(reference)s sent to %(email)s"),
        params={"reference": quote.reference, "email": recipient},
        actor=actor,
        lead=quote.lead,
        customer_visible=True,
    )
    _email_quote(tenant, actor, quote)
    if not resend:
        lead_handle_event(tenant=tenant, lead=quote.lead, event=LeadEvent.QUOTE_SENT, actor=actor)
        lead_record_touch(tenant=tenant, lead=quote.lead, channel="email", actor=actor)
    return quote


def _email_quote(tenant: Tenant, actor: User, quote: Quote) -> None:
    """The quote's email, written from the quote itself, announced for the outbox (comms
    schedules it as the tenant's "quote-sent" message)."""
    brand = lead_brand(tenant=tenant, lead=quote.lead)
    context = {
        "quote": quote,
        "lead": quote.lead,
        "brand": brand,
        "tenant": tenant,
        "link": quote_public_url(quote),
    }
    # In the customer's language (crm.kit.languages), whoever sends it.
    with translation.override(contact_language(quote.lead.contact, tenant)):
        subject = render_to_string("leads/quotes/email_subject.txt", context).strip()
        body_text = render_to_string("leads/quotes/email_body.txt", context)
    publish(
        QuoteSent(
            tenant=tenant,
            quote=quote,
            brand=brand,
            subject=subject,
            body_text=body_text,
            idempotency_key=f"quote:{quote.pk}:{timezone.now().timestamp()}",
            actor=actor,
        )
    )


@transaction.atomic
def quote_mark_viewed(*, tenant: Tenant, quote: Quote) -> Quote:
    updated = Quote.objects.filter(tenant=tenant, pk=quote.pk, status=QuoteStatus.SENT).update(
        status=QuoteStatus.VIEWED, viewed_at=timezone.now()
    )
    if updated:
        quote.refresh_from_db()
        timeline_record(
            tenant=tenant,
            kind="quote.viewed",
            summary=gettext_noop("Customer opened quote %(reference)s"),
            params={"reference": quote.reference},
            lead=quote.lead,
        )
    return quote


def _lock_open_quote(tenant: Tenant, quote: Quote) -> Quote:
    quote = (
        Quote.objects.select_for_update(of=("self",))
        .select_related("lead__owner__user", "lead__contact")
        .get(tenant=tenant, pk=quote.pk)
    )
    if quote.is_past_due(tenant.today()):
        _expire(tenant, quote)
    if not quote.is_open:
        raise ValidationError(
            _("This quote is %(status)s.") % {"status": _(quote.get_status_display()).lower()}
        )
    return quote


@transaction.atomic
def quote_accept(*, tenant: Tenant, quote: Quote, signed_name: str) -> Quote:
    """The customer accepted: the quote is decided and the lead moves to its won stage."""
    quote = _lock_open_quote(tenant, quote)
    quote.status = QuoteStatus.ACCEPTED
    quote.decided_at = timezone.now()
    quote.decided_by_name = signed_name.strip()[:200]
    quote.save(update_fields=["status", "decided_at", "decided_by_name"])
    lead = quote.lead
    timeline_record(
        tenant=tenant,
        kind="quote.accepted",
        summary=gettext_noop("Quote %(reference)s accepted by %(name)s"),
        params={"reference": quote.reference, "name": quote.decided_by_name},
        lead=lead,
        customer_visible=True,
    )
    publish(QuoteAccepted(tenant=tenant, quote=quote, actor=None))
    if lead.status == LeadStatus.LOST:
        lead_reopen(tenant=tenant, actor=None, lead=lead)
    moved = lead_handle_event(tenant=tenant, lead=lead, event=LeadEvent.QUOTE_ACCEPTED)
    lead = lead_locked(lead)
    if not moved and lead.status == LeadStatus.OPEN:
        # The pipeline names no stage for it: the lead is won where it stands.
        Lead.objects.filter(tenant=tenant, pk=lead.pk).update(
            status=LeadStatus.WON, won_at=quote.decided_at
        )
        publish(LeadWon(tenant=tenant, lead=lead_locked(lead), actor=None))
    lead_owner_notify(
        tenant,
        lead,
        gettext_noop("Quote %(reference)s accepted: %(name)s"),
        title_params={"reference": quote.reference, "name": lead.contact.display_name},
    )
    return quote


@transaction.atomic
def quote_reject(
    *, tenant: Tenant, quote: Quote, reason: str, note: str = "", signed_name: str = ""
) -> Quote:
    """The customer said no: their reason becomes the lead's lost reason, unless another quote
    is still open for them to answer."""
    if reason not in LostReason.values:
        raise ValidationError(_("Please tell us why."))
    quote = _lock_open_quote(tenant, quote)
    quote.status = QuoteStatus.REJECTED
    quote.decided_at = timezone.now()
    quote.decided_by_name = signed_name.strip()[:200]
    quote.rejection_reason = reason
    quote.rejection_note = note.strip()[:500]
    quote.save(
        update_fields=[
            "status",
            "decided_at",
            "decided_by_name",
            "rejection_reason",
            "rejection_note",
        ]
    )
    lead = quote.lead
    timeline_record(
        tenant=tenant,
        kind="quote.rejected",
        summary=gettext_noop("Quote %(reference)s declined: %(reason)s — %(note)s")
        if quote.rejection_note
        else gettext_noop("Quote %(reference)s declined: %(reason)s"),
        params={
            "reference": quote.reference,
            "reason": stored_label(LostReason(reason).label),
            "note": quote.rejection_note,
        },
        lead=lead,
        customer_visible=True,
    )
    publish(QuoteDeclined(tenant=tenant, quote=quote, reason=reason))
    still_open = Quote.objects.filter(
        tenant=tenant, lead=lead, status__in=[QuoteStatus.SENT, QuoteStatus.VIEWED]
    ).exists()
    if not still_open and lead.status == LeadStatus.OPEN:
        lead_mark_lost(
            tenant=tenant,
            actor=None,
            lead=lead,
            reason=reason,
            note=quote.rejection_note or f"Declined quote {quote.reference}",
        )
    lead_owner_notify(
        tenant,
        lead,
        gettext_noop("Quote %(reference)s declined: %(name)s"),
        level=NotificationLevel.WARNING,
        title_params={"reference": quote.reference, "name": lead.contact.display_name},
    )
    return quote


def _expired_event(tenant: Tenant, quote: Quote) -> TimelineEvent:
    return timeline_event(
        tenant=tenant,
        kind="quote.expired",
        summary=gettext_noop("Quote %(reference)s expired unanswered"),
        params={"reference": quote.reference},
        lead=quote.lead,
    )


def _expire(tenant: Tenant, quote: Quote) -> None:
    quote.status = QuoteStatus.EXPIRED
    quote.save(update_fields=["status"])
    timeline_record_many([_expired_event(tenant, quote)])


# Quotes expired per transaction: one UPDATE … RETURNING of a locked batch, one read of their
# leads, one INSERT of their timeline entries. A run stops starting batches past EXPIRE_RUN_ROWS
# or EXPIRE_RUN_SECONDS and leaves the rest to a follow-up task: a million-lead tenant's backlog
# of quotes past their date in one transaction runs for minutes and never commits.
EXPIRE_BATCH = 500
EXPIRE_RUN_ROWS = 5000
EXPIRE_RUN_SECONDS = 10


@transaction.atomic
def _expire_batch(
    tenant: Tenant, today: dt.date, limit: int, start: dt.date | None
) -> tuple[int, dt.date | None]:
    """Expire a batch (from the valid-until date `start` on); how many, and the latest date."""
    with connection.cursor() as cursor:
        expired = update_due_rows(
            cursor,
            model=Quote,
            tenant_id=tenant.pk,
            statuses=[QuoteStatus.SENT.value, QuoteStatus.VIEWED.value],
            column="valid_until",
            up_to=today - dt.timedelta(days=1),
            limit=limit,
            values={"status": QuoteStatus.EXPIRED.value},
            start=start,
        )
    if not expired:
        return 0, start
    quotes = (
        Quote.objects.filter(tenant=tenant, pk__in=[pk for pk, _date in expired])
        .select_related("lead")
        .only("number", "lead__number", "lead__contact_id")
        .order_by("pk")
    )
    timeline_record_many(_expired_event(tenant, quote) for quote in quotes)
    return len(expired), max(cast(dt.date, valid_until) for _pk, valid_until in expired)


def quotes_expire_due(*, tenant: Tenant, today: dt.date | None = None) -> tuple[int, bool]:
    """Expire the tenant's sent or viewed quotes whose valid-until date has passed, a batch per
    transaction, until none is left or the run's budget is spent: (how many, whether some may
    be left). A quote another transaction holds (being answered right now) is skipped, not
    waited for: the next run sees it as it is then."""
    today = today or tenant.today()
    started = time.monotonic()
    expired, start = 0, None
    while True:
        limit = min(EXPIRE_BATCH, EXPIRE_RUN_ROWS - expired)
        done, start = _expire_batch(tenant, today, limit, start)
        expired += done
        if done < limit:
            return expired, False
        if expired >= EXPIRE_RUN_ROWS or time.monotonic() - started >= EXPIRE_RUN_SECONDS:
            return expired, True
