"""The SLA clock of a ticket: when our answer is due, in the tenant's business hours.

- A customer message (not an auto-reply) starts the clock if none is running: the first-response
  target if nobody has answered the ticket yet, else the next-response target.
- Our answer (a reply on any channel, a logged call) stops it: met in time, or answered late.
- Waiting on the customer pauses it, keeping the business minutes left; it resumes from there.
- Resolving or closing the ticket stops it with nothing owed.
- The sweep marks running clocks past due as breached and escalates: the assignee and the inbox's
  team lead (else the managers) at once, the managers if it is still unanswered after the tenant's
  delay. Every step is an SlaEvent on the ticket.
"""

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from crm.kit.claims import lock_due_rows
from crm.kit.formatting import stored_duration
from crm.kit.stored_text import (
    clipped,
    stored_columns,
    stored_date,
    stored_label,
    stored_message,
)
from crm.models import Membership, NotificationLevel, Role, Tenant
from crm.selectors.calendar import business_calendar
from crm.services.notifications import notification_create, notifications_notify_roles
from crm.services.timeline import timeline_record
from tickets.models import (
    ACTIVE_STATUSES,
    DEFAULT_SLA_MINUTES,
    SlaEvent,
    SlaEventKind,
    SlaPolicy,
    SlaTarget,
    Ticket,
)
from tickets.services.configuration import inbox_settings_get

SWEEP_BATCH = 500


def target_minutes(*, tenant: Tenant, priority: str, target: str) -> int:
    policy = SlaPolicy.objects.filter(tenant=tenant, priority=priority).first()
    if policy is None:
        return DEFAULT_SLA_MINUTES[priority]
    if target == SlaTarget.FIRST:
        return policy.first_response_minutes
    return policy.next_response_minutes


def _due(tenant: Tenant, start: dt.datetime, minutes: int) -> dt.datetime:
    return business_calendar(tenant).add_business_minutes(start, minutes)


def sla_event_detail(message: dict) -> dict:
    """An SLA event's detail columns for a stored message (crm.kit.stored_text): the English
    text, and the msgid with its values, so the thread's sidebar reads it in the reader's
    language."""
    text, params = stored_columns(message)
    return {"detail": clipped(text, 300), "detail_params": params}


def _record(ticket: Ticket, kind: str, at: dt.datetime, detail: dict | None = None) -> None:
    SlaEvent.objects.create(
        tenant_id=ticket.tenant_id,
        ticket=ticket,
        kind=kind,
        target=ticket.sla_target,
        occurred_at=at,
        due_at=ticket.sla_due_at,
        **(sla_event_detail(detail) if detail else {}),
    )


def _stop(ticket: Ticket) -> None:
    """Nothing owed: the breach, if any, stays in the SLA events, not on the ticket."""
    ticket.sla_breached_at = None
    ticket.sla_due_at = None
    ticket.sla_paused_minutes_left = None
    ticket.sla_started_at = None
    ticket.escalation_level = 0
    ticket.escalated_at = None


# --- What moves the clock (callers save the ticket) ----------------------------------------------


def sla_customer_wrote(*, tenant: Tenant, ticket: Ticket, at: dt.datetime) -> None:
    if ticket.sla_due_at is not None:
        return  # already owed an answer: the clock runs from their earlier message
    if ticket.sla_paused_minutes_left is not None:
        sla_resume(tenant=tenant, ticket=ticket, at=at)
        return
    ticket.sla_target = SlaTarget.FIRST if ticket.first_response_at is None else SlaTarget.NEXT
    minutes = target_minutes(tenant=tenant, priority=ticket.priority, target=ticket.sla_target)
    ticket.sla_started_at = at
    ticket.sla_due_at = _due(tenant, at, minutes)
    ticket.sla_breached_at = None
    ticket.escalation_level = 0
    ticket.escalated_at = None
    target = stored_label(ticket.get_sla_target_display())
    _record(
        ticket,
        SlaEventKind.STARTED,
        at,
        stored_message(gettext_noop("%(target)s due"), target=target),
    )


def sla_answered(*, tenant: Tenant, ticket: Ticket, at: dt.datetime) -> None:
    if ticket.first_response_at is None:
        ticket.first_response_at = at
    due = ticket.sla_due_at
    if due is None and ticket.sla_paused_minutes_left is None:
        return
    # A clock that breached and was then paused (or resumed with nothing left) was still late.
    late_since = ticket.sla_breached_at or (due if due is not None and at > due else None)
    if late_since is not None:
        late = business_calendar(tenant).business_minutes_between(late_since, at)
        late_by = stored_duration(late)
        _record(
            ticket,
            SlaEventKind.ANSWERED_LATE,
            at,
            stored_message(gettext_noop("%(duration)s late (business hours)"), duration=late_by),
        )
    else:
        _record(ticket, SlaEventKind.MET, at)
    _stop(ticket)


def sla_pause(*, tenant: Tenant, ticket: Ticket, at: dt.datetime) -> None:
    """Waiting on the customer: keep the minutes left (none, if already breached)."""
    if ticket.sla_due_at is None:
        return
    left = business_calendar(tenant).business_minutes_between(at, ticket.sla_due_at)
    ticket.sla_paused_minutes_left = left
    ticket.sla_due_at = None
    left_message = gettext_noop("%(duration)s left (business hours)")
    _record(
        ticket,
        SlaEventKind.PAUSED,
        at,
        stored_message(left_message, duration=stored_duration(left)),
    )


def sla_resume(*, tenant: Tenant, ticket: Ticket, at: dt.datetime) -> None:
    if ticket.sla_paused_minutes_left is None:
        return
    ticket.sla_due_at = _due(tenant, at, ticket.sla_paused_minutes_left)
    ticket.sla_paused_minutes_left = None
    _record(ticket, SlaEventKind.RESUMED, at)


def sla_settle(*, tenant: Tenant, ticket: Ticket, at: dt.datetime) -> None:
    """Resolved or closed: nothing is owed any more."""
    if ticket.sla_due_at is None and ticket.sla_paused_minutes_left is None:
        return
    _stop(ticket)


def _minutes_run(tenant: Tenant, ticket: Ticket, at: dt.datetime) -> int | None:
    """Business minutes the current clock has run by `at`, its pauses left out (from its
    SlaEvents); None if its start was never recorded."""
    moves = SlaEvent.objects.filter(
        tenant_id=ticket.tenant_id,
        ticket=ticket,
        occurred_at__gte=ticket.sla_started_at,
        kind__in=[SlaEventKind.STARTED, SlaEventKind.PAUSED, SlaEventKind.RESUMED],
    ).order_by("occurred_at", "pk")
    ran, running_since, started = 0, None, False
    for kind, occurred_at in moves.values_list("kind", "occurred_at"):
        if kind == SlaEventKind.STARTED:
            ran, running_since, started = 0, occurred_at, True
        elif kind == SlaEventKind.RESUMED:
            running_since = occurred_at
        elif running_since is not None:
            ran += business_calendar(tenant).business_minutes_between(running_since, occurred_at)
            running_since = None
    if not started:
        return None
    if running_since is not None:
        ran += business_calendar(tenant).business_minutes_between(running_since, at)
    return ran


def sla_reprioritised(*, tenant: Tenant, ticket: Ticket, at: dt.datetime | None = None) -> None:
    """A new priority moves an unbreached clock to that priority's target, less the business
    minutes it has already run (pauses are not held against us): a running clock gets a new due
    time, a paused one new minutes left."""
    if ticket.sla_breached_at or ticket.sla_started_at is None:
        return
    if ticket.sla_due_at is None and ticket.sla_paused_minutes_left is None:
        return
    at = at or timezone.now()
    minutes = target_minutes(tenant=tenant, priority=ticket.priority, target=ticket.sla_target)
    ran = _minutes_run(tenant, ticket, at)
    if ran is None:  # no recorded start (data from before the events): count from the start
        if ticket.sla_due_at is not None:
            ticket.sla_due_at = _due(tenant, ticket.sla_started_at, minutes)
        return
    left = max(minutes - ran, 0)
    if ticket.sla_due_at is None:
        ticket.sla_paused_minutes_left = left
    elif left:
        ticket.sla_due_at = _due(tenant, at, left)
    else:  # already past the new target: due (and breached by the sweep) now
        ticket.sla_due_at = at


# --- The sweep -----------------------------------------------------------------------------------


def _target_label(ticket: Ticket, *, lower: bool = False) -> dict | str:
    """The ticket's SLA target as a timeline or notification value (read in the reader's words)."""
    if not ticket.sla_target:
        return ""
    return stored_label(SlaTarget(ticket.sla_target).label, lower=lower)


def _ticket_url(ticket: Ticket) -> str:
    return reverse("tickets:detail", kwargs={"ticket_pk": ticket.pk})


def _tell_team_lead(tenant: Tenant, ticket: Ticket) -> dict:
    """The assignee and the inbox's team lead; with no (active) team lead, the managers and admins.
    Each person once: an assignee who is also a manager gets one notification. Returns whom it
    told, as the SLA event's stored detail."""
    title_params = {"reference": ticket.reference, "name": ticket.contact.display_name}
    target = _target_label(ticket)
    team_lead = ticket.inbox.team_lead
    has_lead = team_lead is not None and team_lead.is_active  # a lead who left: the managers
    others = (
        [team_lead]
        if has_lead
        else Membership.objects.filter(
            tenant=tenant, role__in=[Role.MANAGER, Role.ADMIN], is_active=True
        )
        .select_related("user")
        .order_by("pk")
    )
    told = set()
    for membership in (ticket.assignee, *others):
        if membership is not None and membership.is_active and membership.user_id not in told:
            told.add(membership.user_id)
            due = stored_date(
                timezone.localtime(ticket.sla_due_at, membership.user.zone_in(tenant)),
                "weekday_month_day_clock",
            )
            notification_create(
                tenant=tenant,
                recipient=membership.user,
                title=gettext_noop("SLA breached: %(reference)s %(name)s"),
                title_params=title_params,
                body=gettext_noop("%(target)s was due %(when)s."),
                body_params={"target": target, "when": due},
                url=_ticket_url(ticket),
                level=NotificationLevel.WARNING,
                kind="sla_breach",
            )
    if team_lead is not None and has_lead:
        return stored_message(gettext_noop("Told %(name)s"), name=team_lead.user.full_name)
    return stored_message(gettext_noop("Told the managers"))


@transaction.atomic
def sla_breaches_sweep(*, tenant: Tenant, now: dt.datetime | None = None) -> int:
    """Breach the clocks that ran out; escalate the breaches still unanswered. Returns how many
    tickets it escalated."""
    now = now or timezone.now()
    settings = inbox_settings_get(tenant=tenant)
    related = ("contact", "assignee__user", "inbox__team_lead__user")
    ran_out = lock_due_rows(
        Ticket.objects.filter(
            tenant=tenant, sla_breached_at__isnull=True, status__in=ACTIVE_STATUSES
        ).select_related(*related),
        due_field="sla_due_at",
        up_to=now,
        order_by=("sla_due_at",),
        limit=SWEEP_BATCH,
    )
    for ticket in ran_out:
        ticket.sla_breached_at = ticket.sla_due_at
        _record(ticket, SlaEventKind.BREACHED, now)
        told = _tell_team_lead(tenant, ticket)
        ticket.escalation_level = 1
        ticket.escalated_at = now
        _record(ticket, SlaEventKind.ESCALATED_LEAD, now, told)
        timeline_record(
            tenant=tenant,
            kind="ticket.sla_breached",
            summary=gettext_noop("%(reference)s: %(target)s SLA breached"),
            params={"reference": ticket.reference, "target": _target_label(ticket, lower=True)},
            contact=ticket.contact,
            lead=ticket.lead,
            detail={"ticket": ticket.pk},
            occurred_at=now,
        )
        ticket.save(
            update_fields=["sla_breached_at", "escalation_level", "escalated_at", "updated_at"]
        )

    second = now - dt.timedelta(minutes=settings.escalate_to_manager_after_minutes)
    still_unanswered = lock_due_rows(
        Ticket.objects.filter(
            tenant=tenant,
            escalation_level=1,
            sla_due_at__isnull=False,
            status__in=ACTIVE_STATUSES,
        ).select_related(*related),
        due_field="escalated_at",
        up_to=second,
        order_by=("escalated_at",),
        limit=SWEEP_BATCH,
    )
    for ticket in still_unanswered:
        notifications_notify_roles(
            tenant=tenant,
            roles=[Role.MANAGER, Role.ADMIN],
            title=gettext_noop("Still unanswered: %(reference)s %(name)s"),
            title_params={"reference": ticket.reference, "name": ticket.contact.display_name},
            body=gettext_noop("Breached %(when)s; the team lead was told %(duration)s ago."),
            body_params={
                "when": stored_date(
                    timezone.localtime(ticket.sla_breached_at, tenant.zone),
                    "weekday_month_day_clock",
                ),
                "duration": stored_duration(settings.escalate_to_manager_after_minutes),
            },
            url=_ticket_url(ticket),
            level=NotificationLevel.URGENT,
            kind="sla_breach",
        )
        ticket.escalation_level = 2
        ticket.escalated_at = now
        _record(ticket, SlaEventKind.ESCALATED_MANAGER, now)
        ticket.save(update_fields=["escalation_level", "escalated_at", "updated_at"])
    return len(ran_out) + len(still_unanswered)
