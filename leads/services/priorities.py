"""The stored priority score of leads: refreshed on every write to a lead and by a sweep."""

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from crm.models import NotificationLevel, Tenant
from leads.aging import StageCutoffs
from leads.models import Lead, LeadSettings, LeadStatus, Stage
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
        lead_owner_notify(
            tenant,
            lead,
            f"Stuck in {lead.stage.name}: {lead.contact.display_name} ({lead.reference}) is late",
            level=NotificationLevel.WARNING,
            kind="lead_stuck",
        )
    config.priority_refreshed_at = now
    config.save(update_fields=["priority_refreshed_at"])
    return refreshed
