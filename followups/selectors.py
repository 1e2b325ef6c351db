"""Reads of follow-ups shared by the pages, the widget and other apps' pages. Every function takes
the tenant; times are grouped and shown in the member's own time zone (User.time_zone, else the
tenant's)."""

import datetime as dt
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import (
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Value,
)
from django.shortcuts import get_object_or_404
from django.utils import timezone

from crm.models import Contact, Membership, Role, Tenant, TimelineEvent, User
from crm.pagination import KeysetPage, keyset_page
from followups.models import (
    LONGEST_SLOT_MINUTES,
    OPEN_STATUSES,
    FollowUp,
    FollowUpNote,
    FollowUpTemplate,
    FollowUpType,
    Reminder,
    SavedFollowUpFilter,
    Status,
)
from leads.models import Lead

FOLLOW_UPS_PER_PAGE = 50
BOARD_CARDS_PER_COLUMN = 30
CALENDAR_MOST = 400
PANEL_MOST = 12
ON_TIME_WINDOW = dt.timedelta(days=30)

# The board's columns, in order; finished columns show the recent ones only.
BOARD_COLUMNS = (
    Status.PENDING,
    Status.IN_PROGRESS,
    Status.COMPLETED,
    Status.MISSED,
    Status.CANCELLED,
)
BOARD_FINISHED_SINCE = dt.timedelta(days=14)

# Still to be done: open, or missed and not yet done late or moved (the list starts here).
TODO_STATUSES = (*OPEN_STATUSES, Status.MISSED)

ORDERS = {
    "soonest": ("scheduled_at", "id"),
    "latest": ("-scheduled_at", "-id"),
}


def member_zone(user: User, tenant: Tenant) -> zoneinfo.ZoneInfo:
    """Where the member works: their own zone if they set one, else the team's."""
    if user.time_zone:
        try:
            return zoneinfo.ZoneInfo(user.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    return tenant.zone


def is_manager(membership: Membership) -> bool:
    return membership.role in (Role.ADMIN, Role.MANAGER)


def may_act_on(membership: Membership, follow_up: FollowUp) -> bool:
    """Managers and admins act on every follow-up; a rep on those given to them or they made."""
    return (
        is_manager(membership)
        or follow_up.assignee_id == membership.pk
        or (follow_up.created_by_id is not None and follow_up.created_by_id == membership.user_id)
    )


def acted_on_by(membership: Membership) -> Q:
    """may_act_on as a filter (bulk actions keep only the ticked rows the member may change)."""
    if is_manager(membership):
        return Q()
    return Q(assignee=membership) | Q(created_by_id=membership.user_id)


# --- Choices --------------------------------------------------------------------------------------


def assignable_members(*, tenant: Tenant) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(tenant=tenant, is_active=True)
        .select_related("user")
        .order_by("user__full_name", "pk")
    )


def follow_up_types(*, tenant: Tenant) -> QuerySet[FollowUpType]:
    return FollowUpType.objects.filter(tenant=tenant, is_archived=False).order_by("name")


def follow_up_templates(*, tenant: Tenant) -> QuerySet[FollowUpTemplate]:
    return FollowUpTemplate.objects.filter(tenant=tenant, is_archived=False).select_related("type")


def contacts_matching(*, tenant: Tenant, text: str, most: int = 12) -> list[Contact]:
    """Contacts for the create form's picker: name, company or email starting with the text."""
    text = text.strip()
    if not text:
        return []
    return list(
        Contact.objects.filter(tenant=tenant)
        .filter(
            Q(first_name__istartswith=text)
            | Q(last_name__istartswith=text)
            | Q(company_name__istartswith=text)
            | Q(emails__email__istartswith=text)
        )
        .distinct()
        .order_by("first_name", "last_name", "pk")[:most]
    )


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


def default_assignee_scope(membership: Membership) -> str:
    """A rep starts on their own follow-ups, a manager or admin on the whole team's."""
    return "all" if is_manager(membership) else "mine"


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


def follow_ups_filtered(
    *,
    tenant: Tenant,
    membership: Membership,
    query: FollowUpQuery,
    zone: zoneinfo.ZoneInfo,
    now: dt.datetime | None = None,
    with_status: bool = True,
) -> QuerySet[FollowUp]:
    """The follow-ups a query selects (the board and the calendar pass with_status=False: the
    board has a column per status, the calendar shows every status but cancelled)."""
    now = now or timezone.now()
    follow_ups = follow_up_queryset(tenant=tenant)
    if with_status:
        if query.status == "todo":
            follow_ups = follow_ups.filter(status__in=TODO_STATUSES)
        elif query.status == "open":
            follow_ups = follow_ups.filter(status__in=OPEN_STATUSES)
        elif query.status in Status.values:
            follow_ups = follow_ups.filter(status=query.status)
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
    today = timezone.localdate(now, zone)
    if query.when == "today":
        start, end = local_day_bounds(today, zone)
        follow_ups = follow_ups.filter(scheduled_at__gte=start, scheduled_at__lt=end)
    elif query.when == "overdue":
        follow_ups = follow_ups.filter(status__in=TODO_STATUSES, scheduled_at__lt=now)
    elif query.when == "week":
        start, _ = local_day_bounds(week_start(today), zone)
        _, end = local_day_bounds(week_start(today) + dt.timedelta(days=6), zone)
        follow_ups = follow_ups.filter(scheduled_at__gte=start, scheduled_at__lt=end)
    elif query.when == "upcoming":
        follow_ups = follow_ups.filter(scheduled_at__gte=now)
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
    *, follow_ups: QuerySet[FollowUp], order: str = "soonest", after: str | None = None
) -> KeysetPage:
    """One page of the list, keyset on (scheduled_at, id): a fixed number of queries per page."""
    return keyset_page(
        follow_ups,
        order=ORDERS.get(order, ORDERS["soonest"]),
        after=after,
        per_page=FOLLOW_UPS_PER_PAGE,
    )


def filter_labels(*, tenant: Tenant, query: FollowUpQuery) -> dict:
    """Names for the contact and lead a list is narrowed to (shown as removable chips)."""
    labels = {}
    if query.contact_id:
        contact = Contact.objects.filter(tenant=tenant, pk=query.contact_id).first()
        labels["contact"] = contact.display_name if contact else "an unknown contact"
    if query.lead_id:
        lead = Lead.objects.filter(tenant=tenant, pk=query.lead_id).only("number").first()
        labels["lead"] = lead.reference if lead else "an unknown lead"
    return labels


# --- One follow-up --------------------------------------------------------------------------------


def follow_up_get(*, tenant: Tenant, follow_up_id: int) -> FollowUp:
    return get_object_or_404(follow_up_queryset(tenant=tenant), pk=follow_up_id)


def offset_label(minutes: int) -> str:
    """How long before the follow-up a reminder goes: "1 day before", "90 minutes before"."""
    if minutes == 0:
        return "At the time"
    for size, unit in ((10080, "week"), (1440, "day"), (60, "hour"), (1, "minute")):
        if minutes % size == 0:
            count = minutes // size
            return f"{count} {unit}{'s' if count != 1 else ''} before"
    return f"{minutes} minutes before"


@dataclass(frozen=True)
class FollowUpDetail:
    follow_up: FollowUp
    notes: list[FollowUpNote]
    reminders: list[Reminder]
    history: list[TimelineEvent]


def follow_up_detail(*, tenant: Tenant, follow_up_id: int) -> FollowUpDetail:
    follow_up = get_object_or_404(
        follow_up_queryset(tenant=tenant).select_related(
            "ticket", "quote__lead", "property", "created_by", "series"
        ),
        pk=follow_up_id,
    )
    notes = list(
        FollowUpNote.objects.filter(tenant=tenant, follow_up=follow_up).select_related("author")
    )
    reminders = list(
        Reminder.objects.filter(tenant=tenant, follow_up=follow_up).order_by("remind_at", "channel")
    )
    for reminder in reminders:
        reminder.offset_label = offset_label(reminder.offset_minutes)
    # Its services record every change on the contact's timeline with the follow-up's id.
    history = list(
        TimelineEvent.objects.filter(
            tenant=tenant, contact_id=follow_up.contact_id, detail__follow_up=follow_up.pk
        )
        .select_related("actor")
        .order_by("-occurred_at", "-id")[:100]
    )
    return FollowUpDetail(follow_up=follow_up, notes=notes, reminders=reminders, history=history)


# --- The board ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardColumn:
    status: str
    label: str
    cards: list[FollowUp]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.cards)


def follow_up_board(
    *, follow_ups: QuerySet[FollowUp], now: dt.datetime | None = None
) -> list[BoardColumn]:
    """A column per status: open ones soonest first, finished ones (of the last two weeks) most
    recent first. One count query and one query per column, whatever the number of cards."""
    now = now or timezone.now()
    recent = now - BOARD_FINISHED_SINCE
    finished = (Status.COMPLETED, Status.MISSED, Status.CANCELLED)
    scoped = follow_ups.filter(
        Q(status__in=OPEN_STATUSES)
        | Q(status__in=finished, scheduled_at__gte=recent)
        # A late completion of an old follow-up still shows as done this fortnight.
        | Q(status=Status.COMPLETED, completed_at__gte=recent)
    )
    totals = dict(
        scoped.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    columns = []
    for status in BOARD_COLUMNS:
        cards = scoped.filter(status=status)
        if status in OPEN_STATUSES:
            cards = cards.order_by("scheduled_at", "id")
        else:
            cards = cards.order_by("-scheduled_at", "-id")
        columns.append(
            BoardColumn(
                status=status,
                label=Status(status).label,
                cards=list(cards[:BOARD_CARDS_PER_COLUMN]),
                total=totals.get(status, 0),
            )
        )
    return columns


# --- The calendar ---------------------------------------------------------------------------------


@dataclass
class CalendarDay:
    day: dt.date
    in_range: bool
    is_today: bool
    follow_ups: list[FollowUp] = field(default_factory=list)


@dataclass(frozen=True)
class Calendar:
    view: str  # month | week
    anchor: dt.date
    first: dt.date
    last: dt.date
    weeks: list[list[CalendarDay]]
    previous: dt.date
    next: dt.date
    truncated: bool

    @property
    def days(self) -> list[CalendarDay]:
        return [day for week in self.weeks for day in week]


def _add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.year * 12 + day.month - 1 + months
    return dt.date(month_index // 12, month_index % 12 + 1, 1)


def follow_up_calendar(
    *,
    follow_ups: QuerySet[FollowUp],
    view: str,
    anchor: dt.date,
    zone: zoneinfo.ZoneInfo,
    now: dt.datetime | None = None,
) -> Calendar:
    """A month (whole weeks, Monday first) or a week of follow-ups by local day, in one query.
    Cancelled ones are left out."""
    now = now or timezone.now()
    today = timezone.localdate(now, zone)
    if view == "week":
        first = week_start(anchor)
        last = first + dt.timedelta(days=6)
        in_range_first, in_range_last = first, last
        previous, following = first - dt.timedelta(days=7), first + dt.timedelta(days=7)
    else:
        view = "month"
        month_first = anchor.replace(day=1)
        month_last = _add_months(month_first, 1) - dt.timedelta(days=1)
        first = week_start(month_first)
        last = week_start(month_last) + dt.timedelta(days=6)
        in_range_first, in_range_last = month_first, month_last
        previous, following = _add_months(month_first, -1), _add_months(month_first, 1)
    start, _ = local_day_bounds(first, zone)
    _, end = local_day_bounds(last, zone)
    rows = list(
        follow_ups.filter(scheduled_at__gte=start, scheduled_at__lt=end)
        .exclude(status=Status.CANCELLED)
        .order_by("scheduled_at", "id")[: CALENDAR_MOST + 1]
    )
    truncated = len(rows) > CALENDAR_MOST
    by_day: dict[dt.date, list[FollowUp]] = defaultdict(list)
    for follow_up in rows[:CALENDAR_MOST]:
        by_day[timezone.localtime(follow_up.scheduled_at, zone).date()].append(follow_up)
    weeks, day = [], first
    while day <= last:
        week = []
        for _ in range(7):
            week.append(
                CalendarDay(
                    day=day,
                    in_range=in_range_first <= day <= in_range_last,
                    is_today=day == today,
                    follow_ups=by_day.get(day, []),
                )
            )
            day += dt.timedelta(days=1)
        weeks.append(week)
    return Calendar(
        view=view,
        anchor=anchor,
        first=in_range_first,
        last=in_range_last,
        weeks=weeks,
        previous=previous,
        next=following,
        truncated=truncated,
    )


# --- The widget -----------------------------------------------------------------------------------


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


# --- Saved filters --------------------------------------------------------------------------------


def saved_filters_for(*, tenant: Tenant, membership: Membership) -> QuerySet[SavedFollowUpFilter]:
    return SavedFollowUpFilter.objects.filter(tenant=tenant, membership=membership)


def saved_filter_get(
    *, tenant: Tenant, membership: Membership, filter_id: int
) -> SavedFollowUpFilter:
    return get_object_or_404(saved_filters_for(tenant=tenant, membership=membership), pk=filter_id)
