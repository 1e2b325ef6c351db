"""Who owns a lead: the assignment rules, availability and territory, manual and bulk assignment."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone

from crm.models import (
    WEEKDAYS,
    Membership,
    NotificationLevel,
    Property,
    Role,
    Tenant,
    TimeOff,
    User,
)
from crm.services.notifications import notification_create, notifications_notify_roles
from crm.services.timeline import timeline_record
from leads.models import AssignmentRule, Lead, LeadStatus


def _rule_matches(rule: AssignmentRule, lead: Lead) -> bool:
    return (
        (rule.pipeline_id is None or rule.pipeline_id == lead.pipeline_id)
        and (not rule.lead_type or rule.lead_type == lead.lead_type)
        and (rule.source_id is None or rule.source_id == lead.source_id)
    )


def member_is_available(
    membership: Membership, tenant: Tenant, now: dt.datetime, away: set
) -> bool:
    if membership.pk in away:
        return False
    local = now.astimezone(tenant.zone)
    intervals = membership.weekly_availability.get(WEEKDAYS[local.weekday()], [])
    clock = local.strftime("%H:%M")
    return any(start <= clock < end for start, end in intervals)


def covers_territory(membership: Membership, place: Property | None) -> bool:
    """Territories are states, cities or ZIP prefixes; none listed means everywhere."""
    if not membership.territories:
        return True
    if place is None:
        return False
    for territory in (t.strip().casefold() for t in membership.territories):
        if territory and territory in (place.state.casefold(), place.city.casefold()):
            return True
        if territory and territory.isdigit() and place.postal_code.startswith(territory):
            return True
    return False


def _matches_expertise(membership: Membership, lead: Lead) -> bool:
    return membership.expertise in ("both", lead.lead_type)


def eligible_members(
    *, tenant: Tenant, rule: AssignmentRule | None, lead: Lead, now: dt.datetime
) -> list[Membership]:
    """Who may take `lead` under `rule` right now, longest-waiting first (round robin)."""
    pool = Membership.objects.filter(tenant=tenant, is_active=True).select_related("user")
    chosen = list(rule.members.all()) if rule is not None else []
    pool = pool.filter(pk__in=[m.pk for m in chosen]) if chosen else pool.filter(role=Role.REP)
    pool = pool.annotate(
        open_leads=Count("leads", filter=Q(leads__status__in=[LeadStatus.OPEN, LeadStatus.WON]))
    ).order_by(F("last_assigned_at").asc(nulls_first=True), "pk")
    today = now.astimezone(tenant.zone).date()
    away = set(
        TimeOff.objects.filter(tenant=tenant, starts_on__lte=today, ends_on__gte=today).values_list(
            "membership_id", flat=True
        )
    )
    checks = rule or AssignmentRule()  # no rule: every check applies
    eligible = []
    for member in pool:
        if checks.require_availability and not member_is_available(member, tenant, now, away):
            continue
        at_capacity = member.capacity is not None and member.open_leads >= member.capacity
        if checks.require_capacity and at_capacity:
            continue
        if checks.require_expertise and not _matches_expertise(member, lead):
            continue
        if checks.require_territory and not covers_territory(member, lead.property):
            continue
        eligible.append(member)
    return eligible


@transaction.atomic
def lead_assign_automatically(
    *, tenant: Tenant, lead: Lead, now: dt.datetime | None = None, notify: bool = True
) -> Membership | None:
    """Round robin by the first matching rule; nobody eligible: the managers' queue."""
    now = now or timezone.now()
    rules = list(
        AssignmentRule.objects.filter(tenant=tenant, is_active=True).prefetch_related("members")
    )
    rule = next((r for r in rules if _rule_matches(r, lead)), None)
    if rules and rule is None:
        candidates = []
    else:
        # Lock the pool so two leads arriving together do not both go to the same person.
        list(
            Membership.objects.select_for_update()
            .filter(tenant=tenant, is_active=True)
            .values_list("pk", flat=True)
        )
        candidates = eligible_members(tenant=tenant, rule=rule, lead=lead, now=now)
    if candidates:
        return lead_assign(
            tenant=tenant,
            actor=None,
            lead=lead,
            owner=candidates[0],
            now=now,
            reason=f"rule “{rule.name}”" if rule else "round robin",
            notify=notify,
        )
    timeline_record(
        tenant=tenant,
        kind="lead.queued",
        summary="No rep available: waiting in the managers' queue",
        lead=lead,
        occurred_at=now,
    )
    if not notify:
        return None
    notifications_notify_roles(
        tenant=tenant,
        roles=[Role.MANAGER, Role.ADMIN],
        title=f"New lead {lead.reference} needs an owner",
        body=f"{lead.contact.display_name}: no rep was available to take it.",
        url=reverse("leads:detail", kwargs={"lead_pk": lead.pk}),
        level=NotificationLevel.WARNING,
        kind="lead_assigned",
        group="lead_needs_owner",
    )
    return None


@transaction.atomic
def lead_assign(
    *,
    tenant: Tenant,
    actor: User | None,
    lead: Lead,
    owner: Membership | None,
    now: dt.datetime | None = None,
    reason: str = "",
    notify: bool = True,
) -> Membership | None:
    now = now or timezone.now()
    if owner is not None and (owner.tenant_id != tenant.pk or not owner.is_active):
        raise ValidationError("Leads can only go to active members of this team.")
    if (owner.pk if owner else None) == lead.owner_id:
        return owner
    previous = lead.owner
    lead.owner = owner
    Lead.objects.filter(tenant=tenant, pk=lead.pk).update(owner=owner, last_activity_at=now)
    if owner is None:
        summary = f"Unassigned (was {previous.user})" if previous else "Unassigned"
    else:
        summary = f"Assigned to {owner.user}" + (f" by {reason}" if reason else "")
        Membership.objects.filter(tenant=tenant, pk=owner.pk).update(last_assigned_at=now)
    timeline_record(
        tenant=tenant,
        kind="lead.assigned",
        summary=summary,
        actor=actor,
        lead=lead,
        occurred_at=now,
        detail={"from": previous.pk if previous else None, "to": owner.pk if owner else None},
    )
    if notify and owner is not None and (actor is None or owner.user_id != actor.pk):
        notification_create(
            tenant=tenant,
            recipient=owner.user,
            title=f"New lead for you: {lead.contact.display_name}",
            body=f"{lead.reference} · {lead.pipeline.name}"
            + (f" · {lead.title}" if lead.title else ""),
            url=reverse("leads:detail", kwargs={"lead_pk": lead.pk}),
            kind="lead_assigned",
        )
    return owner


@transaction.atomic
def leads_bulk_assign(
    *, tenant: Tenant, actor: User, lead_ids: list[int], owner: Membership | None
) -> int:
    leads = Lead.objects.filter(tenant=tenant, pk__in=lead_ids).select_related(
        "owner__user", "contact", "pipeline"
    )
    changed = 0
    for lead in leads.select_for_update(of=("self",)):
        if (owner.pk if owner else None) != lead.owner_id:
            lead_assign(tenant=tenant, actor=actor, lead=lead, owner=owner, reason="bulk change")
            changed += 1
    return changed
