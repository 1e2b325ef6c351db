"""What a member's daily digest says, and which members are due one now (the sending is in
followups.services.digest)."""

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from crm.kit.formatting import local_date
from crm.models import Membership, Role, Tenant, digest_minute
from followups.models import OPEN_STATUSES, DigestSent, FollowUp, Status
from followups.selectors import members
from followups.selectors.configuration import follow_up_settings_get
from followups.selectors.neglect import LEAD_FIELDS_NOT_SHOWN, LIVE_STATUSES, neglect_flags_for
from leads.aging import Aging, aging_filter
from leads.models import Lead, Stage

DIGEST_WINDOW = dt.timedelta(hours=4)
LISTED = 20  # items per section; the email says how many more there are


def membership_zone(membership: Membership) -> zoneinfo.ZoneInfo:
    """Where the member works: their own time zone, else the team's."""
    return members.member_zone(membership.user, membership.tenant)


def _local_moment(day: dt.date, hour: int, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """`hour`:00 on `day` in `zone`, as an aware UTC datetime (a time skipped by a DST jump is
    read as the moment after it)."""
    naive = dt.datetime.combine(day, dt.time(hour))
    return naive.replace(tzinfo=zone).astimezone(dt.UTC)


def digest_day_due(
    now: dt.datetime, *, zone: zoneinfo.ZoneInfo, hour: int, tenant_id: int
) -> dt.date | None:
    """The member's local day whose digest is due at `now`: their clock is past `hour` and the
    team's minute (crm.models.digest_minute), within DIGEST_WINDOW; None when it is not."""
    day = now.astimezone(zone).date()
    starts = _local_moment(day, hour, zone) + dt.timedelta(minutes=digest_minute(tenant_id))
    return day if starts <= now < starts + DIGEST_WINDOW else None


@dataclass
class Section:
    items: list
    total: int

    @property
    def more(self) -> int:
        return max(self.total - len(self.items), 0)


@dataclass
class Digest:
    membership: Membership
    day: dt.date
    zone: zoneinfo.ZoneInfo
    today: Section
    overdue: Section
    neglected: Section
    red_leads: Section
    team_escalated: Section = field(default_factory=lambda: Section([], 0))
    team_red_total: int = 0

    @property
    def is_empty(self) -> bool:
        sections = (self.today, self.overdue, self.neglected, self.red_leads, self.team_escalated)
        return not any(section.total for section in sections) and not self.team_red_total

    @property
    def subject(self) -> str:
        today = self.today.total
        parts = [ngettext("%(n)s follow-up today", "%(n)s follow-ups today", today) % {"n": today}]
        if self.overdue.total:
            parts.append(gettext("%(n)s overdue") % {"n": self.overdue.total})
        neglected = self.neglected.total + self.team_escalated.total
        if neglected:
            parts.append(
                ngettext("%(n)s neglected customer", "%(n)s neglected customers", neglected)
                % {"n": neglected}
            )
        if self.red_leads.total:
            late = self.red_leads.total
            parts.append(ngettext("%(n)s late lead", "%(n)s late leads", late) % {"n": late})
        return gettext("Your day, %(day)s: %(parts)s") % {
            "day": local_date(self.day, "weekday_month_day"),
            "parts": ", ".join(parts),
        }


def _section(queryset, limit: int = LISTED, *, counted=None) -> Section:
    """The first `limit` of `queryset` and how many there are (`counted`: counted from there)."""
    items = list(queryset[:limit])
    total = len(items) if len(items) < limit else (queryset if counted is None else counted).count()
    return Section(items, total)


@dataclass(frozen=True)
class TeamDigest:
    """What every manager's and admin's digest says of the whole team: the escalated neglected
    customers and how many leads are red."""

    escalated: Section
    red_total: int


class DigestRound:
    """What a tenant's digests at one moment share, worked out once for all of them: which leads
    are red (the stages and their windows in the business calendar: a statement and the
    calendar's days for each digest otherwise) and the team's part, counted when the first
    manager's or admin's digest reads it (at a million leads each count takes most of a
    second)."""

    def __init__(self, tenant: Tenant, now: dt.datetime):
        self.tenant, self.now = tenant, now
        stages = list(Stage.objects.filter(tenant=tenant, is_terminal=False))
        # Each red window is a stage that is not terminal, so the windows alone say what
        # live_leads' join to the stages says: without the join a rep's red leads are counted
        # and listed from lead_owner_aging's entries (the team's from lead_team_aging's), not
        # from tens of thousands of rows read from the table at a million leads.
        self.red_leads = Lead.objects.filter(tenant=tenant, status__in=LIVE_STATUSES).filter(
            aging_filter(tenant, stages, Aging.RED, now, staged=True)
        )
        self._team: TeamDigest | None = None

    @property
    def team(self) -> TeamDigest:
        if self._team is None:
            escalated, total = neglect_flags_for(tenant=self.tenant, team=True, limit=LISTED)
            self._team = TeamDigest(Section(escalated, total), self.red_leads.count())
        return self._team


def digest_for(
    *,
    tenant: Tenant,
    membership: Membership,
    now: dt.datetime | None = None,
    shared: DigestRound | None = None,
) -> Digest:
    """What a member's digest says now (also what a preview would show). `shared`: what the
    round's digests share, when the caller makes several at this moment."""
    shared = shared or DigestRound(tenant, now or timezone.now())
    now = shared.now
    zone = membership_zone(membership)
    day = now.astimezone(zone).date()
    day_end = _local_moment(day + dt.timedelta(days=1), 0, zone)
    mine = FollowUp.objects.filter(tenant=tenant, assignee=membership).select_related(
        "contact", "type"
    )
    today = mine.filter(
        status__in=OPEN_STATUSES, scheduled_at__gte=now, scheduled_at__lt=day_end
    ).order_by("scheduled_at", "pk")
    overdue = mine.filter(
        Q(status__in=OPEN_STATUSES, scheduled_at__lt=now) | Q(status=Status.MISSED)
    ).order_by("scheduled_at", "pk")
    flags, flag_total = neglect_flags_for(tenant=tenant, membership=membership, limit=LISTED)
    red = shared.red_leads.filter(owner=membership)
    # The first twenty's keys from the index, then their rows: sorting the member's red leads
    # with their rows read them all from the table (thousands at a million leads).
    first_red = red.order_by("stage_entered_at", "pk").values("pk")[:LISTED]
    digest = Digest(
        membership=membership,
        day=day,
        zone=zone,
        today=_section(today),
        overdue=_section(overdue),
        neglected=Section(flags, flag_total),
        red_leads=_section(
            Lead.objects.filter(tenant=tenant, pk__in=first_red)
            .select_related("contact", "stage")
            .defer(*LEAD_FIELDS_NOT_SHOWN)
            .order_by("stage_entered_at", "pk"),
            counted=red,
        ),
    )
    if reads_the_team(membership):
        digest.team_escalated = shared.team.escalated
        digest.team_red_total = shared.team.red_total
    return digest


def reads_the_team(membership: Membership) -> bool:
    """Whether the member's digest has the team's part."""
    return membership.role in (Role.MANAGER, Role.ADMIN)


def members_due(*, tenant: Tenant, now: dt.datetime | None = None) -> list[Membership]:
    """Active members who want the digest, whose local clock is past their digest hour (their
    own, else the team's) and the team's minute (crm.models.digest_minute), within the window,
    and whose digest of their local day has not gone yet."""
    now = now or timezone.now()
    team_hour = follow_up_settings_get(tenant=tenant).digest_hour
    members = Membership.objects.filter(
        tenant=tenant, is_active=True, user__is_active=True, digest_enabled=True
    ).select_related("user", "tenant")
    due: dict[tuple[int, dt.date], Membership] = {}
    for membership in members:
        hour = team_hour if membership.digest_hour is None else membership.digest_hour
        day = digest_day_due(now, zone=membership_zone(membership), hour=hour, tenant_id=tenant.pk)
        if day is not None:
            due[(membership.pk, day)] = membership
    if not due:
        return []
    sent = set(
        DigestSent.objects.filter(
            tenant=tenant,
            membership_id__in=[pk for pk, _ in due],
            day__in={day for _, day in due},
        ).values_list("membership_id", "day")
    )
    return [membership for key, membership in due.items() if key not in sent]
