"""Reads of leads and pipelines shared by views and tasks. Every function takes the tenant."""

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from crm.models import Membership, Role, Tenant, TimelineEvent
from crm.pagination import KeysetPage, keyset_page
from leads.aging import format_duration
from leads.models import (
    AssignmentRule,
    CallOutcome,
    Lead,
    LeadCaptureForm,
    LeadSettings,
    LeadSource,
    LeadStatus,
    LostReason,
    Payment,
    Pipeline,
    Quote,
    QuoteLine,
    SavedLeadFilter,
    Stage,
    StageVisit,
)
from leads.progress import ProgressBar, build_progress
from leads.scoring import ScorePart, score_parts

LEADS_PER_PAGE = 50

SORT_ORDERS = {
    "priority": ("-priority_score", "-id"),
    "aging": ("stage_entered_at", "id"),
    "created": ("-created_at", "-id"),
}


def lead_settings_get(*, tenant: Tenant) -> LeadSettings:
    """The tenant's settings row, or the defaults when it has none yet."""
    return LeadSettings.objects.filter(tenant=tenant).first() or LeadSettings(tenant=tenant)


def untouched_after(config: LeadSettings) -> dt.timedelta:
    return dt.timedelta(minutes=config.untouched_owner_alert_minutes)


def search_words(text: str) -> list[str]:
    """Lower-cased words, split the same way for the search index and the search box."""
    return re.findall(r"\w+", text.casefold())


def search_terms(text: str) -> str | None:
    """The tsquery text of a search box: every word as a prefix ("jan smi" finds Jane Smith), a
    phone number as its digits. Only letters and digits reach the query syntax."""
    digits = re.sub(r"\D", "", text)
    if len(digits) >= 4 and re.fullmatch(r"[\d\s()+.\-]+", text.strip()):
        words = [digits]
    else:
        words = search_words(text)
    if not words:
        return None
    return " & ".join(f"{word}:*" for word in words[:8])


def search_query(text: str) -> SearchQuery | None:
    terms = search_terms(text)
    return SearchQuery(terms, search_type="raw", config="simple") if terms else None


SEARCH_INDEX_LIMIT = 2000


def leads_matching(leads: QuerySet[Lead], text: str) -> QuerySet[Lead]:
    """Leads whose name, email, phone, address or number match the search box.

    Under row-level security PostgreSQL may not use the full-text index for a `@@` written in
    the query itself (the operator is not leakproof), so a rare term ("(954) 220-1296") would be
    checked against every lead of the tenant. The index is read through `threadline_lead_search`
    (leads migration 0002), which applies the same current-tenant setting as the policy. A common
    term ("mar") has thousands of matches: then the list's own ordered scan, which stops at the
    first page, is faster, and the term is matched in the query.
    """
    terms = search_terms(text)
    if terms is None:
        return leads
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM threadline_lead_search(to_tsquery('simple', %s)) AS id LIMIT %s",
            [terms, SEARCH_INDEX_LIMIT + 1],
        )
        ids = [row[0] for row in cursor.fetchall()]
    if len(ids) <= SEARCH_INDEX_LIMIT:
        return leads.filter(pk__in=ids)
    return leads.filter(search_vector=search_query(text))


# --- Pipelines ----------------------------------------------------------------------------------


def pipelines_for_tenant(*, tenant: Tenant, include_archived: bool = False) -> QuerySet[Pipeline]:
    pipelines = Pipeline.objects.filter(tenant=tenant)
    if not include_archived:
        pipelines = pipelines.filter(is_archived=False)
    return pipelines.order_by("is_archived", "position", "id")


def _count(queryset, outer_field: str) -> Coalesce:
    """How many rows of `queryset` (filtered on `outer_field` = OuterRef) each outer row has,
    as one column of the outer query rather than a query per row."""
    counted = queryset.order_by().values(outer_field).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def pipelines_with_counts(*, tenant: Tenant) -> QuerySet[Pipeline]:
    """Every pipeline (archived last) with its live stage count and open-lead count."""
    stages = Stage.objects.filter(tenant=tenant, pipeline=OuterRef("pk"), is_archived=False)
    open_leads = Lead.objects.filter(tenant=tenant, pipeline=OuterRef("pk"), status=LeadStatus.OPEN)
    return pipelines_for_tenant(tenant=tenant, include_archived=True).annotate(
        stage_count=_count(stages, "pipeline"),
        open_lead_count=_count(open_leads, "pipeline"),
    )


def stages_with_counts(*, tenant: Tenant, pipeline: Pipeline) -> list[Stage]:
    """A pipeline's stages with how many leads sit in each, and whether any lead ever entered it
    (then it can only be archived, not deleted)."""
    return list(
        Stage.objects.filter(tenant=tenant, pipeline=pipeline)
        .annotate(
            lead_count=_count(Lead.objects.filter(tenant=tenant, stage=OuterRef("pk")), "stage"),
            was_visited=Exists(StageVisit.objects.filter(tenant=tenant, stage=OuterRef("pk"))),
        )
        .order_by("position", "id")
    )


def pipeline_get(*, tenant: Tenant, pipeline_id: int) -> Pipeline:
    return get_object_or_404(Pipeline.objects.filter(tenant=tenant), pk=pipeline_id)


def stage_get(*, tenant: Tenant, stage_id: int) -> Stage:
    return get_object_or_404(
        Stage.objects.filter(tenant=tenant).select_related("pipeline"), pk=stage_id
    )


def stages_by_pipeline(*, tenant: Tenant) -> dict[int, list[Stage]]:
    """Every stage of the tenant (archived ones too: a lead may still sit in one), per pipeline."""
    grouped: dict[int, list[Stage]] = defaultdict(list)
    for stage in Stage.objects.filter(tenant=tenant).order_by("position", "id"):
        grouped[stage.pipeline_id].append(stage)
    return grouped


def lead_sources_for_tenant(*, tenant: Tenant, include_archived: bool = False):
    sources = LeadSource.objects.filter(tenant=tenant)
    if not include_archived:
        sources = sources.filter(is_archived=False)
    return sources.order_by("is_archived", "name")


def lead_sources_with_counts(*, tenant: Tenant) -> QuerySet[LeadSource]:
    return lead_sources_for_tenant(tenant=tenant, include_archived=True).annotate(
        lead_count=Count("leads")
    )


def lead_source_get(*, tenant: Tenant, source_id: int) -> LeadSource:
    return get_object_or_404(LeadSource.objects.filter(tenant=tenant), pk=source_id)


def assignment_rules(*, tenant: Tenant) -> QuerySet[AssignmentRule]:
    return (
        AssignmentRule.objects.filter(tenant=tenant)
        .select_related("pipeline", "source")
        .prefetch_related(
            Prefetch(
                "members",
                queryset=Membership.objects.filter(tenant=tenant).select_related("user"),
            )
        )
        .order_by("position", "id")
    )


def capture_forms(*, tenant: Tenant) -> QuerySet[LeadCaptureForm]:
    return LeadCaptureForm.objects.filter(tenant=tenant).select_related("pipeline", "source")


def capture_form_get(*, tenant: Tenant, form_id: int) -> LeadCaptureForm:
    return get_object_or_404(LeadCaptureForm.objects.filter(tenant=tenant), pk=form_id)


def assignable_members(*, tenant: Tenant) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(tenant=tenant, is_active=True)
        .select_related("user")
        .order_by("user__full_name")
    )


# --- The lead list ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeadRow:
    lead: Lead
    bar: ProgressBar
    time_in_stage: str


def default_owner_scope(membership: Membership) -> str:
    """A rep starts on their own leads, a manager on the whole team's."""
    return "mine" if membership.role == Role.REP else "team"


def lead_queryset(*, tenant: Tenant) -> QuerySet[Lead]:
    """Leads with what a list row shows, joined in the same query."""
    return Lead.objects.filter(tenant=tenant).select_related(
        "contact", "property", "stage", "pipeline", "owner__user", "source"
    )


def lead_rows(
    *,
    tenant: Tenant,
    leads: list[Lead],
    now: dt.datetime | None = None,
    stages: dict[int, list[Stage]] | None = None,
) -> list:
    """Each lead with its progress bar: a few queries whatever the number of leads (`stages`,
    from stages_by_pipeline, when the caller has already read them)."""
    now = now or timezone.now()
    stages = stages if stages is not None else stages_by_pipeline(tenant=tenant)
    visits: dict[int, list[StageVisit]] = defaultdict(list)
    for visit in StageVisit.objects.filter(tenant=tenant, lead_id__in=[lead.pk for lead in leads]):
        visits[visit.lead_id].append(visit)
    wait = untouched_after(lead_settings_get(tenant=tenant))
    return [
        LeadRow(
            lead=lead,
            bar=build_progress(
                tenant=tenant,
                lead=lead,
                pipeline_stages=stages[lead.pipeline_id],
                visits=visits[lead.pk],
                now=now,
                untouched_after=wait,
            ),
            time_in_stage=format_duration(now - lead.stage_entered_at),
        )
        for lead in leads
    ]


def lead_list(
    *, tenant: Tenant, leads: QuerySet[Lead], sort: str, after: str | None
) -> tuple[KeysetPage, list[LeadRow]]:
    """One page of an already filtered lead queryset, with its rows' progress bars.

    The page's leads are chosen on the lead table alone, then read with their joins by id: with
    the six joins in the same statement, PostgreSQL may join every open lead before it applies
    the limit (a search took two seconds at a million leads; docs/benchmarks.md).
    """
    order = SORT_ORDERS.get(sort, SORT_ORDERS["priority"])
    keys = leads.select_related(None).only(*(name.lstrip("-") for name in order))
    page = keyset_page(keys, order=order, after=after, per_page=LEADS_PER_PAGE)
    by_id = leads.in_bulk([lead.pk for lead in page.items])
    items = [by_id[lead.pk] for lead in page.items]
    return KeysetPage(items=items, next_cursor=page.next_cursor), lead_rows(
        tenant=tenant, leads=items
    )


def lead_get(*, tenant: Tenant, lead_id: int) -> Lead:
    return get_object_or_404(lead_queryset(tenant=tenant), pk=lead_id)


def lead_row(*, tenant: Tenant, lead_id: int) -> LeadRow:
    return lead_rows(tenant=tenant, leads=[lead_get(tenant=tenant, lead_id=lead_id)])[0]


def saved_filters_for(*, tenant: Tenant, membership: Membership) -> QuerySet[SavedLeadFilter]:
    return SavedLeadFilter.objects.filter(tenant=tenant).filter(
        Q(membership=membership) | Q(is_shared=True)
    )


def saved_filter_get(*, tenant: Tenant, membership: Membership, filter_id: int):
    return get_object_or_404(
        SavedLeadFilter.objects.filter(tenant=tenant, membership=membership), pk=filter_id
    )


# --- The lead page ------------------------------------------------------------------------------


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
    now = now or timezone.now()
    options = row_options(tenant=tenant)
    lead = lead_get(tenant=tenant, lead_id=lead_id)
    row = lead_rows(tenant=tenant, leads=[lead], now=now, stages=options.stages)[0]
    visits = list(
        StageVisit.objects.filter(tenant=tenant, lead=lead)
        .select_related("stage", "entered_by")
        .order_by("entered_at", "id")
    )
    quotes = list(
        Quote.objects.filter(tenant=tenant, lead=lead).prefetch_related(
            Prefetch("lines", queryset=QuoteLine.objects.filter(tenant=tenant))
        )
    )
    for quote in quotes:
        quote.lead = lead  # the reference reads lead.number; no query per quote
    payments = list(Payment.objects.filter(tenant=tenant, lead=lead).select_related("recorded_by"))
    wait = untouched_after(lead_settings_get(tenant=tenant))
    return LeadDetail(
        row=row,
        options=options,
        visits=visits,
        quotes=quotes,
        payments=payments,
        paid_total=sum((payment.amount for payment in payments), Decimal("0"))
        if payments
        else None,
        score_parts=score_parts(lead, tenant=tenant, now=now, untouched_after=wait),
        timeline=lead_timeline(tenant=tenant, lead=lead),
    )


def lead_timeline(*, tenant: Tenant, lead: Lead, limit: int = 100) -> list[TimelineEvent]:
    return list(
        TimelineEvent.objects.filter(tenant=tenant, lead=lead)
        .select_related("actor")
        .order_by("-occurred_at", "-id")[:limit]
    )


def leads_for_contact(*, tenant: Tenant, contact) -> list[Lead]:
    return list(
        lead_queryset(tenant=tenant).filter(contact=contact).order_by("-created_at", "-id")[:50]
    )


def quote_get(*, tenant: Tenant, lead: Lead, quote_id: int) -> Quote:
    quote = get_object_or_404(
        Quote.objects.filter(tenant=tenant, lead=lead).prefetch_related(
            Prefetch("lines", queryset=QuoteLine.objects.filter(tenant=tenant))
        ),
        pk=quote_id,
    )
    quote.lead = lead
    return quote


@dataclass(frozen=True)
class RowOptions:
    """What every row's action menus offer, read once per page rather than once per row."""

    stages: dict[int, list[Stage]]
    members: list[Membership]
    call_outcomes = CallOutcome.choices
    lost_reasons = LostReason.choices

    def stages_for(self, lead: Lead) -> list[Stage]:
        return [
            stage
            for stage in self.stages.get(lead.pipeline_id, [])
            if not stage.is_archived and not stage.is_lost
        ]


def row_options(*, tenant: Tenant) -> RowOptions:
    return RowOptions(
        stages=stages_by_pipeline(tenant=tenant), members=list(assignable_members(tenant=tenant))
    )
