"""Reading a ticket's SLA clock (tickets.services.sla runs it): the colour the inbox shows."""

import datetime as dt

from tickets.models import Ticket


def sla_colour(ticket: Ticket, now: dt.datetime) -> str:
    """green: time enough; orange: under a quarter of the target left; red: late. "" if no clock."""
    if ticket.sla_due_at is None:
        return "paused" if ticket.sla_paused_minutes_left is not None else ""
    if now >= ticket.sla_due_at:
        return "red"
    if ticket.sla_started_at is not None:
        whole = (ticket.sla_due_at - ticket.sla_started_at).total_seconds()
        if whole > 0 and (ticket.sla_due_at - now).total_seconds() < whole / 4:
            return "orange"
    return "green"
