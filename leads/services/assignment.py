"""Who owns a lead: the assignment rules, availability and territory, manual and bulk assignment."""

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm.kit.links import lead_page
from crm.kit.stored_text import stored_label, stored_message, stored_split
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
from leads import assignment_text
from leads.models import (
    AssignmentRule,
    CapacityCounts,
    Lead,
    LeadSettings,
    LeadStatus,
    Phase,
)

# Why a person's bulk action gave leads to someone, kept in the decision (read in any language).
BULK_CHANGE = stored_message(gettext_noop("bulk change"))


def _rule_matches(rule: AssignmentRule, lead: Lead) -> bool:
    return (
        (rule.pipeline_id is None or rule.pipeline_id == lead.pipeline_id)
        and (not rule.lead_type or rule.lead_type == lead.lead_type)
        and (rule.source_id is None or rule.source_id == lead.source_id)
    )


END_OF_DAY = "24:00"


def member_is_available(
    membership: Membership, tenant: Tenant, now: dt.datetime, away: set
) -> bool:
    if membership.pk in away:
        return False
    local = now.astimezone(tenant.zone)
    intervals = membership.weekly_availability.get(WEEKDAYS[local.weekday()], [])
    clock = local.strftime("%H:%M")
    # An end is exclusive, but a day's last minute cannot be written as 24:00: "23:59" is midnight
    # (a rep available 00:00–23:59 every day is available at 23:59:30 too).
    return any(start <= clock < (END_OF_DAY if end == "23:59" else end) for start, end in intervals)


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


def _open_leads_filter(counts: str) -> Q:
    """The leads a rep's cap counts: by default only open sales leads, so a rep whose won jobs are
    being built by the crew still takes new leads."""
    if counts == CapacityCounts.OPEN_AND_WON:
        return Q(leads__status__in=[LeadStatus.OPEN, LeadStatus.WON], leads__closed_at__isnull=True)
    return Q(leads__status=LeadStatus.OPEN) & (
        Q(leads__stage__isnull=True) | Q(leads__stage__phase=Phase.SALES)
    )


@dataclass
class Evaluation:
    """Who may take a lead, longest-waiting first, and who may not with every reason why."""

    eligible: list[Membership] = field(default_factory=list)
    skipped: list[tuple[Membership, list[dict]]] = field(default_factory=list)

    def skipped_as_data(self) -> list[dict]:
        return [{"name": str(m.user), "reasons": reasons} for m, reasons in self.skipped]


def _reasons(
    *,
    member: Membership,
    checks: AssignmentRule,
    lead: Lead,
    tenant: Tenant,
    now: dt.datetime,
    away: set,
    counts: str,
) -> list[dict]:
    reasons: list[dict] = []
    if checks.require_availability:
        if member.pk in away:
            reasons.append({"code": "time_off"})
        elif not member_is_available(member, tenant, now, away):
            reasons.append({"code": "hours"})
    open_leads: int = member.open_leads  # type: ignore[attr-defined]  # annotated on the pool
    capped = member.capacity is not None and open_leads >= member.capacity
    if checks.require_capacity and capped:
        reasons.append(
            {
                "code": "capacity",
                "open": open_leads,
                "limit": member.capacity,
                "counts": counts,
            }
        )
    if checks.require_expertise and not _matches_expertise(member, lead):
        reasons.append(
            {
                "code": "expertise",
                "expertise": member.expertise,
                "expertise_label": stored_label(member.get_expertise_display(), lower=True),
            }
        )
    if checks.require_territory and not covers_territory(member, lead.property):
        place = lead.property
        reasons.append(
            {
                "code": "territory",
                "territories": list(member.territories),
                "place": ", ".join(p for p in (place.city, place.state, place.postal_code) if p)
                if place
                else "",
            }
        )
    return reasons


def assignment_evaluate(
    *, tenant: Tenant, rule: AssignmentRule | None, lead: Lead, now: dt.datetime
) -> Evaluation:
    """Every candidate of `rule` (None: every active rep, every check) for `lead` right now:
    the eligible ones longest-waiting first (round robin), the others with their reasons."""
    counts = (
        LeadSettings.objects.filter(tenant=tenant).values_list("capacity_counts", flat=True).first()
        or CapacityCounts.OPEN_SALES
    )
    pool = Membership.objects.filter(tenant=tenant, is_active=True).select_related("user")
    chosen = list(rule.members.all()) if rule is not None else []
    pool = pool.filter(pk__in=[m.pk for m in chosen]) if chosen else pool.filter(role=Role.REP)
    pool = pool.annotate(open_leads=Count("leads", filter=_open_leads_filter(counts))).order_by(
        F("last_assigned_at").asc(nulls_first=True), "pk"
    )
    today = now.astimezone(tenant.zone).date()
    away = set(
        TimeOff.objects.filter(tenant=tenant, starts_on__lte=today, ends_on__gte=today).values_list(
            "membership_id", flat=True
        )
    )
    checks = rule or AssignmentRule()  # no rule: every check applies
    evaluation = Evaluation()
    for member in pool:
        reasons = _reasons(
            member=member,
            checks=checks,
            lead=lead,
            tenant=tenant,
            now=now,
            away=away,
            counts=counts,
        )
        if reasons:
            evaluation.skipped.append((member, reasons))
        else:
            evaluation.eligible.append(member)
    return evaluation


def eligible_members(
    *, tenant: Tenant, rule: AssignmentRule | None, lead: Lead, now: dt.datetime
) -> list[Membership]:
    """Who may take `lead` under `rule` right now, longest-waiting first (round robin)."""
    return assignment_evaluate(tenant=tenant, rule=rule, lead=lead, now=now).eligible


def _lead_type_label(lead: Lead) -> dict:
    return stored_label(lead.get_lead_type_display(), lower=True)


@transaction.atomic
def lead_assign_automatically(
    *, tenant: Tenant, lead: Lead, now: dt.datetime | None = None, notify: bool = True
) -> Membership | None:
    """Round robin by the first matching rule; nobody eligible: the managers' queue. Either way
    the decision (who was eligible, who was skipped and why) is kept on the lead, written on its
    timeline and, for the queue, told to the managers."""
    now = now or timezone.now()
    rules = list(
        AssignmentRule.objects.filter(tenant=tenant, is_active=True).prefetch_related("members")
    )
    rule = next((r for r in rules if _rule_matches(r, lead)), None)
    decision: dict = {"at": now.isoformat(), "rule": rule.name if rule else ""}
    if rules and rule is None:
        evaluation = Evaluation()
        decision |= {
            "none": assignment_text.NO_RULE,
            "lead_type": _lead_type_label(lead),
            "source": lead.source.name if lead.source is not None else "",
        }
    else:
        # Lock the pool so two leads arriving together do not both go to the same person.
        list(
            Membership.objects.select_for_update()
            .filter(tenant=tenant, is_active=True)
            .values_list("pk", flat=True)
        )
        evaluation = assignment_evaluate(tenant=tenant, rule=rule, lead=lead, now=now)
        if not evaluation.eligible and not evaluation.skipped:
            decision["none"] = assignment_text.NO_MEMBERS
    decision["eligible"] = [str(m.user) for m in evaluation.eligible]
    decision["skipped"] = evaluation.skipped_as_data()
    if evaluation.eligible:
        owner = evaluation.eligible[0]
        decision |= {"outcome": assignment_text.ASSIGNED, "owner": str(owner.user)}
        return lead_assign(
            tenant=tenant,
            actor=None,
            lead=lead,
            owner=owner,
            now=now,
            notify=notify,
            decision=decision,
        )
    decision["outcome"] = assignment_text.QUEUED
    _decision_store(tenant=tenant, lead=lead, decision=decision)
    explanation = assignment_text.decision_message(decision)
    timeline_record(
        tenant=tenant,
        kind="lead.queued",
        summary=gettext_noop("Waiting in the managers' queue. %(why)s"),
        params={"why": explanation},
        lead=lead,
        occurred_at=now,
        detail={"decision": decision},
    )
    if not notify:
        return None
    notifications_notify_roles(
        tenant=tenant,
        roles=[Role.MANAGER, Role.ADMIN],
        title=gettext_noop("New lead %(reference)s needs an owner"),
        title_params={"reference": lead.reference},
        # Translators: a customer's name, then why no one was assigned their lead.
        body=gettext_noop("%(name)s: %(why)s"),
        body_params={"name": lead.contact.display_name, "why": explanation},
        url=lead_page(lead.pk),
        level=NotificationLevel.WARNING,
        kind="lead_assigned",
        group="lead_needs_owner",
    )
    return None


def _decision_store(*, tenant: Tenant, lead: Lead, decision: dict) -> None:
    lead.assignment_decision = decision
    Lead.objects.filter(tenant=tenant, pk=lead.pk).update(assignment_decision=decision)


@transaction.atomic
def lead_assign(
    *,
    tenant: Tenant,
    actor: User | None,
    lead: Lead,
    owner: Membership | None,
    now: dt.datetime | None = None,
    reason: dict | None = None,
    notify: bool = True,
    decision: dict | None = None,
) -> Membership | None:
    """Give `lead` to `owner` (None: back to the managers' queue). `decision` is the round robin's
    when it picked; a person's change is kept as theirs."""
    now = now or timezone.now()
    if owner is not None and (owner.tenant_id != tenant.pk or not owner.is_active):
        raise ValidationError(_("Leads can only go to active members of this team."))
    if (owner.pk if owner else None) == lead.owner_id:
        return owner
    previous = lead.owner
    lead.owner = owner
    if decision is None:
        decision = {
            "outcome": assignment_text.MANUAL if owner else assignment_text.UNASSIGNED,
            "at": now.isoformat(),
            "owner": str(owner.user) if owner else "",
            "actor": str(actor) if actor else "",
            "reason": reason or "",
        }
    lead.assignment_decision = decision
    Lead.objects.filter(tenant=tenant, pk=lead.pk).update(
        owner=owner, last_activity_at=now, assignment_decision=decision
    )
    params: dict[str, object] = {}
    if owner is None:
        summary = gettext_noop("Unassigned")
        if previous:
            summary = gettext_noop("Unassigned (was %(previous)s)")
            params = {"previous": str(previous.user)}
    else:
        Membership.objects.filter(tenant=tenant, pk=owner.pk).update(last_assigned_at=now)
        message = (
            assignment_text.decision_message(decision)
            if decision.get("outcome") == assignment_text.ASSIGNED
            else None
        )
        if message is not None:
            summary, params = stored_split(message)
        else:
            summary = gettext_noop("Assigned to %(owner)s")
            params = {"owner": str(owner.user)}
            if reason:
                summary = gettext_noop("Assigned to %(owner)s (%(reason)s)")
                params["reason"] = reason
        Membership.objects.filter(tenant=tenant, pk=owner.pk).update(last_assigned_at=now)
    timeline_record(
        tenant=tenant,
        kind="lead.assigned",
        summary=summary,
        params=params,
        actor=actor,
        lead=lead,
        occurred_at=now,
        detail={
            "from": previous.pk if previous else None,
            "to": owner.pk if owner else None,
            "decision": decision,
        },
    )
    if notify and owner is not None and (actor is None or owner.user_id != actor.pk):
        notification_create(
            tenant=tenant,
            recipient=owner.user,
            title=gettext_noop("New lead for you: %(name)s"),
            title_params={"name": lead.contact.display_name},
            body=f"{lead.reference} · {lead.pipeline.name}"
            + (f" · {lead.title}" if lead.title else ""),
            url=lead_page(lead.pk),
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
            lead_assign(tenant=tenant, actor=actor, lead=lead, owner=owner, reason=BULK_CHANGE)
            changed += 1
    return changed
