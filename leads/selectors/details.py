"""One lead: its page, timeline and quotes; a contact's leads."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone

from crm.kit.formatting import duration
from crm.models import Tenant, TimelineEvent
from leads.models import Lead, LeadStatus, Payment, Quote, QuoteLine, StageVisit
from leads.progress import build_progress
from leads.scoring import ScorePart, score_parts
from leads.selectors.lists import (
    LeadRow,
    RowOptions,
    lead_queryset,
    row_options,
)
from leads.selectors.settings import lead_settings_get, untouched_after


@dataclass(frozen=True)
class LeadDetail:
    row: LeadRow
    options: "RowOptions"
    visits: list[StageVisit]  # every stay, revisits included, oldest first
    quotes: list[Quote]
    payments: list[Payment]
    paid_total: object
    score_parts: list[ScorePart]
    timeline: list[TimelineEvent]


def lead_detail(*, tenant: Tenant, lead_id: int, now: dt.datetime | None = None) -> LeadDetail:
    """The lead page in a fixed number of queries: each thing read once (the stages, the lead
    settings, the stage visits serve the progress bar, the score and the visit list alike)."""
    now = now or timezone.now()
    options = row_options(tenant=tenant)
    # The brand joined too: the page shows it (a query of its own otherwise).
    lead = get_object_or_404(lead_queryset(tenant=tenant).select_related("brand"), pk=lead_id)
    stage_by_id = {stage.pk: stage for stages in options.stages.values() for stage in stages}
    visits = list(StageVisit.objects.filter(tenant=tenant, lead=lead).order_by("entered_at", "id"))
    for visit in visits:
        visit.stage = stage_by_id[visit.stage_id]  # every stage of the tenant is in options
    wait = untouched_after(lead_settings_get(tenant=tenant))
    parts = score_parts(lead, tenant=tenant, now=now, untouched_after=wait)
    row = LeadRow(
        lead=lead,
        bar=build_progress(
            tenant=tenant,
            lead=lead,
            pipeline_stages=options.stages[lead.pipeline_id],
            visits=visits,
            now=now,
            untouched_after=wait,
        ),
        time_in_stage=duration(now - lead.stage_entered_at, short=True),
        score_parts=tuple(parts),
    )
    # The page shows each quote's total, not its lines (the quote's own page reads those).
    quotes = list(Quote.objects.filter(tenant=tenant, lead=lead))
    for quote in quotes:
        quote.lead = lead  # the reference reads lead.number; no query per quote
    payments = list(Payment.objects.filter(tenant=tenant, lead=lead).select_related("recorded_by"))
    return LeadDetail(
        row=row,
        options=options,
        visits=visits,
        quotes=quotes,
        payments=payments,
        paid_total=sum((payment.amount for payment in payments), Decimal("0"))
        if payments
        else None,
        score_parts=parts,
        timeline=lead_timeline(tenant=tenant, lead=lead),
    )


def lead_timeline(*, tenant: Tenant, lead: Lead, limit: int = 100) -> list[TimelineEvent]:
    return list(
        TimelineEvent.objects.filter(tenant=tenant, lead_id=lead.pk)
        .select_related("actor")
        .order_by("-occurred_at", "-id")[:limit]
    )


def leads_for_contact(*, tenant: Tenant, contact) -> list[Lead]:
    """The contact's newest leads, with their brands (the portal card's invitation reads them)."""
    return list(
        lead_queryset(tenant=tenant)
        .filter(contact=contact)
        .select_related("brand", "contact__brand")
        .order_by("-created_at", "-id")[:50]
    )


def open_leads_by_contact(*, tenant: Tenant, contact_ids) -> dict[int, list[Lead]]:
    """The open leads of each of these contacts, newest first (whom a new lead might join)."""
    by_contact: dict[int, list[Lead]] = {pk: [] for pk in contact_ids}
    leads = (
        Lead.objects.filter(tenant=tenant, contact_id__in=by_contact, status=LeadStatus.OPEN)
        .select_related("stage", "pipeline")
        .order_by("-created_at", "-id")
    )
    for lead in leads:
        by_contact[lead.contact_id].append(lead)
    return by_contact


def quote_get(*, tenant: Tenant, lead: Lead, quote_id: int) -> Quote:
    quote = get_object_or_404(
        Quote.objects.filter(tenant=tenant, lead=lead).prefetch_related(
            Prefetch("lines", queryset=QuoteLine.objects.filter(tenant=tenant))
        ),
        pk=quote_id,
    )
    quote.lead = lead
    return quote
