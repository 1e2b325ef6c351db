"""Every write to leads, their stages, quotes and payments. Each function is one transaction.

Stage changes all go through `lead_move_to_stage`, which keeps the stage visits (the history the
progress bar and the dashboards read), the timeline and the priority score in step.
"""

import datetime as dt
import re
from dataclasses import asdict
from decimal import Decimal

from django.contrib.postgres.search import SearchVector
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q, Value
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone

from crm.events import publish
from crm.kit.formatting import money
from crm.models import (
    WEEKDAYS,
    AddressSource,
    Brand,
    Channel,
    Contact,
    Membership,
    NotificationLevel,
    Property,
    Role,
    Tenant,
    TimeOff,
    User,
)
from crm.selectors import sending_brand
from crm.services import (
    contact_find_or_create,
    notification_create,
    notifications_notify_roles,
    property_create,
    timeline_record,
)
from leads.aging import StageCutoffs
from leads.events import LeadCreated, LeadLost, LeadStageEntered
from leads.models import (
    AssignmentRule,
    CallOutcome,
    Lead,
    LeadCounter,
    LeadEvent,
    LeadSettings,
    LeadSource,
    LeadStatus,
    LeadType,
    Location,
    LostReason,
    Payment,
    Pipeline,
    Quote,
    QuoteLine,
    QuoteStatus,
    SavedLeadFilter,
    Stage,
    StageVisit,
)
from leads.pipeline_templates import PipelineTemplate
from leads.quote_links import quote_public_url
from leads.scoring import priority_score, score_parts
from leads.selectors import lead_settings_get, search_words, untouched_after
from messaging.models import MessageSource, MessageTemplate
from messaging.services.outbox import message_schedule

# --- Creating leads -----------------------------------------------------------------------------


def _next_lead_number(tenant: Tenant) -> int:
    counter, _ = LeadCounter.objects.select_for_update().get_or_create(tenant=tenant)
    counter.last_number = F("last_number") + 1
    counter.save(update_fields=["last_number"])
    counter.refresh_from_db(fields=["last_number"])
    return counter.last_number


def location_of(tenant: Tenant, place: Property | None) -> str:
    if place is None or not place.state or not tenant.home_state:
        return Location.UNKNOWN
    same = place.state.strip().casefold() == tenant.home_state.strip().casefold()
    return Location.IN_STATE if same else Location.OUT_OF_STATE


def first_stage(pipeline: Pipeline) -> Stage | None:
    return (
        Stage.objects.filter(tenant_id=pipeline.tenant_id, pipeline=pipeline, is_archived=False)
        .exclude(is_lost=True)
        .order_by("position", "id")
        .first()
    )


@transaction.atomic
def lead_create(
    *,
    tenant: Tenant,
    actor: User | None,
    contact: Contact,
    pipeline: Pipeline,
    stage: Stage | None = None,
    place: Property | None = None,
    owner: Membership | None = None,
    assign_automatically: bool = True,
    lead_type: str = "",
    title: str = "",
    estimated_value: Decimal | None = None,
    source: LeadSource | None = None,
    cost: Decimal | None = None,
    brand: Brand | None = None,
    note: str = "",
    created_via: str = "staff",
    notify_owner: bool = True,
    announce: bool = True,
    now: dt.datetime | None = None,
) -> Lead:
    """A new lead in `pipeline` (its first stage unless `stage`), owned by `owner`, or by whom the
    assignment rules pick when no owner is given. Bulk imports pass notify_owner=False and tell
    each owner once, at the end; they and demo data pass announce=False, so the comms engine's
    triggers do not greet customers who came in with a spreadsheet."""
    now = now or timezone.now()
    if pipeline.tenant_id != tenant.pk or (stage and stage.pipeline_id != pipeline.pk):
        raise ValidationError("That stage is not part of this pipeline.")
    stage = stage or first_stage(pipeline)
    if lead_type == "" and place is not None:
        lead_type = place.property_type
    lead = Lead(
        tenant=tenant,
        number=_next_lead_number(tenant),
        title=title.strip(),
        contact=contact,
        property=place,
        brand=brand or contact.brand,
        pipeline=pipeline,
        stage=stage,
        lead_type=lead_type or pipeline.lead_type or LeadType.RESIDENTIAL,
        estimated_value=estimated_value,
        source=source,
        cost=source.default_cost if cost is None and source else (cost or Decimal("0")),
        location=location_of(tenant, place),
        created_at=now,
        stage_entered_at=now,
        last_activity_at=now,
    )
    lead.full_clean(exclude=["tenant", "number", "search_vector"])
    lead.save()
    if stage is not None:
        StageVisit.objects.create(
            tenant=tenant, lead=lead, stage=stage, entered_at=now, entered_by=actor
        )
    timeline_record(
        tenant=tenant,
        kind="lead.created",
        summary=f"Lead {lead.reference} created ({created_via})"
        + (f" in {stage.name}" if stage else ""),
        actor=actor,
        lead=lead,
        property=place,
        occurred_at=now,
        detail={"via": created_via, "source": source.name if source else None},
    )
    if note.strip():
        lead_add_note(tenant=tenant, actor=actor, lead=lead, body=note)
    if owner is not None:
        lead_assign(
            tenant=tenant, actor=actor, lead=lead, owner=owner, now=now, notify=notify_owner
        )
    elif assign_automatically:
        lead_assign_automatically(tenant=tenant, lead=lead, now=now, notify=notify_owner)
    lead_refresh_search(lead=lead)
    lead_rescore(tenant=tenant, lead=lead, now=now)
    if announce:
        publish(LeadCreated(tenant=tenant, lead=lead, actor=actor))
        if stage is not None:
            publish(
                LeadStageEntered(
                    tenant=tenant, lead=lead, stage=stage, previous_stage=None, actor=actor
                )
            )
    return lead


def _search_document(lead: Lead) -> str:
    contact = lead.contact
    words = [lead.reference, str(lead.number), contact.first_name, contact.last_name]
    words += [contact.company_name, lead.title]
    for email in contact.emails.all():
        words += [email.email, email.email.split("@")[0]]
    for phone in contact.phones.all():
        digits = re.sub(r"\D", "", str(phone.number))
        national = re.sub(r"\D", "", phone.number.as_national) if phone.number else ""
        words += [digits, national, national[-7:], national[-4:]]
    if lead.property_id:
        place = lead.property
        words += [place.address_line1, place.city, place.state, place.postal_code]
    return " ".join(search_words(" ".join(word for word in words if word)))


def lead_refresh_search(*, lead: Lead) -> None:
    """Re-index the words the list's search box finds a lead by (name, email, phone, address)."""
    document = _search_document(lead)
    Lead.objects.filter(tenant_id=lead.tenant_id, pk=lead.pk).update(
        search_vector=SearchVector(Value(document), config="simple")
    )


def lead_rescore(*, tenant: Tenant, lead: Lead, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    settings_row = lead_settings_get(tenant=tenant)
    parts = score_parts(lead, tenant=tenant, now=now, untouched_after=untouched_after(settings_row))
    score = priority_score(parts)
    if score != lead.priority_score:
        lead.priority_score = score
        Lead.objects.filter(tenant=tenant, pk=lead.pk).update(priority_score=score)
    return score


# --- Assignment ---------------------------------------------------------------------------------


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


# --- Stages -------------------------------------------------------------------------------------


def _locked(lead: Lead) -> Lead:
    """The lead re-read under a row lock, so two moves at once happen one after the other."""
    return (
        Lead.objects.select_for_update(of=("self",))
        .select_related("stage", "pipeline", "contact", "owner__user", "source", "property")
        .get(tenant_id=lead.tenant_id, pk=lead.pk)
    )


@transaction.atomic
def lead_move_to_stage(
    *,
    tenant: Tenant,
    actor: User | None,
    lead: Lead,
    stage: Stage,
    now: dt.datetime | None = None,
    reason: str = "",
) -> Lead:
    """Close the lead's open stage visit, open one in `stage`, record it, fire the stage's hooks.

    A stage of another pipeline moves the lead to that pipeline. Won stages mark the lead won;
    lost stages are reached only through `lead_mark_lost`, which asks for the reason.
    """
    now = now or timezone.now()
    lead = _locked(lead)
    if stage.tenant_id != tenant.pk:
        raise ValidationError("Unknown stage.")
    if stage.is_archived:
        raise ValidationError(f"“{stage.name}” is archived; pick a stage in use.")
    if stage.is_lost:
        raise ValidationError("Use “Mark lost” to close a lead: it asks for the reason.")
    if lead.stage_id == stage.pk:
        return lead
    previous = lead.stage
    StageVisit.objects.filter(tenant=tenant, lead=lead, left_at__isnull=True).update(
        left_at=now, left_by=actor
    )
    StageVisit.objects.create(
        tenant=tenant, lead=lead, stage=stage, entered_at=now, entered_by=actor
    )
    summary = f"Moved to {stage.name}" + (f" from {previous.name}" if previous else "")
    if stage.pipeline_id != lead.pipeline_id:
        summary += f" (pipeline {stage.pipeline.name})"
        lead.pipeline = stage.pipeline
    lead.stage = stage
    lead.stage_entered_at = now
    lead.last_activity_at = now
    if lead.status == LeadStatus.LOST:
        lead.lost_reason, lead.lost_note = "", ""
        lead.status = LeadStatus.WON if lead.won_at else LeadStatus.OPEN
    if stage.is_won and lead.status == LeadStatus.OPEN:
        lead.status = LeadStatus.WON
        lead.won_at = now
        summary += " — won"
    lead.closed_at = now if stage.is_terminal else None
    lead.save(
        update_fields=[
            "pipeline",
            "stage",
            "stage_entered_at",
            "last_activity_at",
            "status",
            "lost_reason",
            "lost_note",
            "won_at",
            "closed_at",
            "updated_at",
        ]
    )
    timeline_record(
        tenant=tenant,
        kind="lead.stage_changed",
        summary=(summary + (f" ({reason})" if reason else ""))[:300],
        actor=actor,
        lead=lead,
        occurred_at=now,
        customer_visible=stage.show_in_portal,
        detail={"from": previous.pk if previous else None, "to": stage.pk, "reason": reason},
    )
    lead_rescore(tenant=tenant, lead=lead, now=now)
    publish(
        LeadStageEntered(
            tenant=tenant, lead=lead, stage=stage, previous_stage=previous, actor=actor
        )
    )
    return lead


def next_stage(lead: Lead) -> Stage | None:
    stages = Stage.objects.filter(
        tenant_id=lead.tenant_id, pipeline_id=lead.pipeline_id, is_archived=False, is_lost=False
    ).order_by("position", "id")
    if lead.stage is None:
        return stages.first()
    return stages.filter(
        Q(position__gt=lead.stage.position) | Q(position=lead.stage.position, id__gt=lead.stage.pk)
    ).first()


@transaction.atomic
def lead_move_to_next_stage(*, tenant: Tenant, actor: User | None, lead: Lead) -> Lead:
    if lead.status == LeadStatus.LOST:
        raise ValidationError("This lead is lost: reopen it first.")
    stage = next_stage(lead)
    if stage is None:
        raise ValidationError("This lead is already at the last stage.")
    return lead_move_to_stage(tenant=tenant, actor=actor, lead=lead, stage=stage)


@transaction.atomic
def lead_handle_event(
    *,
    tenant: Tenant,
    lead: Lead,
    event: str,
    actor: User | None = None,
    now: dt.datetime | None = None,
) -> bool:
    """Something happened (quote accepted, payment recorded, the customer replied …): move the
    lead to the stage configured for it, if the lead has not gone past that stage already."""
    stage = (
        Stage.objects.filter(
            tenant=tenant, pipeline_id=lead.pipeline_id, moves_on=event, is_archived=False
        )
        .order_by("position", "id")
        .first()
    )
    lead = _locked(lead)
    if stage is None or lead.status == LeadStatus.LOST or lead.stage_id == stage.pk:
        return False
    if lead.stage is not None and (lead.stage.position, lead.stage.pk) > (stage.position, stage.pk):
        return False
    lead_move_to_stage(
        tenant=tenant,
        actor=actor,
        lead=lead,
        stage=stage,
        now=now,
        reason=LeadEvent(event).label.lower(),
    )
    return True


@transaction.atomic
def lead_mark_lost(
    *,
    tenant: Tenant,
    actor: User | None,
    lead: Lead,
    reason: str,
    note: str = "",
    now: dt.datetime | None = None,
) -> Lead:
    now = now or timezone.now()
    if reason not in LostReason.values:
        raise ValidationError("Pick why the lead was lost.")
    if reason == LostReason.OTHER and not note.strip():
        raise ValidationError("Say in a few words why the lead was lost.")
    lead = _locked(lead)
    if lead.status == LeadStatus.LOST:
        return lead
    lost_stage = (
        Stage.objects.filter(tenant=tenant, pipeline_id=lead.pipeline_id, is_lost=True)
        .filter(is_archived=False)
        .order_by("position", "id")
        .first()
    )
    if lost_stage is not None and lost_stage.pk != lead.stage_id:
        StageVisit.objects.filter(tenant=tenant, lead=lead, left_at__isnull=True).update(
            left_at=now, left_by=actor
        )
        StageVisit.objects.create(
            tenant=tenant, lead=lead, stage=lost_stage, entered_at=now, entered_by=actor
        )
        lead.stage = lost_stage
        lead.stage_entered_at = now
    lead.status = LeadStatus.LOST
    lead.lost_reason = reason
    lead.lost_note = note.strip()[:500]
    lead.closed_at = now
    lead.last_activity_at = now
    lead.save(
        update_fields=[
            "stage",
            "stage_entered_at",
            "status",
            "lost_reason",
            "lost_note",
            "closed_at",
            "last_activity_at",
            "updated_at",
        ]
    )
    label = LostReason(reason).label
    timeline_record(
        tenant=tenant,
        kind="lead.lost",
        summary=f"Marked lost: {label}" + (f" — {lead.lost_note}" if lead.lost_note else ""),
        actor=actor,
        lead=lead,
        occurred_at=now,
        detail={"reason": reason, "note": lead.lost_note},
    )
    lead_rescore(tenant=tenant, lead=lead, now=now)
    publish(LeadLost(tenant=tenant, lead=lead, reason=reason, actor=actor))
    return lead


@transaction.atomic
def lead_reopen(*, tenant: Tenant, actor: User | None, lead: Lead) -> Lead:
    """Bring a lost lead back to the stage it was lost from."""
    lead = _locked(lead)
    if lead.status != LeadStatus.LOST:
        return lead
    last_live_visit = (
        StageVisit.objects.filter(tenant=tenant, lead=lead, stage__is_lost=False)
        .select_related("stage")
        .order_by("-entered_at", "-id")
        .first()
    )
    stage = last_live_visit.stage if last_live_visit else first_stage(lead.pipeline)
    if stage is None or stage.is_archived:
        stage = first_stage(lead.pipeline)
    if stage is None or stage.pk == lead.stage_id:
        lead.status = LeadStatus.WON if lead.won_at else LeadStatus.OPEN
        lead.lost_reason = lead.lost_note = ""
        lead.closed_at = None
        lead.save(update_fields=["status", "lost_reason", "lost_note", "closed_at", "updated_at"])
        timeline_record(
            tenant=tenant, kind="lead.reopened", summary="Reopened", actor=actor, lead=lead
        )
        return lead
    return lead_move_to_stage(tenant=tenant, actor=actor, lead=lead, stage=stage, reason="reopened")


EDITABLE_LEAD_FIELDS = (
    "title",
    "property",
    "brand",
    "lead_type",
    "estimated_value",
    "source",
    "cost",
    "appointment_at",
)


def _record_appointment(tenant: Tenant, actor: User, lead: Lead) -> None:
    """The customer sees a booked (or moved) appointment on their timeline; a cleared one is the
    team's note only (it may simply be over)."""
    if lead.appointment_at is None:
        timeline_record(
            tenant=tenant,
            kind="lead.appointment_cleared",
            summary="Appointment cleared",
            actor=actor,
            lead=lead,
        )
        return
    when = dateformat.format(timezone.localtime(lead.appointment_at, tenant.zone), "D M j, g:i A")
    timeline_record(
        tenant=tenant,
        kind="lead.appointment_booked",
        summary=f"Appointment booked for {when}",
        actor=actor,
        lead=lead,
        customer_visible=True,
        detail={"appointment_at": lead.appointment_at.isoformat()},
    )
    lead_handle_event(tenant=tenant, lead=lead, event=LeadEvent.APPOINTMENT_BOOKED, actor=actor)


@transaction.atomic
def lead_update(*, tenant: Tenant, actor: User, lead: Lead, **changes) -> Lead:
    unknown = set(changes) - set(EDITABLE_LEAD_FIELDS)
    if unknown:
        raise ValueError(f"Not editable lead fields: {', '.join(sorted(unknown))}")
    changed = [name for name, value in changes.items() if getattr(lead, name) != value]
    if not changed:
        return lead
    for name in changed:
        setattr(lead, name, changes[name])
    if "property" in changed:
        lead.location = location_of(tenant, lead.property)
    lead.full_clean(exclude=["tenant", "number", "search_vector"])
    lead.save()
    others = [name for name in changed if name != "appointment_at"]
    if others:
        labels = ", ".join(Lead._meta.get_field(name).verbose_name for name in others)
        timeline_record(
            tenant=tenant, kind="lead.updated", summary=f"Changed {labels}", actor=actor, lead=lead
        )
    if "appointment_at" in changed:
        _record_appointment(tenant, actor, lead)
    lead_refresh_search(lead=lead)
    lead_rescore(tenant=tenant, lead=lead)
    return lead


# --- Activity -----------------------------------------------------------------------------------


@transaction.atomic
def lead_add_note(*, tenant: Tenant, actor: User | None, lead: Lead, body: str):
    body = body.strip()
    if not body:
        raise ValidationError("Write something first.")
    Lead.objects.filter(tenant=tenant, pk=lead.pk).update(last_activity_at=timezone.now())
    return timeline_record(
        tenant=tenant,
        kind="lead.note",
        summary=body[:300],
        actor=actor,
        lead=lead,
        detail={"body": body[:10000]},
    )


@transaction.atomic
def lead_log_call(
    *, tenant: Tenant, actor: User, lead: Lead, outcome: str, note: str = "", inbound=False
):
    if outcome not in CallOutcome.values:
        raise ValidationError("Pick how the call went.")
    direction = "Call from customer" if inbound else "Call"
    event = timeline_record(
        tenant=tenant,
        kind="lead.call",
        summary=f"{direction}: {CallOutcome(outcome).label}"
        + (f" — {note.strip()}" if note.strip() else ""),
        actor=actor,
        lead=lead,
        detail={"outcome": outcome, "note": note.strip(), "inbound": inbound},
    )
    if not inbound:
        lead_record_touch(tenant=tenant, lead=lead, channel="phone", actor=actor)
    else:
        Lead.objects.filter(tenant=tenant, pk=lead.pk).update(last_activity_at=timezone.now())
    return event


@transaction.atomic
def lead_record_touch(
    *,
    tenant: Tenant,
    lead: Lead,
    channel: str,
    actor: User | None = None,
    at: dt.datetime | None = None,
) -> bool:
    """An outbound touch (call, email, text) reached or tried the customer. The first one stops
    the speed-to-lead clock; returns whether this was it."""
    at = at or timezone.now()
    first = Lead.objects.filter(tenant=tenant, pk=lead.pk, first_touch_at__isnull=True).update(
        first_touch_at=at, last_activity_at=at
    )
    if not first:
        Lead.objects.filter(tenant=tenant, pk=lead.pk).update(last_activity_at=at)
        return False
    lead.first_touch_at = at
    minutes = max(int((at - lead.created_at).total_seconds() // 60), 0)
    timeline_record(
        tenant=tenant,
        kind="lead.first_touch",
        summary=f"First contact after {minutes} min ({channel})",
        actor=actor,
        lead=lead,
        occurred_at=at,
        detail={"minutes": minutes, "channel": channel},
    )
    lead_handle_event(tenant=tenant, lead=lead, event=LeadEvent.FIRST_TOUCH, actor=actor, now=at)
    lead_rescore(tenant=tenant, lead=lead, now=at)
    return True


# --- Quotes -------------------------------------------------------------------------------------


def _set_lines(quote: Quote, lines) -> None:
    QuoteLine.objects.filter(tenant_id=quote.tenant_id, quote=quote).delete()
    total = Decimal("0")
    for position, (description, quantity, unit_price) in enumerate(lines):
        line = QuoteLine(
            tenant_id=quote.tenant_id,
            quote=quote,
            position=position,
            description=description.strip(),
            quantity=quantity,
            unit_price=unit_price,
        )
        line.full_clean(exclude=["tenant", "quote"])
        line.save()
        total += line.amount
    quote.total = total
    quote.save(update_fields=["total"])


@transaction.atomic
def quote_save_draft(
    *,
    tenant: Tenant,
    actor: User,
    lead: Lead,
    valid_until: dt.date,
    lines: list[tuple[str, Decimal, Decimal]],
    title: str = "",
    message: str = "",
    quote: Quote | None = None,
) -> Quote:
    """Create a draft quote (quote=None) or rewrite a draft: lines are (description, qty, price)."""
    if not lines:
        raise ValidationError("A quote needs at least one line.")
    if quote is not None and quote.status != QuoteStatus.DRAFT:
        raise ValidationError("Only a draft can be changed; make a new quote instead.")
    created = quote is None
    if created:
        last = Quote.objects.filter(tenant=tenant, lead=lead).order_by("-number").first()
        quote = Quote(
            tenant=tenant, lead=lead, number=(last.number + 1 if last else 1), created_by=actor
        )
    quote.title, quote.message, quote.valid_until = title.strip(), message.strip(), valid_until
    quote.full_clean(exclude=["tenant", "lead", "number"])
    quote.save()
    _set_lines(quote, lines)
    if created:
        timeline_record(
            tenant=tenant,
            kind="quote.created",
            summary=f"Quote {quote.reference} drafted",
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
        raise ValidationError(f"This quote is {quote.get_status_display().lower()}.")
    if quote.valid_until < tenant.today():
        raise ValidationError("The quote's valid-until date has passed; change it first.")
    recipient = quote.lead.contact.emails.first()
    if recipient is None:
        raise ValidationError("The contact has no email address to send the quote to.")
    resend = quote.status != QuoteStatus.DRAFT
    if not resend:
        quote.status = QuoteStatus.SENT
        quote.sent_at = timezone.now()
        quote.save(update_fields=["status", "sent_at"])
    timeline_record(
        tenant=tenant,
        kind="quote.sent",
        summary=f"Quote {quote.reference} {'sent again' if resend else 'sent'} to {recipient.email}",
        actor=actor,
        lead=quote.lead,
        customer_visible=True,
    )
    _email_quote(tenant, actor, quote)
    if not resend:
        lead_handle_event(tenant=tenant, lead=quote.lead, event=LeadEvent.QUOTE_SENT, actor=actor)
        lead_record_touch(tenant=tenant, lead=quote.lead, channel="email", actor=actor)
    return quote


# The comms template key the quote email stands for (see _email_quote).
QUOTE_SENT_TEMPLATE = "quote-sent"


def _email_quote(tenant: Tenant, actor: User, quote: Quote) -> None:
    """The quote's email, written from the quote itself, through the comms outbox. It counts as
    the tenant's "quote-sent" message, so a trigger on the Quote sent stage does not email the
    same customer the same news again (the duplicate rule); its SMS still goes."""
    brand = sending_brand(tenant=tenant, brand=quote.lead.brand)
    context = {
        "quote": quote,
        "lead": quote.lead,
        "brand": brand,
        "tenant": tenant,
        "link": quote_public_url(quote),
    }
    message_schedule(
        tenant=tenant,
        channel=Channel.EMAIL,
        source=MessageSource.QUOTE,
        idempotency_key=f"quote:{quote.pk}:{timezone.now().timestamp()}",
        contact=quote.lead.contact,
        lead=quote.lead,
        brand=brand,
        template=MessageTemplate.objects.filter(tenant=tenant, key=QUOTE_SENT_TEMPLATE).first(),
        subject=render_to_string("leads/quotes/email_subject.txt", context).strip(),
        body_text=render_to_string("leads/quotes/email_body.txt", context),
        context={"reply_to": brand.reply_to_email} if brand and brand.reply_to_email else {},
        created_by=actor,
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
            summary=f"Customer opened quote {quote.reference}",
            lead=quote.lead,
        )
    return quote


def _lock_open_quote(tenant: Tenant, quote: Quote) -> Quote:
    quote = (
        Quote.objects.select_for_update(of=("self",))
        .select_related("lead__owner__user", "lead__contact")
        .get(tenant=tenant, pk=quote.pk)
    )
    if quote.is_open and quote.valid_until < tenant.today():
        _expire(tenant, quote)
    if not quote.is_open:
        raise ValidationError(f"This quote is {quote.get_status_display().lower()}.")
    return quote


def _tell_owner(
    tenant: Tenant, lead: Lead, title: str, level=NotificationLevel.INFO, kind: str = ""
) -> None:
    recipient = lead.owner.user if lead.owner else None
    url = reverse("leads:detail", kwargs={"lead_pk": lead.pk})
    if recipient is not None:
        notification_create(
            tenant=tenant, recipient=recipient, title=title, url=url, level=level, kind=kind
        )
    else:
        notifications_notify_roles(
            tenant=tenant,
            roles=[Role.MANAGER, Role.ADMIN],
            title=title,
            url=url,
            level=level,
            kind=kind,
        )


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
        summary=f"Quote {quote.reference} accepted by {quote.decided_by_name}",
        lead=lead,
        customer_visible=True,
    )
    if lead.status == LeadStatus.LOST:
        lead_reopen(tenant=tenant, actor=None, lead=lead)
    moved = lead_handle_event(tenant=tenant, lead=lead, event=LeadEvent.QUOTE_ACCEPTED)
    lead = _locked(lead)
    if not moved and lead.status == LeadStatus.OPEN:
        # The pipeline names no stage for it: the lead is won where it stands.
        Lead.objects.filter(tenant=tenant, pk=lead.pk).update(
            status=LeadStatus.WON, won_at=quote.decided_at
        )
    _tell_owner(tenant, lead, f"Quote {quote.reference} accepted: {lead.contact.display_name}")
    return quote


@transaction.atomic
def quote_reject(
    *, tenant: Tenant, quote: Quote, reason: str, note: str = "", signed_name: str = ""
) -> Quote:
    """The customer said no: their reason becomes the lead's lost reason, unless another quote
    is still open for them to answer."""
    if reason not in LostReason.values:
        raise ValidationError("Please tell us why.")
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
        summary=f"Quote {quote.reference} declined: {LostReason(reason).label}"
        + (f" — {quote.rejection_note}" if quote.rejection_note else ""),
        lead=lead,
        customer_visible=True,
    )
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
    _tell_owner(
        tenant,
        lead,
        f"Quote {quote.reference} declined: {lead.contact.display_name}",
        level=NotificationLevel.WARNING,
    )
    return quote


def _expire(tenant: Tenant, quote: Quote) -> None:
    quote.status = QuoteStatus.EXPIRED
    quote.save(update_fields=["status"])
    timeline_record(
        tenant=tenant,
        kind="quote.expired",
        summary=f"Quote {quote.reference} expired unanswered",
        lead=quote.lead,
    )


@transaction.atomic
def quotes_expire_due(*, tenant: Tenant, today: dt.date | None = None) -> int:
    today = today or tenant.today()
    due = (
        Quote.objects.filter(
            tenant=tenant, status__in=[QuoteStatus.SENT, QuoteStatus.VIEWED], valid_until__lt=today
        )
        .select_related("lead")
        .select_for_update(of=("self",), skip_locked=True)
    )
    expired = 0
    for quote in due:
        _expire(tenant, quote)
        expired += 1
    return expired


# --- Payments -----------------------------------------------------------------------------------


@transaction.atomic
def payment_record(
    *,
    tenant: Tenant,
    actor: User,
    lead: Lead,
    amount: Decimal,
    method: str,
    received_on: dt.date,
    reference: str = "",
) -> Payment:
    lead = _locked(lead)
    if lead.status != LeadStatus.WON:
        raise ValidationError("Payments are recorded against a won lead.")
    payment = Payment(
        tenant=tenant,
        lead=lead,
        amount=amount,
        method=method,
        received_on=received_on,
        reference=reference.strip(),
        recorded_by=actor,
    )
    payment.full_clean(exclude=["tenant", "lead"])
    payment.save()
    timeline_record(
        tenant=tenant,
        kind="payment.recorded",
        summary=f"Payment of {tenant.currency} {amount:,.2f} recorded ({payment.get_method_display()})",
        actor=actor,
        lead=lead,
        detail={"amount": str(amount), "method": method},
    )
    lead_handle_event(tenant=tenant, lead=lead, event=LeadEvent.PAYMENT_RECORDED, actor=actor)
    if lead.owner is not None and lead.owner.user_id != actor.pk:
        _tell_owner(
            tenant,
            lead,
            f"Payment received from {lead.contact.display_name}: {money(amount, tenant.currency)}",
            kind="payment_received",
        )
    return payment


# --- Sweeps -------------------------------------------------------------------------------------


@transaction.atomic
def leads_alert_untouched(*, tenant: Tenant, now: dt.datetime | None = None) -> int:
    """Speed to lead: a new lead nobody has contacted alerts its owner, then the managers."""
    now = now or timezone.now()
    config = lead_settings_get(tenant=tenant)
    owner_cutoff = now - dt.timedelta(minutes=config.untouched_owner_alert_minutes)
    manager_cutoff = now - dt.timedelta(minutes=config.untouched_manager_alert_minutes)
    untouched = (
        Lead.objects.filter(tenant=tenant, status=LeadStatus.OPEN, first_touch_at__isnull=True)
        .select_related("owner__user", "contact")
        .select_for_update(of=("self",), skip_locked=True)
    )
    sent = 0
    for lead in untouched.filter(created_at__lte=owner_cutoff, untouched_alerts_sent=0):
        minutes = int((now - lead.created_at).total_seconds() // 60)
        _tell_owner(
            tenant,
            lead,
            f"{lead.contact.display_name} has waited {minutes} min for a first contact",
            level=NotificationLevel.WARNING,
            kind="lead_untouched",
        )
        Lead.objects.filter(tenant=tenant, pk=lead.pk).update(untouched_alerts_sent=1)
        sent += 1
    for lead in untouched.filter(created_at__lte=manager_cutoff, untouched_alerts_sent__lt=2):
        minutes = int((now - lead.created_at).total_seconds() // 60)
        owner = lead.owner.user if lead.owner else "nobody"
        notifications_notify_roles(
            tenant=tenant,
            roles=[Role.MANAGER, Role.ADMIN],
            title=f"Untouched for {minutes} min: {lead.contact.display_name} ({owner})",
            url=reverse("leads:detail", kwargs={"lead_pk": lead.pk}),
            level=NotificationLevel.URGENT,
            kind="lead_untouched",
        )
        Lead.objects.filter(tenant=tenant, pk=lead.pk).update(untouched_alerts_sent=2)
        sent += 1
    return sent


@transaction.atomic
def leads_refresh_priorities(*, tenant: Tenant, now: dt.datetime | None = None) -> int:
    """Re-score the leads that crossed an aging threshold (or the untouched mark) since the last
    run: only those scores can have changed without a write to the lead."""
    now = now or timezone.now()
    config, _ = LeadSettings.objects.select_for_update().get_or_create(tenant=tenant)
    since = config.priority_refreshed_at or now - dt.timedelta(days=30)
    crossed = turned_red = Q(pk__in=[])
    stages = Stage.objects.filter(tenant=tenant, is_terminal=False, is_lost=False)
    for stage in stages:
        before, after = (StageCutoffs.for_stage(tenant, stage, at) for at in (since, now))
        for old, new in ((before.orange, after.orange), (before.red, after.red)):
            if new is not None:
                crossed |= Q(stage_id=stage.pk, stage_entered_at__gt=old, stage_entered_at__lte=new)
        if after.red is not None:
            turned_red |= Q(
                stage_id=stage.pk, stage_entered_at__gt=before.red, stage_entered_at__lte=after.red
            )
    wait = untouched_after(config)
    crossed |= Q(
        first_touch_at__isnull=True, created_at__gt=since - wait, created_at__lte=now - wait
    )
    leads = Lead.objects.filter(tenant=tenant, status__in=[LeadStatus.OPEN, LeadStatus.WON])
    refreshed = 0
    for lead in leads.filter(crossed).select_related("stage", "source").iterator(chunk_size=500):
        lead_rescore(tenant=tenant, lead=lead, now=now)
        refreshed += 1
    # The first run looks back 30 days to score; only news since a previous run is worth a bell.
    stuck = leads.filter(turned_red) if config.priority_refreshed_at else leads.none()
    for lead in stuck.select_related("stage", "contact", "owner__user"):
        _tell_owner(
            tenant,
            lead,
            f"Stuck in {lead.stage.name}: {lead.contact.display_name} ({lead.reference}) is late",
            level=NotificationLevel.WARNING,
            kind="lead_stuck",
        )
    config.priority_refreshed_at = now
    config.save(update_fields=["priority_refreshed_at"])
    return refreshed


@transaction.atomic
def lead_create_with_contact(
    *,
    tenant: Tenant,
    actor: User | None,
    contact: Contact | None,
    contact_details: dict,
    place: Property | None = None,
    new_address: dict | None = None,
    source_label: str = "staff",
    address_source: str = AddressSource.STAFF,
    **lead_fields,
) -> Lead:
    """A lead for `contact`, or for the contact these details match (email, E.164 phone), or for
    a new one; a new address becomes a property linked to that contact. The details' email and
    phone came from `address_source` (crm.services.contact_find_or_create says what a match
    does with an address it did not know)."""
    if contact is None:
        contact = contact_find_or_create(
            tenant=tenant,
            actor=actor,
            source=source_label,
            address_source=address_source,
            **contact_details,
        ).contact
    if place is None and new_address:
        place = property_create(
            tenant=tenant, actor=actor, contacts=[(contact, "owner")], **new_address
        )
    return lead_create(
        tenant=tenant,
        actor=actor,
        contact=contact,
        place=place,
        created_via=source_label,
        **lead_fields,
    )


# --- Saved filters ------------------------------------------------------------------------------


def saved_filter_save(
    *, tenant: Tenant, membership: Membership, name: str, query: str, is_shared: bool
) -> SavedLeadFilter:
    saved, _ = SavedLeadFilter.objects.update_or_create(
        tenant=tenant,
        membership=membership,
        name=name.strip(),
        defaults={"query": query.lstrip("?"), "is_shared": is_shared},
    )
    return saved


def saved_filter_delete(*, tenant: Tenant, saved_filter: SavedLeadFilter) -> None:
    SavedLeadFilter.objects.filter(tenant=tenant, pk=saved_filter.pk).delete()


# --- Pipelines ----------------------------------------------------------------------------------


@transaction.atomic
def pipeline_create_from_template(
    *, tenant: Tenant, actor: User | None, template: PipelineTemplate, name: str = ""
) -> Pipeline:
    """A new pipeline with the template's stages, placed after the tenant's other pipelines."""
    last = Pipeline.objects.filter(tenant=tenant).order_by("-position").first()
    pipeline = Pipeline(
        tenant=tenant,
        name=(name or template.name).strip(),
        description=template.description,
        lead_type=template.lead_type,
        position=(last.position + 1) if last else 0,
    )
    pipeline.full_clean(exclude=["tenant"])
    pipeline.save()
    Stage.objects.bulk_create(
        Stage(tenant=tenant, pipeline=pipeline, position=position, **asdict(spec))
        for position, spec in enumerate(template.stages)
    )
    return pipeline
