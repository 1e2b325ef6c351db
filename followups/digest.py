"""The daily digest: at the tenant's digest hour (07:00 unless an admin changes it) in each
member's own time zone, an email with their follow-ups of the day, the overdue ones, their
neglected customers and their leads gone red. A manager also reads the team's escalations.

The sweep runs every 15 minutes. A member is due once their local clock has passed the digest
hour (up to DIGEST_WINDOW later, so a beat that was down at 07:00 still sends it in the morning,
never in the evening); a DigestSent row per member and local day, inserted before the email is
scheduled and unique, makes it once a day whatever runs twice. A member with nothing to read gets
no email (the day still counts as done).
"""

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from crm.models import Membership, Role, Tenant
from followups import selectors
from followups.configuration import follow_up_settings_get
from followups.models import OPEN_STATUSES, DigestSent, FollowUp, Status
from followups.neglect import live_leads, neglect_flags_for
from leads.aging import Aging, aging_filter
from leads.models import Lead, Stage
from messaging.models import MessageChannel, MessageSource
from messaging.services.outbox import message_schedule

DIGEST_WINDOW = dt.timedelta(hours=4)
LISTED = 20  # items per section; the email says how many more there are


def member_zone(membership: Membership) -> zoneinfo.ZoneInfo:
    """Where the member works: their own time zone, else the team's."""
    return selectors.member_zone(membership.user, membership.tenant)


def _local_moment(day: dt.date, hour: int, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """`hour`:00 on `day` in `zone`, as an aware UTC datetime (a time skipped by a DST jump is
    read as the moment after it)."""
    naive = dt.datetime.combine(day, dt.time(hour))
    return naive.replace(tzinfo=zone).astimezone(dt.UTC)


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
        parts = [f"{self.today.total} follow-up{'s' if self.today.total != 1 else ''} today"]
        if self.overdue.total:
            parts.append(f"{self.overdue.total} overdue")
        neglected = self.neglected.total + self.team_escalated.total
        if neglected:
            parts.append(f"{neglected} neglected customer{'s' if neglected != 1 else ''}")
        if self.red_leads.total:
            parts.append(
                f"{self.red_leads.total} late lead{'s' if self.red_leads.total != 1 else ''}"
            )
        return f"Your day, {self.day:%a %b %-d}: " + ", ".join(parts)


def _section(queryset, limit: int = LISTED) -> Section:
    items = list(queryset[:limit])
    total = len(items) if len(items) < limit else queryset.count()
    return Section(items, total)


def digest_for(*, tenant: Tenant, membership: Membership, now: dt.datetime | None = None) -> Digest:
    """What a member's digest says now (also what a preview would show)."""
    now = now or timezone.now()
    zone = member_zone(membership)
    day = now.astimezone(zone).date()
    day_end = _local_moment(day + dt.timedelta(days=1), 0, zone)
    mine = FollowUp.objects.filter(tenant=tenant, assignee=membership).select_related(
        "contact", "lead", "type"
    )
    today = mine.filter(
        status__in=OPEN_STATUSES, scheduled_at__gte=now, scheduled_at__lt=day_end
    ).order_by("scheduled_at", "pk")
    overdue = mine.filter(
        Q(status__in=OPEN_STATUSES, scheduled_at__lt=now) | Q(status=Status.MISSED)
    ).order_by("scheduled_at", "pk")
    flags, flag_total = neglect_flags_for(tenant=tenant, membership=membership, limit=LISTED)
    stages = list(Stage.objects.filter(tenant=tenant, is_terminal=False))
    red = live_leads(tenant).filter(aging_filter(tenant, stages, Aging.RED, now))
    digest = Digest(
        membership=membership,
        day=day,
        zone=zone,
        today=_section(today),
        overdue=_section(overdue),
        neglected=Section(flags, flag_total),
        red_leads=_section(
            red.filter(owner=membership)
            .select_related("contact", "stage")
            .order_by("stage_entered_at", "pk")
        ),
    )
    if membership.role in (Role.MANAGER, Role.ADMIN):
        escalated, escalated_total = neglect_flags_for(
            tenant=tenant, membership=membership, team=True, limit=LISTED
        )
        digest.team_escalated = Section(escalated, escalated_total)
        digest.team_red_total = red.count()
    return digest


def _links(digest: Digest) -> dict:
    site = settings.THREADLINE_SITE_URL.rstrip("/")

    def follow_up_url(follow_up: FollowUp) -> str:
        return site + reverse("followups:detail", kwargs={"follow_up_pk": follow_up.pk})

    def lead_url(lead: Lead) -> str:
        return site + reverse("leads:detail", kwargs={"lead_pk": lead.pk})

    for section in (digest.today, digest.overdue):
        for follow_up in section.items:
            follow_up.digest_url = follow_up_url(follow_up)
    for flag in digest.neglected.items + digest.team_escalated.items:
        flag.digest_url = lead_url(flag.lead)
    for lead in digest.red_leads.items:
        lead.digest_url = lead_url(lead)
    return {
        "list_url": site + reverse("followups:list"),
        "leads_url": site + reverse("leads:list"),
    }


def digest_render(digest: Digest) -> tuple[str, str]:
    """The email's plain text and HTML, times in the member's zone."""
    context = {"digest": digest, **_links(digest)}
    with timezone.override(digest.zone):
        text = render_to_string("followups/digest_email.txt", context)
        html = render_to_string("followups/digest_email.html", context)
    return text, html


def digest_send(*, tenant: Tenant, membership: Membership, now: dt.datetime | None = None) -> bool:
    """Send the member today's digest unless it went already (or there is nothing to say).
    True when an email was scheduled."""
    now = now or timezone.now()
    day = now.astimezone(member_zone(membership)).date()
    with transaction.atomic():
        try:
            with transaction.atomic():
                DigestSent.objects.create(
                    tenant=tenant, membership=membership, day=day, sent_at=now
                )
        except IntegrityError:
            return False
        digest = digest_for(tenant=tenant, membership=membership, now=now)
        if digest.is_empty:
            return False
        text, html = digest_render(digest)
        message_schedule(
            tenant=tenant,
            channel=MessageChannel.EMAIL,
            source=MessageSource.STAFF,
            idempotency_key=f"digest:{membership.pk}:{day.isoformat()}",
            recipient_user=membership.user,
            subject=digest.subject,
            body_text=text,
            body_html=html,
            now=now,
        )
    return True


def members_due(*, tenant: Tenant, now: dt.datetime | None = None) -> list[Membership]:
    """Active members whose local clock is past the digest hour (within the window) and whose
    digest of their local day has not gone yet."""
    now = now or timezone.now()
    hour = follow_up_settings_get(tenant=tenant).digest_hour
    members = Membership.objects.filter(
        tenant=tenant, is_active=True, user__is_active=True
    ).select_related("user", "tenant")
    due: dict[tuple[int, dt.date], Membership] = {}
    for membership in members:
        zone = member_zone(membership)
        day = now.astimezone(zone).date()
        starts = _local_moment(day, hour, zone)
        if starts <= now < starts + DIGEST_WINDOW:
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


def digests_send_due(*, tenant: Tenant, now: dt.datetime | None = None) -> int:
    """The sweep: every member due gets their digest. Returns how many emails were scheduled."""
    now = now or timezone.now()
    return sum(
        digest_send(tenant=tenant, membership=membership, now=now)
        for membership in members_due(tenant=tenant, now=now)
    )
