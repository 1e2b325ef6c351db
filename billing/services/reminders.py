"""Reminders of an open invoice's balance, and the news that an invoice is overdue, as the beat
sweep sends them (billing.tasks.sweep_invoice_reminders).

Each batch is one transaction that locks its invoices FOR UPDATE SKIP LOCKED: two workers never
take the same invoice, and a payment being applied (which locks the invoice too) is either
committed before the lock, and seen, or waits until the reminder is recorded. The balance is
read inside the lock, so a payment never produces a reminder for money already received. Each
reminder's outbox key names the invoice and the reminder's number: sent once, whatever runs
twice."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from billing.events import InvoiceOverdue
from billing.models import OPEN_STATUSES, BillingSettings, Invoice, SentVia, Series
from billing.reminder_schedule import next_reminder_of, next_reminder_on
from billing.selectors.invoices import InvoiceBalance, invoice_balance
from billing.services.invoices import invoice_message_context, invoice_message_schedule
from billing.services.numbering import billing_settings
from crm.events import publish
from crm.kit.formatting import money
from crm.kit.stored_text import stored_date
from crm.models import Tenant
from crm.services.timeline import timeline_record

REMINDER_BATCH = 100


def _locked_batch(invoices, limit: int, *order: str) -> list[Invoice]:
    return list(
        invoices.select_for_update(skip_locked=True, of=("self",))
        .select_related("lead__contact", "brand")
        .order_by(*order, "pk")[:limit]
    )


@transaction.atomic
def invoice_reminders_send(
    *, tenant: Tenant, today: dt.date | None = None, limit: int = REMINDER_BATCH
) -> int:
    """Send the reminders due today (at most `limit` invoices); how many invoices were taken."""
    today = today or tenant.today()
    settings = billing_settings(tenant=tenant)
    due = _locked_batch(
        Invoice.objects.filter(
            tenant=tenant,
            status__in=OPEN_STATUSES,
            series=Series.INVOICE,
            next_reminder_on__lte=today,
        ),
        limit,
        "next_reminder_on",
    )
    for invoice in due:
        figures = invoice_balance(tenant=tenant, invoice=invoice)
        if figures.balance <= 0 or invoice.reminders_sent >= settings.reminders_max:
            invoice.next_reminder_on = None
            invoice.save(update_fields=["next_reminder_on"])
            continue
        _remind(tenant, invoice, figures, settings, today)
    return len(due)


def _remind(
    tenant: Tenant,
    invoice: Invoice,
    figures: InvoiceBalance,
    settings: BillingSettings,
    today: dt.date,
) -> None:
    number = invoice.reminders_sent + 1
    by_text = invoice.sent_via == SentVia.SMS
    context = invoice_message_context(
        tenant,
        invoice,
        figures=figures,
        overdue=invoice.due_on is not None and invoice.due_on < today,
    )
    invoice_message_schedule(
        tenant=tenant,
        actor=None,
        invoice=invoice,
        templates="reminder",
        by_text=by_text,
        context=context,
        idempotency_key=f"invoice-reminder:{invoice.pk}:{number}",
    )
    invoice.reminders_sent = number
    invoice.last_reminder_at = timezone.now()
    invoice.next_reminder_on = next_reminder_on(
        settings,
        due_on=invoice.due_on,
        issued_on=invoice.issued_on,
        sent=number,
        last_sent_on=today,
    )
    invoice.save(update_fields=["reminders_sent", "last_reminder_at", "next_reminder_on"])
    timeline_record(
        tenant=tenant,
        kind="invoice.reminder",
        summary=gettext_noop("Reminder %(count)s of invoice %(number)s texted: %(balance)s to pay")
        if by_text
        else gettext_noop("Reminder %(count)s of invoice %(number)s emailed: %(balance)s to pay"),
        params={
            "count": number,
            "number": invoice.number,
            "balance": money(figures.balance, invoice.currency),
        },
        lead=invoice.lead,
        customer_visible=True,
    )


@transaction.atomic
def invoices_overdue_mark(
    *, tenant: Tenant, today: dt.date | None = None, limit: int = REMINDER_BATCH
) -> int:
    """Publish "overdue" for each open invoice past its due date, once per invoice (at most
    `limit`); how many invoices were taken."""
    today = today or tenant.today()
    overdue = _locked_batch(
        Invoice.objects.filter(
            tenant=tenant,
            status__in=OPEN_STATUSES,
            series=Series.INVOICE,
            due_on__lt=today,
            overdue_at__isnull=True,
        ),
        limit,
        "due_on",
    )
    for invoice in overdue:
        invoice.overdue_at = timezone.now()
        invoice.save(update_fields=["overdue_at"])
        figures = invoice_balance(tenant=tenant, invoice=invoice)
        if figures.balance <= 0:
            continue
        assert invoice.due_on is not None  # noqa: S101  (filtered on above)
        timeline_record(
            tenant=tenant,
            kind="invoice.overdue",
            summary=gettext_noop("Invoice %(number)s is overdue: %(balance)s was due on %(date)s"),
            params={
                "number": invoice.number,
                "balance": money(figures.balance, invoice.currency),
                "date": stored_date(invoice.due_on),
            },
            lead=invoice.lead,
        )
        publish(InvoiceOverdue(tenant=tenant, invoice=invoice, actor=None))
    return len(overdue)


@transaction.atomic
def invoice_reminders_replan(*, tenant: Tenant, settings: BillingSettings) -> int:
    """After the reminder settings changed: each open invoice's next reminder by the new ones
    (the reminders it already had still count)."""
    invoices = list(
        Invoice.objects.filter(tenant=tenant, status__in=OPEN_STATUSES, series=Series.INVOICE)
        .select_for_update(of=("self",))
        .only("pk", "due_on", "issued_on", "reminders_sent", "last_reminder_at")
    )
    for invoice in invoices:
        invoice.next_reminder_on = next_reminder_of(settings, invoice, tenant.zone)
    Invoice.objects.bulk_update(invoices, ["next_reminder_on"], batch_size=500)
    return len(invoices)
