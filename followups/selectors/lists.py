"""The follow-up list: its filters (shared with the calendar and the board), the keyset page, the
choices its forms offer and the member's saved filters. Times are read in the member's zone."""

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext

from crm.kit.together import read_together
from crm.models import Contact, ContactEmail, ContactPhone, Membership, Tenant
from crm.pagination import KeysetPage, keyset_page
from followups.models import (
    OPEN_STATUSES,
    FollowUp,
    FollowUpTemplate,
    FollowUpType,
    SavedFollowUpFilter,
    Status,
)
from followups.selectors.members import assignable_members
from leads.models import Lead

FOLLOW_UPS_PER_PAGE = 50

# Still to be done: open, or missed and not yet done late or moved (the list starts here).
TODO_STATUSES = (*OPEN_STATUSES, Status.MISSED)

ORDERS = {
    "soonest": ("scheduled_at", "id"),
    "latest": ("-scheduled_at", "-id"),
}


# --- Choices --------------------------------------------------------------------------------------


def follow_up_types(*, tenant: Tenant) -> QuerySet[FollowUpType]:
    return FollowUpType.objects.filter(tenant=tenant, is_archived=False).order_by("name")


def follow_up_templates(*, tenant: Tenant) -> QuerySet[FollowUpTemplate]:
    return FollowUpTemplate.objects.filter(tenant=tenant, is_archived=False).select_related("type")


# --- Filtering ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUpQuery:
    """What the list, the calendar and the board are narrowed by (built by the filter form)."""

    text: str = ""
    status: str = "todo"  # todo | open | all | one of Status
    type_id: int | None = None
    priority: str = ""
    when: str = ""  # today | overdue | week | upcoming
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    assignee: str = "mine"  # mine | all | a membership pk
    contact_id: int | None = None
    lead_id: int | None = None
    order: str = "soonest"


def local_day_bounds(day: dt.date, zone: zoneinfo.ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants a local day starts and ends at (23 or 25 hours long across DST)."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def follow_up_queryset(*, tenant: Tenant) -> QuerySet[FollowUp]:
    """Follow-ups with what a row, a card or a calendar entry shows, joined in one query."""
    return FollowUp.objects.filter(tenant=tenant).select_related(
        "type", "contact", "assignee__user", "lead"
    )


# What a list row and a board card show (followups/rows.py, and followups.views.common.mark): of the
# follow-up, these columns; of the rows it joins, the type's name, the customer's name, the
# assignee's name and the lead's number. The other columns (its description and notes, a lead's
# forty with its assignment decision's JSON, a member's hours) are not read: building them was
# about half the CPU of reading the rows.
SHOWN = (
    "subject",
    "scheduled_at",
    "priority",
    "status",
    "outcome",
    "created_by",
    "type__name",
    "contact__first_name",
    "contact__last_name",
    "contact__company_name",
    "assignee__user__full_name",
    "assignee__user__email",
    "lead__number",
)


def follow_ups_as_rows(
    *, follow_ups: QuerySet[FollowUp], with_lead: bool = True
) -> QuerySet[FollowUp]:
    """The follow-ups with only what a row or a card shows (SHOWN); a board card shows no lead
    (with_lead=False). Code that reads more of them reads it one query per follow-up: the pages'
    query-count tests would see it."""
    if with_lead:
        return follow_ups.only(*SHOWN)
    shown = [name for name in SHOWN if not name.startswith("lead__")]
    return (
        follow_ups.select_related(None)
        .select_related("type", "contact", "assignee__user")
        .only(*shown)
    )


def _status_condition(status: str) -> Q:
    if status == "todo":
        return Q(status__in=TODO_STATUSES)
    if status == "open":
        return Q(status__in=OPEN_STATUSES)
    if status in Status.values:
        return Q(status=status)
    return Q()


def _when_condition(when: str, now: dt.datetime, zone: zoneinfo.ZoneInfo) -> Q:
    today = timezone.localdate(now, zone)
    if when == "today":
        start, end = local_day_bounds(today, zone)
        return Q(scheduled_at__gte=start, scheduled_at__lt=end)
    if when == "overdue":
        return Q(status__in=TODO_STATUSES, scheduled_at__lt=now)
    if when == "week":
        start, _ = local_day_bounds(week_start(today), zone)
        _, end = local_day_bounds(week_start(today) + dt.timedelta(days=6), zone)
        return Q(scheduled_at__gte=start, scheduled_at__lt=end)
    if when == "upcoming":
        return Q(scheduled_at__gte=now)
    return Q()


def follow_ups_filtered(
    *,
    tenant: Tenant,
    membership: Membership | None,
    query: FollowUpQuery,
    zone: zoneinfo.ZoneInfo,
    now: dt.datetime | None = None,
    with_status: bool = True,
) -> QuerySet[FollowUp]:
    """The follow-ups a query selects (the board and the calendar pass with_status=False: the
    board has a column per status, the calendar shows every status but cancelled)."""
    now = now or timezone.now()
    follow_ups = follow_up_queryset(tenant=tenant).filter(_when_condition(query.when, now, zone))
    if with_status:
        follow_ups = follow_ups.filter(_status_condition(query.status))
    if query.assignee == "mine":
        follow_ups = follow_ups.filter(assignee=membership)
    elif query.assignee.isdigit():
        follow_ups = follow_ups.filter(assignee_id=int(query.assignee))
    if query.type_id:
        follow_ups = follow_ups.filter(type_id=query.type_id)
    if query.priority:
        follow_ups = follow_ups.filter(priority=query.priority)
    if query.contact_id:
        follow_ups = follow_ups.filter(contact_id=query.contact_id)
    if query.lead_id:
        follow_ups = follow_ups.filter(lead_id=query.lead_id)
    if query.date_from:
        follow_ups = follow_ups.filter(scheduled_at__gte=local_day_bounds(query.date_from, zone)[0])
    if query.date_to:
        follow_ups = follow_ups.filter(scheduled_at__lt=local_day_bounds(query.date_to, zone)[1])
    if query.text.strip():
        text = query.text.strip()
        follow_ups = follow_ups.filter(
            Q(subject__icontains=text)
            | Q(description__icontains=text)
            | Q(contact__first_name__istartswith=text)
            | Q(contact__last_name__istartswith=text)
            | Q(contact__company_name__istartswith=text)
        )
    return follow_ups


def follow_up_page(
    *,
    follow_ups: QuerySet[FollowUp],
    order: str = "soonest",
    after: str | None = None,
    per_page: int = FOLLOW_UPS_PER_PAGE,
) -> KeysetPage:
    """One page of the list, keyset on (scheduled_at, id): a fixed number of queries per page."""
    return keyset_page(
        follow_ups,
        order=ORDERS.get(order, ORDERS["soonest"]),
        after=after,
        per_page=per_page,
    )


def follow_ups_for_export(
    *, tenant: Tenant, membership: Membership, query: FollowUpQuery, zone: zoneinfo.ZoneInfo
) -> QuerySet[FollowUp]:
    """Every follow-up the query selects, in its order, with the contacts' emails and phones the
    CSV shows (primary first)."""
    return (
        follow_ups_filtered(tenant=tenant, membership=membership, query=query, zone=zone)
        .prefetch_related(
            Prefetch(
                "contact__emails",
                queryset=ContactEmail.objects.filter(tenant=tenant).order_by("-is_primary", "id"),
            ),
            Prefetch(
                "contact__phones",
                queryset=ContactPhone.objects.filter(tenant=tenant).order_by("-is_primary", "id"),
            ),
        )
        .select_related("assignee__user")
        .order_by(*ORDERS.get(query.order, ORDERS["soonest"]))
    )


def filter_labels(*, tenant: Tenant, query: FollowUpQuery) -> dict:
    """Names for the contact and lead a list is narrowed to (shown as removable chips)."""
    labels = {}
    if query.contact_id:
        contact = Contact.objects.filter(tenant=tenant, pk=query.contact_id).first()
        labels["contact"] = contact.display_name if contact else gettext("an unknown contact")
    if query.lead_id:
        lead = Lead.objects.filter(tenant=tenant, pk=query.lead_id).only("number").first()
        labels["lead"] = lead.reference if lead else gettext("an unknown lead")
    return labels


# --- What the filter forms offer, read together ------------------------------------------------


@dataclass(frozen=True)
class FilterChoices:
    members: list[Membership]  # with their users' names
    types: list[FollowUpType]
    saved_filters: list[SavedFollowUpFilter]


def filter_choices(
    *, tenant: Tenant, membership: Membership, with_saved_filters: bool = False
) -> FilterChoices:
    """The team and the follow-up types the filter form (and the list's bulk form) offer, and
    the member's saved filters for the list, in one statement (crm.kit.together) instead of one
    each."""

    def querysets():
        lists = {
            "members": assignable_members(tenant=tenant),
            "types": follow_up_types(tenant=tenant),
        }
        if with_saved_filters:
            lists["saved_filters"] = saved_filters_for(tenant=tenant, membership=membership)
        return lists

    lists = read_together(
        querysets,
        joined={"members": {"user": ["full_name", "email"]}},
        # Compiled once: the SQL depends on the tenant and, with saved filters, the member only.
        kept_as=(
            "followups.filter_choices",
            tenant.pk,
            membership.pk if with_saved_filters else None,
        ),
    )
    return FilterChoices(
        members=lists["members"], types=lists["types"], saved_filters=lists.get("saved_filters", [])
    )


# --- Saved filters --------------------------------------------------------------------------------


def saved_filters_for(*, tenant: Tenant, membership: Membership) -> QuerySet[SavedFollowUpFilter]:
    return SavedFollowUpFilter.objects.filter(tenant=tenant, membership=membership)


def saved_filter_get(
    *, tenant: Tenant, membership: Membership, filter_id: int
) -> SavedFollowUpFilter:
    return get_object_or_404(saved_filters_for(tenant=tenant, membership=membership), pk=filter_id)
