"""The stored priority score of leads: refreshed on every write to a lead and by a sweep."""

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from crm.business_calendar import MAX_DAYS_SCANNED
from crm.models import NotificationLevel, Tenant
from crm.selectors.calendar import business_calendar
from leads.aging import StageCutoffs, cutoff
from leads.models import DelayUnit, Lead, LeadSettings, LeadStatus, Stage
from leads.scoring import priority_score, score_parts
from leads.selectors.settings import lead_settings_get, untouched_after
from leads.services.notices import lead_owner_notify


def lead_rescore(*, tenant: Tenant, lead: Lead, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    settings_row = lead_settings_get(tenant=tenant)
    parts = score_parts(lead, tenant=tenant, now=now, untouched_after=untouched_after(settings_row))
    score = priority_score(parts)
    if score != lead.priority_score:
        lead.priority_score = score
        Lead.objects.filter(tenant=tenant, pk=lead.pk).update(priority_score=score)
    return score


@transaction.atomic
def leads_refresh_priorities(*, tenant: Tenant, now: dt.datetime | None = None) -> int:
    """Re-score the leads that crossed an aging threshold (or the untouched mark) since the last
    run: only those scores can have changed without a write to the lead."""
    now = now or timezone.now()
    config, _ = LeadSettings.objects.select_for_update().get_or_create(tenant=tenant)
    since = config.priority_refreshed_at or now - dt.timedelta(days=30)
    crossed = turned_red = Q(pk__in=[])
    stages = list(Stage.objects.filter(tenant=tenant, is_terminal=False, is_lost=False))
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
    changed: list[Lead] = []
    # score_parts is the one definition of a score; the settings row is read once (lead_rescore
    # reads it per lead) and the changed scores are written in batches, not one UPDATE a lead.
    for lead in leads.filter(crossed).select_related("stage", "source").iterator(chunk_size=500):
        score = priority_score(score_parts(lead, tenant=tenant, now=now, untouched_after=wait))
        if score != lead.priority_score:
            lead.priority_score = score
            changed.append(lead)
        refreshed += 1
    Lead.objects.bulk_update(changed, ["priority_score"], batch_size=500)
    # The first run looks back 30 days to score; only news since a previous run is worth a bell.
    stuck = leads.filter(turned_red) if config.priority_refreshed_at else leads.none()
    for lead in stuck.select_related("stage", "contact", "owner__user"):
        if lead.stage is None:  # not read: turned_red names each stage
            continue
        lead_owner_notify(
            tenant,
            lead,
            gettext_noop("Stuck in %(stage)s: %(name)s (%(reference)s) is late"),
            level=NotificationLevel.WARNING,
            kind="lead_stuck",
            title_params={
                "stage": lead.stage.name,
                "name": lead.contact.display_name,
                "reference": lead.reference,
            },
        )
    config.priority_refreshed_at = now
    config.priority_next_change_at = _next_change(tenant, stages, leads, wait, now)
    config.save(update_fields=["priority_refreshed_at", "priority_next_change_at"])
    return refreshed


# Lead aging's cutoff keeps the local time of day, so n business days before T is at least n
# calendar days before it, less an hour where summer time ends in between: margin for both.
DAYS_MARGIN = dt.timedelta(hours=2)
# With nothing ahead, the sweep still visits once a day or so (a lead written into a past stage entry
# time by an import, a stage's delays edited: caught within a day, as before within 5 minutes).
NEXT_CHANGE_AT_MOST = dt.timedelta(days=1)


def _crossing(tenant, stage, amount: int, entered: dt.datetime) -> dt.datetime:
    """When a lead that entered `stage` at `entered` crosses `amount` (the stage's unit): the
    first moment whose cutoff reaches `entered`, or a moment before it."""
    if stage.delay_unit == DelayUnit.HOURS:
        return entered + dt.timedelta(hours=amount)
    # The cutoff of a moment on local day D is the same time of day some business days back:
    # the first day whose cutoff falls on or after the entry day is the crossing's.
    zone = business_calendar(tenant).zone
    local = entered.astimezone(zone)
    day = local.date() + dt.timedelta(days=amount)
    for _ in range(MAX_DAYS_SCANNED):
        at = dt.datetime.combine(day, local.time(), tzinfo=zone)
        back = cutoff(tenant, at, amount, stage.delay_unit)
        if back >= entered:
            if back.astimezone(zone).date() == local.date():
                return at  # the same time of day as the entry, on day D
            return dt.datetime.combine(day, dt.time.min, tzinfo=zone)  # some time on day D
        day += dt.timedelta(days=1)
    return entered + dt.timedelta(days=amount) - DAYS_MARGIN


def _next_change(tenant, stages, leads, wait: dt.timedelta, now: dt.datetime) -> dt.datetime:
    """The earliest moment a lead of the tenant can cross an aging threshold or the untouched mark
    (never later than the real one: the sweep's due-tenant test must not miss a crossing). Leads
    written after `now` make the tenant due by themselves (their stage entry or creation time)."""
    # Spread over a day by tenant, so idle tenants first swept together are not due together.
    upcoming = [now + NEXT_CHANGE_AT_MOST + dt.timedelta(minutes=tenant.pk % 1440)]
    for stage in stages:
        cutoffs = StageCutoffs.for_stage(tenant, stage, now)
        for amount, cut in ((stage.orange_after, cutoffs.orange), (stage.red_after, cutoffs.red)):
            if amount is None or cut is None:
                continue
            entered = (
                leads.filter(stage_id=stage.pk, stage_entered_at__gt=cut)
                .order_by("stage_entered_at")
                .values_list("stage_entered_at", flat=True)
                .first()
            )
            if entered is not None:
                upcoming.append(_crossing(tenant, stage, amount, entered))
    created = (
        leads.filter(status=LeadStatus.OPEN, first_touch_at__isnull=True, created_at__gt=now - wait)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if created is not None:
        upcoming.append(created + wait)
    return min(upcoming)
