"""What a signed-in customer may see of their jobs: the home page and each job's page.

Everything a customer sees is reached through their PortalCustomer: their contacts, the
properties those contacts are linked to, and the jobs (leads) of those contacts or on those
properties. Each page runs a fixed number of queries whatever the number of jobs.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext, gettext_lazy

from automation.services.updates import NOT_NEWS_KINDS
from billing.selectors.invoices import PayerFigures, homeowner_part, lead_claims
from crm.kit.formatting import local_date
from crm.models import (
    Brand,
    Property,
    Tenant,
    TimelineEvent,
)
from leads.models import Lead, Payment, Quote, QuoteStatus, Stage, StageVisit
from leads.quote_links import quote_public_token
from leads.selectors.brands import leads_brands
from leads.selectors.money import JobBalance, balance_of
from portal.auth import PortalCustomer
from portal.progress import Journey, customer_journey

TIMELINE_LIMIT = 50


def portal_jobs(customer: PortalCustomer) -> QuerySet[Lead]:
    """The customer's jobs: leads of their contacts, or on their properties."""
    return Lead.objects.filter(tenant=customer.tenant).filter(
        Q(contact_id__in=customer.contact_ids) | Q(property_id__in=customer.property_ids)
    )


def portal_properties(customer: PortalCustomer) -> QuerySet[Property]:
    return Property.objects.filter(tenant=customer.tenant, pk__in=customer.property_ids)


@dataclass(frozen=True)
class PortalJob:
    lead: Lead
    journey: Journey
    brand: Brand | None  # whose job it is: the name, logo and contact details the customer sees

    @property
    def title(self) -> str:
        return self.lead.title or gettext("Job %(reference)s") % {"reference": self.lead.reference}


def _jobs_with_journeys(
    tenant: Tenant, leads: list[Lead], now: dt.datetime, stages: dict[int, list[Stage]] | None
) -> list[PortalJob]:
    if stages is None:
        stages = defaultdict(list)
        pipeline_ids = {lead.pipeline_id for lead in leads}
        for stage in Stage.objects.filter(tenant=tenant, pipeline_id__in=pipeline_ids).order_by(
            "position", "id"
        ):
            stages[stage.pipeline_id].append(stage)
    visits: dict[int, list[StageVisit]] = defaultdict(list)
    for visit in StageVisit.objects.filter(tenant=tenant, lead_id__in=[lead.pk for lead in leads]):
        visits[visit.lead_id].append(visit)
    brands = leads_brands(tenant=tenant, leads=leads)
    return [
        PortalJob(
            lead=lead,
            brand=brands[lead.pk],
            journey=customer_journey(
                tenant=tenant,
                lead=lead,
                pipeline_stages=stages[lead.pipeline_id],
                visits=visits[lead.pk],
                now=now,
            ),
        )
        for lead in leads
    ]


def _by_progress(jobs: list[PortalJob]) -> list[PortalJob]:
    """Jobs under way first, then finished and closed ones; newest first within each."""
    return sorted(jobs, key=lambda job: (not job.journey.is_active, -job.lead.pk))


@dataclass(frozen=True)
class PortfolioEntry:
    property: Property
    jobs: list[PortalJob]


@dataclass(frozen=True)
class WaitingQuote:
    """A quote sent to the customer that waits for their answer, flagged on the portal's home."""

    quote: Quote
    job: PortalJob
    path: str  # its public page, where they accept or decline


@dataclass(frozen=True)
class PortalHome:
    portfolio: list[PortfolioEntry]  # each of their properties, with the jobs on it
    other_jobs: list[PortalJob]  # their jobs on no property of theirs (or on none at all)
    brands: list[Brand]  # the brands of their jobs, most recent job's first
    waiting_quotes: list[WaitingQuote]  # open quotes still in date, oldest deadline first
    properties: list[Property]  # all of theirs, by address
    leads: list[Lead]  # all their jobs' leads, with their property

    @property
    def has_jobs(self) -> bool:
        return bool(self.other_jobs) or any(entry.jobs for entry in self.portfolio)

    @property
    def brand_names(self) -> str:
        """ "Coastal Gutters and Florida First Roofing": the brands for the introduction."""
        return get_text_list([brand.name for brand in self.brands], gettext("and"))

    @property
    def several_brands(self) -> bool:
        """Jobs under more than one brand: each job card then names its brand."""
        return len(self.brands) > 1


def portal_home(*, customer: PortalCustomer, now: dt.datetime | None = None) -> PortalHome:
    now = now or timezone.now()
    properties = list(portal_properties(customer).order_by("address_line1", "id"))
    leads = list(
        portal_jobs(customer).select_related("stage", "property", "brand", "contact__brand")
    )
    jobs = _by_progress(_jobs_with_journeys(customer.tenant, leads, now, stages=None))
    on_property: dict[int, list[PortalJob]] = defaultdict(list)
    other_jobs = []
    for job in jobs:
        if job.lead.property_id in customer.property_ids:
            on_property[job.lead.property_id].append(job)
        else:
            other_jobs.append(job)
    brands: dict[int, Brand] = {}
    for job in sorted(jobs, key=lambda job: (job.lead.created_at, job.lead.pk), reverse=True):
        if job.brand is not None:
            brands.setdefault(job.brand.pk, job.brand)
    return PortalHome(
        portfolio=[PortfolioEntry(place, on_property[place.pk]) for place in properties],
        other_jobs=other_jobs,
        brands=list(brands.values()),
        waiting_quotes=_waiting_quotes(customer.tenant, jobs, today=timezone.localdate(now)),
        properties=properties,
        leads=leads,
    )


def _waiting_quotes(tenant: Tenant, jobs: list[PortalJob], *, today: dt.date) -> list[WaitingQuote]:
    """The quotes sent to the customer that they have not answered and may still accept."""
    by_lead = {job.lead.pk: job for job in jobs}
    quotes = Quote.objects.filter(
        tenant=tenant,
        lead_id__in=list(by_lead),
        status__in=(QuoteStatus.SENT, QuoteStatus.VIEWED),
        valid_until__gte=today,
    ).order_by("valid_until", "id")
    waiting = []
    for quote in quotes:
        job = by_lead[quote.lead_id]
        quote.lead = job.lead  # the reference reads lead.number; no query per quote
        path = reverse("public:quote", kwargs={"token": quote_public_token(quote)})
        waiting.append(WaitingQuote(quote, job, path))
    return waiting


@dataclass(frozen=True)
class NewsItem:
    occurred_at: dt.datetime
    text: str


@dataclass(frozen=True)
class PortalQuote:
    quote: Quote
    path: str  # its public page (leads/urls_public.py), where the customer accepts or declines


@dataclass(frozen=True)
class PortalJobDetail:
    job: PortalJob
    news: list[NewsItem]  # customer-visible events, newest first
    quotes: list[PortalQuote]  # every quote sent to them, newest first
    balance: JobBalance  # amount due (accepted quotes), paid so far, left to pay
    # On an insurance job: the homeowner's own part (the deductible), shown instead of the job's
    # whole balance, which is mostly their insurer's to pay.
    own_part: PayerFigures | None = None


def _news(tenant: Tenant, lead: Lead, stages: list[Stage]) -> list[NewsItem]:
    """The job's customer-visible events, in the customer's words: a stage change reads as the
    stage's customer label (the team's stage names stay inside); messages and update records are
    the update history's, not news."""
    events = TimelineEvent.objects.filter(tenant=tenant, lead_id=lead.pk, customer_visible=True)
    for prefix in NOT_NEWS_KINDS:
        events = events.exclude(kind__startswith=prefix)
    latest = list(events.order_by("-occurred_at", "-id")[:TIMELINE_LIMIT])
    labels = {stage.pk: stage.label_for_customer for stage in stages}
    moved_to = {event.detail.get("to") for event in latest if event.kind == "lead.stage_changed"}
    unknown = moved_to - set(labels) - {None}
    if unknown:  # the lead came from another pipeline
        labels |= {
            stage.pk: stage.label_for_customer
            for stage in Stage.objects.filter(tenant=tenant, pk__in=unknown)
        }
    return [NewsItem(event.occurred_at, _news_text(event, labels)) for event in latest]


# The customer's words for the events the team's timeline records in its own (English) words.
NEWS_TEXTS = {
    "quote.sent": gettext_lazy("We sent you a quote"),
    "quote.accepted": gettext_lazy("You accepted the quote"),
    "quote.rejected": gettext_lazy("You declined the quote"),
}


def _news_text(event, labels: dict[int, str]) -> str:
    if event.kind == "lead.stage_changed" and event.detail.get("to") in labels:
        return gettext("Moved to “%(step)s”") % {"step": labels[event.detail["to"]]}
    if event.kind in NEWS_TEXTS:
        return str(NEWS_TEXTS[event.kind])
    if event.kind == "lead.appointment_booked" and event.detail.get("appointment_at"):
        at = timezone.localtime(dt.datetime.fromisoformat(event.detail["appointment_at"]))
        when = local_date(at, "weekday_month_day_time")
        return gettext("Appointment booked for %(when)s") % {"when": when}
    return event.shown_summary


def portal_job_detail(
    *, customer: PortalCustomer, job_id: int, now: dt.datetime | None = None
) -> PortalJobDetail:
    """One of the customer's jobs, else 404 (another tenant's or another customer's alike)."""
    now = now or timezone.now()
    lead = get_object_or_404(
        portal_jobs(customer).select_related(
            "stage", "property", "owner__user", "brand", "contact__brand"
        ),
        pk=job_id,
    )
    stages = list(
        Stage.objects.filter(tenant=customer.tenant, pipeline_id=lead.pipeline_id).order_by(
            "position", "id"
        )
    )
    job = _jobs_with_journeys(customer.tenant, [lead], now, stages={lead.pipeline_id: stages})[0]
    quotes = list(
        Quote.objects.filter(tenant=customer.tenant, lead=lead).exclude(status=QuoteStatus.DRAFT)
    )
    for quote in quotes:
        quote.lead = lead  # the reference reads lead.number; no query per quote
    payments = Payment.objects.filter(tenant=customer.tenant, lead=lead).only("amount", "kind")
    claims = lead_claims(tenant=customer.tenant, lead=lead)
    return PortalJobDetail(
        job=job,
        news=_news(customer.tenant, lead, stages),
        quotes=[
            PortalQuote(quote, reverse("public:quote", kwargs={"token": quote_public_token(quote)}))
            for quote in quotes
        ],
        balance=balance_of(quotes, payments),
        own_part=homeowner_part(claims) if claims else None,
    )
