"""When an open invoice's reminders are due, from the tenant's reminder settings.

As Invoice Ninja and Jobber do it: an optional reminder some days before the due date, then one
every few days after it, at most as many in all as the admin sets. A reminder before the due date
that would fall on or before the day the invoice was sent is left out (a "due on receipt" invoice
is not reminded the moment it goes), and two reminders are never closer than the interval (a
sweep that was down, or settings changed, never sends two in a row)."""

import datetime as dt

from billing.models import BillingSettings


def reminder_dates(
    settings: BillingSettings, *, due_on: dt.date, issued_on: dt.date | None
) -> list[dt.date]:
    """Every reminder the invoice gets, in order."""
    every = dt.timedelta(days=max(settings.reminder_every_days, 1))
    dates: list[dt.date] = []
    if settings.reminder_days_before_due:
        before = due_on - dt.timedelta(days=settings.reminder_days_before_due)
        if issued_on is None or before > issued_on:
            dates.append(before)
    dates += [due_on + every * step for step in range(1, settings.reminders_max + 1)]
    return dates[: settings.reminders_max]


def next_reminder_on(
    settings: BillingSettings,
    *,
    due_on: dt.date | None,
    issued_on: dt.date | None,
    sent: int,
    last_sent_on: dt.date | None,
) -> dt.date | None:
    """The day the next reminder is due, after `sent` of them; None when no more go."""
    if due_on is None:
        return None
    dates = reminder_dates(settings, due_on=due_on, issued_on=issued_on)
    if sent >= len(dates):
        return None
    due = dates[sent]
    if last_sent_on is not None:
        due = max(due, last_sent_on + dt.timedelta(days=max(settings.reminder_every_days, 1)))
    return due


def next_reminder_of(settings: BillingSettings, invoice, zone: dt.tzinfo) -> dt.date | None:
    """The invoice's next reminder by `settings`, counting the reminders it already had (their
    days in the business's time zone `zone`)."""
    last = invoice.last_reminder_at
    return next_reminder_on(
        settings,
        due_on=invoice.due_on,
        issued_on=invoice.issued_on,
        sent=invoice.reminders_sent,
        last_sent_on=last.astimezone(zone).date() if last is not None else None,
    )
