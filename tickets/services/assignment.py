"""Who answers a ticket: the owner of the customer's open lead, else the inbox's agents in turn
(round robin: the one who waited longest), skipping anyone off or at their cap of open tickets."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm.kit.stored_text import stored_message
from crm.models import Membership, NotificationLevel, Tenant, TimeOff, User
from crm.services.notifications import notification_create
from crm.services.timeline import timeline_record
from leads.services.assignment import member_is_available
from tickets.models import ACTIVE_STATUSES, InboxAgent, Ticket


def _available_agents(tenant: Tenant, ticket: Ticket, now: dt.datetime) -> list[InboxAgent]:
    """The inbox's agents who may take a ticket now, longest-waiting first. Locks their rows so two
    tickets arriving together do not both go to the same person."""
    agents = list(
        InboxAgent.objects.select_for_update(of=("self",))
        .filter(tenant=tenant, inbox_id=ticket.inbox_id, membership__is_active=True)
        .select_related("membership__user")
        .order_by(F("last_assigned_at").asc(nulls_first=True), "pk")
    )
    if not agents:
        return []
    open_counts = dict(
        Ticket.objects.filter(
            tenant=tenant,
            status__in=ACTIVE_STATUSES,
            assignee_id__in=[agent.membership_id for agent in agents],
        )
        .values("assignee_id")
        .annotate(open=Count("pk"))
        .values_list("assignee_id", "open")
    )
    today = now.astimezone(tenant.zone).date()
    away = set(
        TimeOff.objects.filter(
            tenant=tenant,
            membership_id__in=[agent.membership_id for agent in agents],
            starts_on__lte=today,
            ends_on__gte=today,
        ).values_list("membership_id", flat=True)
    )
    return [
        agent
        for agent in agents
        if member_is_available(agent.membership, tenant, now, away)
        and (agent.capacity is None or open_counts.get(agent.membership_id, 0) < agent.capacity)
    ]


@transaction.atomic
def ticket_assign_automatically(
    *, tenant: Tenant, ticket: Ticket, now: dt.datetime | None = None
) -> Ticket | None:
    now = now or timezone.now()
    lead = ticket.lead
    if lead is not None and lead.owner and lead.owner.is_active:
        return ticket_assign(
            tenant=tenant,
            actor=None,
            ticket=ticket,
            assignee=lead.owner,
            reason=stored_message(
                gettext_noop("owner of lead %(reference)s"), reference=lead.reference
            ),
        )
    agents = _available_agents(tenant, ticket, now)
    if not agents:
        timeline_record(
            tenant=tenant,
            kind="ticket.unassigned",
            summary=gettext_noop("%(reference)s: no agent of %(inbox)s available; unassigned"),
            params={"reference": ticket.reference, "inbox": ticket.inbox.name},
            contact=ticket.contact,
            lead=ticket.lead,
            detail={"ticket": ticket.pk},
        )
        return None
    chosen = agents[0]
    chosen.last_assigned_at = now
    chosen.save(update_fields=["last_assigned_at"])
    return ticket_assign(
        tenant=tenant,
        actor=None,
        ticket=ticket,
        assignee=chosen.membership,
        reason=stored_message(gettext_noop("round robin in %(inbox)s"), inbox=ticket.inbox.name),
    )


@transaction.atomic
def ticket_assign(
    *,
    tenant: Tenant,
    actor: User | None,
    ticket: Ticket,
    assignee: Membership | None,
    reason: str | dict | None = None,
    notify: bool = True,
) -> Ticket:
    """Give the ticket to `assignee` (None: unassign) and tell them, unless they did it."""
    if assignee is not None and assignee.tenant_id != tenant.pk:
        raise ValueError("The assignee must be a member of this team.")
    if assignee is not None and not assignee.is_active:
        raise ValidationError(_("Tickets can only go to active members of this team."))
    if ticket.assignee_id == (assignee.pk if assignee else None):
        return ticket
    ticket.assignee = assignee
    ticket.save(update_fields=["assignee", "updated_at"])
    # `reason` a stored message ("round robin in Sales") reads in the timeline's reader's
    # language; free text reads as written.
    params = {"reference": ticket.reference, "reason": reason or ""}
    if assignee is not None:
        params["who"] = assignee.user.full_name
        summary = gettext_noop("%(reference)s assigned to %(who)s")
        if reason:
            summary = gettext_noop("%(reference)s assigned to %(who)s (%(reason)s)")
    else:
        summary = gettext_noop("%(reference)s assigned to nobody")
        if reason:
            summary = gettext_noop("%(reference)s assigned to nobody (%(reason)s)")
    timeline_record(
        tenant=tenant,
        kind="ticket.assigned",
        summary=summary,
        params=params,
        actor=actor,
        contact=ticket.contact,
        lead=ticket.lead,
        detail={"ticket": ticket.pk, "assignee": assignee.pk if assignee else None},
    )
    if notify and assignee is not None and (actor is None or assignee.user_id != actor.pk):
        notification_create(
            tenant=tenant,
            recipient=assignee.user,
            title=gettext_noop("Ticket %(reference)s assigned to you"),
            title_params={"reference": ticket.reference},
            body=f"{ticket.contact.display_name}: {ticket.subject or ticket.last_message_snippet}",
            url=reverse("tickets:detail", kwargs={"ticket_pk": ticket.pk}),
            level=NotificationLevel.INFO,
            kind="ticket_assigned",
        )
    return ticket


@transaction.atomic
def tickets_bulk_assign(
    *, tenant: Tenant, actor: User, ticket_ids: list[int], assignee: Membership | None
) -> int:
    # Locked and told in ticket order: two bulk actions over the same tickets never deadlock, and
    # the assignee's notifications come in the order of the tickets.
    tickets = (
        Ticket.objects.select_for_update(of=("self",))
        .filter(tenant=tenant, pk__in=ticket_ids)
        .order_by("pk")
    )
    changed = 0
    for ticket in tickets.select_related("contact", "lead"):
        before = ticket.assignee_id
        ticket_assign(
            tenant=tenant,
            actor=actor,
            ticket=ticket,
            assignee=assignee,
            reason=stored_message(gettext_noop("bulk change")),
        )
        changed += before != ticket.assignee_id
    return changed
