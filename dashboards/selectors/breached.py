"""Tickets whose SLA is breached right now: past their due time and still owed an answer (the
inbox's "SLA breached" view, tickets.selectors.inbox.BREACHED_NOW), per assignee and the longest
overdue first.

The team's SLA figure counts these as not answered within SLA while the period runs, so the
figure and the list beside it never disagree (a "100 %" next to nine tickets breached for weeks).
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.http import urlencode

from dashboards.period import Scope
from dashboards.selectors.people import Member, member_name, team_members
from tickets.models import Ticket
from tickets.selectors.inbox import BREACHED_NOW, VIEW_BREACHED

LISTED = 10


@dataclass(frozen=True)
class BreachedTicket:
    pk: int
    reference: str
    subject: str
    customer: str
    assignee: str | Promise
    due_at: dt.datetime

    @property
    def url(self) -> str:
        return reverse("tickets:detail", args=[self.pk])


@dataclass
class BreachedFigures:
    total: int
    by_assignee: dict[int | None, int]
    oldest: list[BreachedTicket]
    counted_at: dt.datetime
    members: dict[int, Member]

    def overdue(self, ticket: BreachedTicket) -> dt.timedelta:
        return self.counted_at - ticket.due_at

    @property
    def inbox_url(self) -> str:
        return f"{reverse('tickets:inbox')}?{urlencode({'view': VIEW_BREACHED})}"


def _breached(ticket: Ticket, members: dict[int, Member]) -> BreachedTicket:
    assert ticket.sla_due_at is not None  # noqa: S101  # breached: past its due time
    return BreachedTicket(
        pk=ticket.pk,
        reference=ticket.reference,
        subject=ticket.subject,
        customer=str(ticket.contact) if ticket.contact_id else "",
        assignee=member_name(members, ticket.assignee_id),
        due_at=ticket.sla_due_at,
    )


def breached_figures(scope: Scope, *, now: dt.datetime | None = None) -> BreachedFigures:
    """Two queries on the ticket_breached index plus the member names."""
    now = now or timezone.now()
    tickets = Ticket.objects.filter(BREACHED_NOW, scope.ticket_conditions(), tenant=scope.tenant)
    by_assignee = dict(tickets.values_list("assignee_id").annotate(count=Count("*")).order_by())
    members = team_members(scope)
    # The ten oldest picked from the tickets alone, then their customers joined: joined first,
    # PostgreSQL probed a contact for every breached ticket (two thousand at a million leads).
    listed = tickets.order_by("sla_due_at", "pk").values("pk")[:LISTED]
    oldest = [
        _breached(ticket, members)
        for ticket in Ticket.objects.filter(tenant=scope.tenant, pk__in=listed)
        .select_related("contact")
        .order_by("sla_due_at", "pk")
    ]
    return BreachedFigures(
        total=sum(by_assignee.values()),
        by_assignee=by_assignee,
        oldest=oldest,
        counted_at=now,
        members=members,
    )
