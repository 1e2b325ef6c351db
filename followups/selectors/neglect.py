"""Reads of neglect: which leads are live, when a contact was last touched, the candidates the
sweep (followups.services.neglect) checks, and the flags the pages show (the lead page, the lead
list, the digest, the dashboard)."""

import datetime as dt
from collections.abc import Iterable

from django.db.models import Exists, F, Max, OuterRef, Q

from crm.models import Membership, Tenant
from followups.models import FollowUp, NeglectFlag, Status
from leads.models import Lead, LeadStatus
from messaging.models import OutboundMessage
from tickets.models import Direction, TicketMessage

LIVE_STATUSES = (LeadStatus.OPEN, LeadStatus.WON)


def live_leads(tenant: Tenant):
    return Lead.objects.filter(
        tenant=tenant, status__in=LIVE_STATUSES, stage__isnull=False, stage__is_terminal=False
    )


# --- Touches --------------------------------------------------------------------------------------


def _max_by_contact(queryset, contact_field: str, at_field: str) -> dict[int, dt.datetime]:
    rows = (
        queryset.values(who=F(contact_field))
        .annotate(at=Max(at_field))
        .order_by()
        .values_list("who", "at")
    )
    return {contact_id: at for contact_id, at in rows if at is not None}


def contact_touches(*, tenant: Tenant, contact_ids: Iterable[int]) -> dict[int, dt.datetime]:
    """The latest touch of each contact on any channel (three queries, each on an index of the
    contact's rows)."""
    ids = sorted(set(contact_ids))
    if not ids:
        return {}
    found = [
        _max_by_contact(
            FollowUp.objects.filter(tenant=tenant, contact_id__in=ids, status=Status.COMPLETED),
            "contact_id",
            "completed_at",
        ),
        _max_by_contact(
            OutboundMessage.objects.filter(
                tenant=tenant, contact_id__in=ids, sent_at__isnull=False
            ),
            "contact_id",
            "sent_at",
        ),
        _max_by_contact(
            TicketMessage.objects.filter(
                tenant=tenant, ticket__contact_id__in=ids, direction=Direction.OUTBOUND
            ),
            "ticket__contact_id",
            "sent_at",
        ),
    ]
    latest: dict[int, dt.datetime] = {}
    for touches in found:
        for contact_id, at in touches.items():
            if contact_id not in latest or at > latest[contact_id]:
                latest[contact_id] = at
    return latest


def lead_last_touch(lead: Lead, contact_touch: dt.datetime | None, now: dt.datetime):
    """The lead's last touch from its own fields and its contact's latest touch."""
    moments = [lead.last_activity_at, lead.last_outbound_at, contact_touch]
    if lead.appointment_at is not None and lead.appointment_at <= now:
        moments.append(lead.appointment_at)
    return max((at for at in moments if at is not None), default=lead.created_at)


# --- Candidates and flags -------------------------------------------------------------------------


def neglect_candidates(*, tenant: Tenant, stage_id: int, cutoff: dt.datetime, now: dt.datetime):
    """Live leads of one stage whose own fields say nobody touched them since `cutoff` and that
    have no open flag, oldest in the stage first. One range scan of lead_stage_aging (tenant,
    stage, stage_entered_at); the open-flag check is a probe of neglect_flag_one_open."""
    open_flag = NeglectFlag.objects.filter(
        tenant=tenant,
        contact_id=OuterRef("contact_id"),
        lead_id=OuterRef("pk"),
        cleared_at__isnull=True,
    )
    return (
        Lead.objects.filter(
            tenant=tenant,
            stage_id=stage_id,
            status__in=LIVE_STATUSES,
            stage_entered_at__lte=cutoff,
        )
        .filter(Q(last_activity_at__isnull=True) | Q(last_activity_at__lte=cutoff))
        .filter(Q(last_outbound_at__isnull=True) | Q(last_outbound_at__lte=cutoff))
        .filter(
            Q(appointment_at__isnull=True)
            | Q(appointment_at__lte=cutoff)
            | Q(appointment_at__gt=now)
        )
        .exclude(Exists(open_flag))
        .order_by("stage_entered_at", "id")
    )


def open_neglect_flags(*, tenant: Tenant):
    return NeglectFlag.objects.filter(tenant=tenant, cleared_at__isnull=True)


# A lead's largest columns, which no list of neglected customers (nor the digest) shows: not read.
LEAD_FIELDS_NOT_SHOWN = ("search_vector", "assignment_decision")


def _showing(tenant: Tenant):
    """Open flags whose lead is not lost and has not visibly been touched since: a call logged, a
    message sent, the neglect follow-up done or the lead marked lost hides the badge at once,
    before the next sweep clears the flag."""
    not_done = [status for status in Status.values if status != Status.COMPLETED]
    return open_neglect_flags(tenant=tenant).filter(
        Q(lead__isnull=True)
        | (
            Q(lead__status__in=LIVE_STATUSES)
            & (
                Q(lead__last_activity_at__isnull=True)
                | Q(lead__last_activity_at__lte=F("flagged_at"))
            )
            & (
                Q(lead__last_outbound_at__isnull=True)
                | Q(lead__last_outbound_at__lte=F("flagged_at"))
            )
        ),
        Q(follow_up__isnull=True) | Q(follow_up__status__in=not_done),
    )


def neglect_flags_showing(*, tenant: Tenant):
    """Every flag the pages show (the dashboard counts them per rep)."""
    return _showing(tenant)


def lead_is_neglected(*, tenant: Tenant) -> Exists:
    """Whether the outer query's lead is flagged as neglected (what neglected_lead_ids answers),
    as a column of that query: a list page reads its leads and their flags in one statement."""
    return Exists(_showing(tenant).filter(lead_id=OuterRef("pk")))


def neglected_lead_ids(*, tenant: Tenant, lead_ids: Iterable[int]) -> set[int]:
    """Which of these leads are flagged as neglected (one query, for a page of a list)."""
    ids = list(lead_ids)
    if not ids:
        return set()
    return set(_showing(tenant).filter(lead_id__in=ids).values_list("lead_id", flat=True))


def neglect_flag_for_lead(*, tenant: Tenant, lead_id: int) -> NeglectFlag | None:
    return (
        _showing(tenant)
        .filter(lead_id=lead_id)
        .select_related("owner__user", "follow_up")
        .order_by("-flagged_at")
        .first()
    )


def neglect_flags_for(
    *,
    tenant: Tenant,
    membership: Membership | None = None,
    team: bool = False,
    limit: int = 20,
) -> tuple[list[NeglectFlag], int]:
    """A member's neglected customers (`team`, a manager's view: the team's already escalated),
    the first `limit` oldest first, and how many there are."""
    flags = _showing(tenant).filter(lead__isnull=False)
    if team:
        flags = flags.filter(manager_alerted_at__isnull=False)
    else:
        flags = flags.filter(owner=membership)
    shown = list(
        flags.select_related("lead__contact", "owner__user")
        .defer(*(f"lead__{name}" for name in LEAD_FIELDS_NOT_SHOWN))
        .order_by("last_touch_at", "pk")[:limit]
    )
    # Counted only when the list is full: most members have fewer, and a digest round runs
    # this for each of them.
    return shown, len(shown) if len(shown) < limit else flags.count()
