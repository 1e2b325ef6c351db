"""Follow-ups on other apps' pages: the dashboard widget's figures, a member's short list on their
home page, and the follow-ups section of contact and lead pages."""

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.db.models import Count, DateTimeField, DurationField, ExpressionWrapper, F, Q, Value
from django.shortcuts import get_object_or_404
from django.utils import timezone

from crm.models import Contact, Membership, Tenant
from followups.models import LONGEST_SLOT_MINUTES, OPEN_STATUSES, FollowUp, Status
from followups.selectors.lists import (
    TODO_STATUSES,
    follow_up_queryset,
    local_day_bounds,
    week_start,
)
from leads.models import Lead

PANEL_MOST = 12
ON_TIME_WINDOW = dt.timedelta(days=30)


@dataclass(frozen=True)
class FollowUpStats:
    today: int
    overdue: int
    this_week: int
    pending: int
    due_recently: int  # due in the last 30 days (not cancelled)
    on_time: int  # of those, completed by their end time

    @property
    def on_time_rate(self) -> int | None:
        """Percent of the last 30 days' follow-ups done by scheduled time + duration."""
        if not self.due_recently:
            return None
        return round(100 * self.on_time / self.due_recently)


def follow_up_stats(
    *,
    tenant: Tenant,
    zone: zoneinfo.ZoneInfo,
    assignee: Membership | None = None,
    now: dt.datetime | None = None,
) -> FollowUpStats:
    """The dashboard widget's figures, for one member (a rep's home) or the whole team
    (assignee=None, the manager's dashboard), in two queries that read only the follow-ups they
    count, never the finished history: a team's follow-ups grow by the million.

    Today, overdue and this week count what is still to do (missed ones too: the missed sweep
    turns an overdue follow-up into a missed one within the hour); pending counts the open ones.
    They come from the follow-ups still to do (index follow_up_by_status / _by_assignee).
    On time: of the follow-ups whose end (scheduled_at + duration) fell in the last 30 days and
    were not cancelled, those completed at or before that end. Ones still open or missed count
    as not on time. A slot lasts at most a day, so they are the follow-ups scheduled in the last
    30 days and one (index dashboard_follow_up_by_time).
    """
    now = now or timezone.now()
    today = timezone.localdate(now, zone)
    today_start, today_end = local_day_bounds(today, zone)
    week_first, _ = local_day_bounds(week_start(today), zone)
    _, week_end = local_day_bounds(week_start(today) + dt.timedelta(days=6), zone)
    follow_ups = FollowUp.objects.filter(tenant=tenant)
    if assignee is not None:
        follow_ups = follow_ups.filter(assignee=assignee)
    # Counting scheduled_at (a column of the indexes) keeps both queries index-only.
    to_do = follow_ups.filter(status__in=TODO_STATUSES).aggregate(
        today=Count(
            "scheduled_at", filter=Q(scheduled_at__gte=today_start, scheduled_at__lt=today_end)
        ),
        overdue=Count("scheduled_at", filter=Q(scheduled_at__lt=now)),
        this_week=Count(
            "scheduled_at", filter=Q(scheduled_at__gte=week_first, scheduled_at__lt=week_end)
        ),
        pending=Count("scheduled_at", filter=Q(status__in=OPEN_STATUSES)),
    )
    ends_at = ExpressionWrapper(
        F("scheduled_at")
        + ExpressionWrapper(
            F("duration_minutes") * Value(dt.timedelta(minutes=1)), output_field=DurationField()
        ),
        output_field=DateTimeField(),
    )
    window_start = now - ON_TIME_WINDOW
    recent = (
        follow_ups.filter(
            scheduled_at__gte=window_start - dt.timedelta(minutes=LONGEST_SLOT_MINUTES),
            scheduled_at__lte=now,
        )
        .exclude(status=Status.CANCELLED)
        .annotate(ends_at=ends_at)
        .filter(ends_at__gte=window_start, ends_at__lte=now)
        .aggregate(
            due_recently=Count("scheduled_at"),
            on_time=Count(
                "scheduled_at", filter=Q(status=Status.COMPLETED, completed_at__lte=F("ends_at"))
            ),
        )
    )
    return FollowUpStats(**to_do, **recent)


def follow_ups_next_up(*, tenant: Tenant, assignee: Membership, most: int = 6) -> list[FollowUp]:
    """A member's follow-ups still to do, overdue and soonest first (their home's short list)."""
    return list(
        follow_up_queryset(tenant=tenant)
        .filter(assignee=assignee, status__in=TODO_STATUSES)
        .order_by("scheduled_at", "id")[:most]
    )


# --- Contact and lead pages -----------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUpTimeline:
    upcoming: list[FollowUp]  # open, soonest first
    past: list[FollowUp]  # finished, latest first
    total: int


def timeline_contact_get(*, tenant: Tenant, contact_id: int) -> Contact:
    return get_object_or_404(Contact.objects.filter(tenant=tenant), pk=contact_id)


def timeline_lead_get(*, tenant: Tenant, lead_id: int) -> Lead:
    return get_object_or_404(Lead.objects.filter(tenant=tenant), pk=lead_id)


def follow_up_timeline(
    *, tenant: Tenant, contact: Contact | None = None, lead: Lead | None = None
) -> FollowUpTimeline:
    """A contact's or a lead's follow-ups for the section on its page."""
    follow_ups = follow_up_queryset(tenant=tenant)
    follow_ups = (
        follow_ups.filter(lead=lead) if lead is not None else follow_ups.filter(contact=contact)
    )
    upcoming = list(
        follow_ups.filter(status__in=OPEN_STATUSES).order_by("scheduled_at", "id")[:PANEL_MOST]
    )
    past = list(
        follow_ups.exclude(status__in=OPEN_STATUSES).order_by("-scheduled_at", "-id")[:PANEL_MOST]
    )
    return FollowUpTimeline(upcoming=upcoming, past=past, total=follow_ups.count())
