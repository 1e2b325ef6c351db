"""What agents change on a ticket: its status and priority (one by one or in bulk) and the lead it
belongs to. Every write is one transaction and lands on the timeline."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm.kit.languages import in_english
from crm.kit.stored_text import stored_label, stored_message
from crm.models import Property, Tenant, User
from crm.services.timeline import timeline_record
from leads.models import Lead, Pipeline
from leads.services.leads import lead_create
from tickets.models import Priority, SlaEvent, SlaEventKind, Ticket, TicketStatus
from tickets.priority import priority_reason_columns
from tickets.services import sla


def ticket_status_apply(tenant: Tenant, ticket: Ticket, status: str, at: dt.datetime) -> bool:
    """Set a new status on the ticket (not saved) and move its SLA clock with it; False when the
    status is the one it has."""
    if status == ticket.status:
        return False
    if status not in TicketStatus.values:
        raise ValidationError(f"Unknown status {status!r}.")
    ticket.status = status
    if status == TicketStatus.WAITING:
        sla.sla_pause(tenant=tenant, ticket=ticket, at=at)
    elif status == TicketStatus.OPEN:
        sla.sla_resume(tenant=tenant, ticket=ticket, at=at)
        ticket.resolved_at = None
    else:
        sla.sla_settle(tenant=tenant, ticket=ticket, at=at)
        ticket.resolved_at = ticket.resolved_at or at
    return True


@transaction.atomic
def ticket_change(
    *,
    tenant: Tenant,
    actor: User,
    ticket: Ticket,
    status: str | None = None,
    priority: str | None = None,
) -> Ticket:
    """Change a ticket's status and/or priority by hand."""
    now = timezone.now()
    changes = []
    if status is not None and ticket_status_apply(tenant, ticket, status, now):
        changes.append(f"status {in_english(ticket.get_status_display()).lower()}")
    if priority is not None and priority != ticket.priority:
        if priority not in Priority.values:
            raise ValidationError(f"Unknown priority {priority!r}.")
        ticket.priority = priority
        for column, value in priority_reason_columns(
            stored_message(gettext_noop("set by %(name)s"), name=actor.full_name)
        ).items():
            setattr(ticket, column, value)
        sla.sla_reprioritised(tenant=tenant, ticket=ticket, at=now)
        SlaEvent.objects.create(
            tenant=tenant,
            ticket=ticket,
            kind=SlaEventKind.PRIORITY_CHANGED,
            occurred_at=now,
            due_at=ticket.sla_due_at,
            **sla.sla_event_detail(
                stored_message(
                    gettext_noop("Set to %(priority)s by %(name)s"),
                    priority=stored_label(ticket.get_priority_display()),
                    name=actor.full_name,
                )
            ),
        )
        changes.append(f"priority {in_english(ticket.get_priority_display()).lower()}")
    if not changes:
        return ticket
    ticket.save()
    timeline_record(
        tenant=tenant,
        kind="ticket.changed",
        # The changes read in English, as written.
        summary=gettext_noop("%(reference)s: %(changes)s"),
        params={"reference": ticket.reference, "changes": ", ".join(changes)},
        actor=actor,
        contact=ticket.contact,
        lead=ticket.lead,
        detail={"ticket": ticket.pk},
    )
    return ticket


@transaction.atomic
def tickets_bulk_change(
    *,
    tenant: Tenant,
    actor: User,
    ticket_ids: list[int],
    status: str | None = None,
    priority: str | None = None,
) -> int:
    tickets = Ticket.objects.select_for_update(of=("self",)).filter(
        tenant=tenant, pk__in=ticket_ids
    )
    changed = 0
    for ticket in tickets.select_related("contact", "lead", "inbox"):
        before = (ticket.status, ticket.priority)
        ticket_change(tenant=tenant, actor=actor, ticket=ticket, status=status, priority=priority)
        changed += before != (ticket.status, ticket.priority)
    return changed


@transaction.atomic
def ticket_link_lead(*, tenant: Tenant, actor: User, ticket: Ticket, lead: Lead | None) -> Ticket:
    """Link the ticket to one of its contact's leads (or unlink it)."""
    if lead is not None and (lead.tenant_id != tenant.pk or lead.contact_id != ticket.contact_id):
        raise ValidationError(_("Link a lead of this ticket's contact."))
    ticket.lead = lead
    ticket.save(update_fields=["lead", "updated_at"])
    timeline_record(
        tenant=tenant,
        kind="ticket.lead_linked",
        summary=gettext_noop("%(reference)s linked to %(lead)s")
        if lead
        else gettext_noop("%(reference)s unlinked from its lead"),
        params={"reference": ticket.reference, "lead": lead.reference if lead else ""},
        actor=actor,
        contact=ticket.contact,
        lead=lead,
        detail={"ticket": ticket.pk},
    )
    return ticket


@transaction.atomic
def ticket_create_lead(
    *, tenant: Tenant, actor: User, ticket: Ticket, pipeline_id: int, title: str = ""
) -> Lead:
    """A new lead for the ticket's contact, started from the conversation and linked to it. The
    ticket's assignee owns it (else the assignment rules choose); the job is at the contact's
    most recent property, if they have one."""
    pipeline = Pipeline.objects.filter(tenant=tenant, pk=pipeline_id, is_archived=False).first()
    if pipeline is None:
        raise ValidationError(_("Choose one of this team's pipelines."))
    place = (
        Property.objects.filter(tenant=tenant, links__contact_id=ticket.contact_id)
        .order_by("-created_at", "-pk")
        .first()
    )
    lead = lead_create(
        tenant=tenant,
        actor=actor,
        contact=ticket.contact,
        pipeline=pipeline,
        place=place,
        owner=ticket.assignee,
        assign_automatically=ticket.assignee is None,
        title=(title.strip() or ticket.subject)[:200],
        brand=ticket.inbox.brand,
        created_via=f"ticket {ticket.reference}",
    )
    ticket_link_lead(tenant=tenant, actor=actor, ticket=ticket, lead=lead)
    return lead
