"""Stage changes of a lead. They all go through `lead_move_to_stage`, which keeps the stage visits
(the history the progress bar and the dashboards read), the timeline and the priority score in
step."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm.events import publish
from crm.kit.formatting import money
from crm.kit.languages import in_english
from crm.kit.stored_text import stored_label, stored_message, stored_split
from crm.models import Tenant, User
from crm.services.timeline import timeline_record
from leads.events import LeadLost, LeadRegrouped, LeadStageEntered, LeadWon
from leads.models import (
    Lead,
    LeadEvent,
    LeadStatus,
    LostReason,
    Phase,
    Pipeline,
    Stage,
    StageVisit,
)
from leads.selectors.money import lead_balance
from leads.services.priorities import lead_rescore


def first_stage(pipeline: Pipeline) -> Stage | None:
    return (
        Stage.objects.filter(tenant_id=pipeline.tenant_id, pipeline=pipeline, is_archived=False)
        .exclude(is_lost=True)
        .order_by("position", "id")
        .first()
    )


def lead_locked(lead: Lead) -> Lead:
    """The lead re-read under a row lock, so two moves at once happen one after the other."""
    return (
        Lead.objects.select_for_update(of=("self",))
        .select_related("stage", "pipeline", "contact", "owner__user", "source", "property")
        .get(tenant_id=lead.tenant_id, pk=lead.pk)
    )


def _order(stage: Stage) -> tuple[int, int]:
    return (stage.position, stage.pk)


def _live_stages(lead: Lead):
    return Stage.objects.filter(
        tenant_id=lead.tenant_id, pipeline_id=lead.pipeline_id, is_archived=False, is_lost=False
    ).order_by("position", "id")


def work_completed(lead: Lead, stage: Stage | None = None) -> bool:
    """The job's work is done when it stands at (or past) the last production stage of its
    pipeline; a pipeline without production stages has no work to wait for."""
    stage = stage or lead.stage
    last_production = _live_stages(lead).filter(phase=Phase.PRODUCTION).last()
    if last_production is None:
        return True
    return stage is not None and not stage.is_lost and _order(stage) >= _order(last_production)


def _paid_stage(lead: Lead) -> Stage | None:
    return _live_stages(lead).filter(moves_on=LeadEvent.PAID_IN_FULL).first()


def _refuse_unpaid(tenant: Tenant, lead: Lead, stage: Stage) -> None:
    """A paid stage means paid in full: a job with money still due does not reach it (or any stage
    after it) by hand either. The final payment moves it there."""
    paid_stage = _paid_stage(lead) if stage.pipeline_id == lead.pipeline_id else None
    if paid_stage is None or _order(stage) < _order(paid_stage):
        return
    balance = lead_balance(tenant=tenant, lead=lead)
    if balance.balance:
        raise ValidationError(
            _(
                "%(lead)s still has %(balance)s to pay: record the payment and it moves to "
                "“%(stage)s” by itself once the work is completed."
            )
            % {
                "lead": lead.reference,
                "balance": money(balance.balance, tenant.currency, country=tenant.country),
                "stage": paid_stage.name,
            }
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
    return _move_locked(
        tenant=tenant, actor=actor, lead=lead_locked(lead), stage=stage, now=now, reason=reason
    )


def _refuse_stage(tenant: Tenant, stage: Stage) -> None:
    """A lead moves by hand only to a stage of its tenant that is in use and not a lost one."""
    if stage.tenant_id != tenant.pk:
        raise ValidationError(_("Unknown stage."))
    if stage.is_archived:
        raise ValidationError(
            _("“%(name)s” is archived; pick a stage in use.") % {"name": stage.name}
        )
    if stage.is_lost:
        raise ValidationError(_("Use “Mark lost” to close a lead: it asks for the reason."))


def _visit_move(
    *, tenant: Tenant, actor: User | None, lead: Lead, stage: Stage, now: dt.datetime
) -> None:
    """Close the lead's open stage visit and open one in `stage`."""
    StageVisit.objects.filter(tenant=tenant, lead=lead, left_at__isnull=True).update(
        left_at=now, left_by=actor
    )
    StageVisit.objects.create(
        tenant=tenant, lead=lead, stage=stage, entered_at=now, entered_by=actor
    )


def _moved_message(*, previous: Stage | None, stage: Stage, regrouped: bool) -> dict:
    """The timeline's stored "Moved to …" line, naming the new pipeline when the lead changes
    pipeline."""
    if previous:
        moved = stored_message(
            gettext_noop("Moved to %(stage)s from %(previous)s"),
            stage=stage.name,
            previous=previous.name,
        )
    else:
        moved = stored_message(gettext_noop("Moved to %(stage)s"), stage=stage.name)
    if regrouped:
        moved = stored_message(
            gettext_noop("%(moved)s (pipeline %(pipeline)s)"),
            moved=moved,
            pipeline=stage.pipeline.name,
        )
    return moved


def _lead_enter_stage(lead: Lead, stage: Stage, now: dt.datetime) -> bool:
    """Put the lead in `stage` (and its pipeline), reopened if it was lost, won if the stage is a
    won one; saved. True when the lead is won by this move."""
    if stage.pipeline_id != lead.pipeline_id:
        lead.pipeline = stage.pipeline
    lead.stage = stage
    lead.stage_entered_at = now
    lead.last_activity_at = now
    if lead.status == LeadStatus.LOST:
        lead.lost_reason, lead.lost_note = "", ""
        lead.status = LeadStatus.WON if lead.won_at else LeadStatus.OPEN
    won_now = stage.is_won and lead.status == LeadStatus.OPEN
    if won_now:
        lead.status = LeadStatus.WON
        lead.won_at = now
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
    return won_now


def _move_on_when_paid(
    *, tenant: Tenant, actor: User | None, lead: Lead, stage: Stage, now: dt.datetime
) -> Lead:
    """Paid before the work was done: now that it is, the job moves on to its paid stage (the
    lead re-read when it did)."""
    if (
        stage.moves_on != LeadEvent.PAID_IN_FULL
        and lead.status == LeadStatus.WON
        and work_completed(lead, stage)
        and lead_balance(tenant=tenant, lead=lead).paid_in_full
        and lead_handle_event(
            tenant=tenant, lead=lead, event=LeadEvent.PAID_IN_FULL, actor=actor, now=now
        )
    ):
        lead = lead_locked(lead)
    return lead


def _move_locked(
    *,
    tenant: Tenant,
    actor: User | None,
    lead: Lead,
    stage: Stage,
    now: dt.datetime | None,
    reason: str,
) -> Lead:
    """lead_move_to_stage for a lead already read under its row lock in this transaction."""
    now = now or timezone.now()
    _refuse_stage(tenant, stage)
    if lead.stage_id == stage.pk:
        return lead
    _refuse_unpaid(tenant, lead, stage)
    previous = lead.stage
    _visit_move(tenant=tenant, actor=actor, lead=lead, stage=stage, now=now)
    regrouped = stage.pipeline_id != lead.pipeline_id
    moved = _moved_message(previous=previous, stage=stage, regrouped=regrouped)
    won_now = _lead_enter_stage(lead, stage, now)
    if won_now:
        moved = stored_message(gettext_noop("%(moved)s — won"), moved=moved)
    if reason:  # an English label ("First contact made"), read in the reader's language
        moved = stored_message(
            gettext_noop("%(moved)s (%(reason)s)"),
            moved=moved,
            reason=stored_label(reason, lower=True),
        )
    summary, params = stored_split(moved)
    timeline_record(
        tenant=tenant,
        kind="lead.stage_changed",
        summary=summary,
        params=params,
        actor=actor,
        lead=lead,
        occurred_at=now,
        customer_visible=stage.show_in_portal,
        detail={
            "from": previous.pk if previous else None,
            "to": stage.pk,
            "reason": reason.lower(),
        },
    )
    lead_rescore(tenant=tenant, lead=lead, now=now)
    if regrouped:
        publish(LeadRegrouped(tenant=tenant, lead=lead))
    publish(
        LeadStageEntered(
            tenant=tenant, lead=lead, stage=stage, previous_stage=previous, actor=actor
        )
    )
    if won_now:
        publish(LeadWon(tenant=tenant, lead=lead, actor=actor))
    return _move_on_when_paid(tenant=tenant, actor=actor, lead=lead, stage=stage, now=now)


@transaction.atomic
def lead_paid_in_full_move_on(
    *, tenant: Tenant, lead: Lead, actor: User | None, now: dt.datetime | None = None
) -> bool:
    """The job is paid in full: to its paid stage if the work is completed, else it waits (the
    move into the last production stage brings it there)."""
    lead = lead_locked(lead)
    if not work_completed(lead):
        return False
    return lead_handle_event(
        tenant=tenant, lead=lead, event=LeadEvent.PAID_IN_FULL, actor=actor, now=now
    )


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
        raise ValidationError(_("This lead is lost: reopen it first."))
    stage = next_stage(lead)
    if stage is None:
        raise ValidationError(_("This lead is already at the last stage."))
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
    lead = lead_locked(lead)
    if stage is None or lead.status == LeadStatus.LOST or lead.stage_id == stage.pk:
        return False
    if lead.stage is not None and (lead.stage.position, lead.stage.pk) > (stage.position, stage.pk):
        return False
    # Read under its lock above: moved without reading it again.
    _move_locked(
        tenant=tenant,
        actor=actor,
        lead=lead,
        stage=stage,
        now=now,
        reason=in_english(LeadEvent(event).label),
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
        raise ValidationError(_("Pick why the lead was lost."))
    if reason == LostReason.OTHER and not note.strip():
        raise ValidationError(_("Say in a few words why the lead was lost."))
    lead = lead_locked(lead)
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
    label = stored_label(LostReason(reason).label)
    timeline_record(
        tenant=tenant,
        kind="lead.lost",
        summary=gettext_noop("Marked lost: %(reason)s — %(note)s")
        if lead.lost_note
        else gettext_noop("Marked lost: %(reason)s"),
        params={"reason": label, "note": lead.lost_note} if lead.lost_note else {"reason": label},
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
    lead = lead_locked(lead)
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
            tenant=tenant,
            kind="lead.reopened",
            summary=gettext_noop("Reopened"),
            params={},
            actor=actor,
            lead=lead,
        )
        return lead
    return lead_move_to_stage(
        tenant=tenant, actor=actor, lead=lead, stage=stage, reason=gettext_noop("Reopened")
    )
