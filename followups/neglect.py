"""Neglect ("rotting") detection: live leads nobody has touched for too long.

A lead is live while it is open, or won with its job still running (a stage that is not
terminal): its customer is waiting on us either way. Its last touch is the latest of
- `Lead.last_activity_at`, which the lead services move on every logged call, follow-up done,
  quote sent, stage move and note: someone worked the lead;
- `Lead.last_outbound_at`, which the outbox moves when a message to the customer is sent;
- `Lead.appointment_at` once it has passed: a meeting was held;
- for the lead's contact, whatever the channel or lead: the latest completed follow-up
  (`FollowUp.completed_at`), the latest customer message sent (`OutboundMessage.sent_at`), and the
  latest outbound ticket message, logged calls included (`TicketMessage.sent_at`, direction out).

The sweep (hourly) finds the candidates with indexed range scans only: per stage, live leads that
entered it before the stage's cutoff (index lead_stage_aging; entering a stage moves
last_activity_at, so a lead that entered later cannot be neglected), with no open flag. The
contact-wide touches are then read for a batch of candidates at a time. A flagged lead gets a
high-priority follow-up for its owner (keyed by the flag, so a rerun makes none twice); still
untouched `manager_alert_after_days` later, the managers hear about it. A touch clears the flag
(the sweep checks every open flag; the badge hides at once when the lead itself was touched).
"""

import datetime as dt
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, Max, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from crm.models import Membership, NotificationLevel, Role, Tenant
from crm.services import notifications_notify_roles, timeline_record
from followups import services
from followups.configuration import follow_up_settings_get, neglect_thresholds
from followups.models import OPEN_STATUSES, FollowUp, NeglectFlag, Priority, Source, Status
from leads.models import Lead, LeadStatus
from messaging.models import OutboundMessage
from tickets.models import Direction, TicketMessage

BATCH_SIZE = 500
# A tenant that switches neglect on with years of untouched leads gets them spread over a few
# runs rather than thousands of follow-ups in one go.
MAX_FLAGS_PER_RUN = 1000
LIVE_STATUSES = (LeadStatus.OPEN, LeadStatus.WON)
NOTIFICATION_KIND = "lead_untouched"  # members who want untouched-lead alerts by email get these


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


# --- The sweep ------------------------------------------------------------------------------------


def neglect_sweep(*, tenant: Tenant, now: dt.datetime | None = None) -> int:
    """Clear the flags of touched leads, flag the newly neglected ones, tell the managers about
    the flags that stayed untouched. Returns how many flags were raised."""
    now = now or timezone.now()
    neglect_flags_clear(tenant=tenant, now=now)
    raised = neglect_flags_raise(tenant=tenant, now=now)
    neglect_alert_managers(tenant=tenant, now=now)
    return raised


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


def neglect_flags_raise(*, tenant: Tenant, now: dt.datetime | None = None) -> int:
    """Flag the live leads untouched for their stage's threshold (at most MAX_FLAGS_PER_RUN)."""
    now = now or timezone.now()
    raised = 0
    # Terminal and lost stages have no threshold: their leads never rot.
    for stage_id, days in sorted(neglect_thresholds(tenant=tenant).items()):
        cutoff = now - dt.timedelta(days=days)
        candidates = neglect_candidates(
            tenant=tenant, stage_id=stage_id, cutoff=cutoff, now=now
        ).select_related("contact", "owner__user")
        after = None
        while raised < MAX_FLAGS_PER_RUN:
            page = candidates
            if after is not None:
                # Keyset on (stage_entered_at, id), written as a range the index can scan.
                page = page.filter(stage_entered_at__gte=after[0]).exclude(
                    stage_entered_at=after[0], id__lte=after[1]
                )
            batch = list(page[:BATCH_SIZE])
            if not batch:
                break
            after = (batch[-1].stage_entered_at, batch[-1].pk)
            touches = contact_touches(
                tenant=tenant, contact_ids=[lead.contact_id for lead in batch]
            )
            for lead in batch:
                last_touch = lead_last_touch(lead, touches.get(lead.contact_id), now)
                if last_touch > cutoff or raised >= MAX_FLAGS_PER_RUN:
                    continue
                if _raise(tenant, lead, last_touch, now) is not None:
                    raised += 1
            if len(batch) < BATCH_SIZE:
                break
    return raised


def _days_since(then: dt.datetime, now: dt.datetime) -> int:
    return max((now - then).days, 0)


def _raise(tenant: Tenant, lead: Lead, last_touch: dt.datetime, now: dt.datetime):
    """Flag one lead and give its owner a high-priority follow-up (an unowned lead goes to the
    managers at once: nobody else would notice it)."""
    try:
        with transaction.atomic():
            flag = NeglectFlag.objects.create(
                tenant=tenant,
                contact=lead.contact,
                lead=lead,
                owner=lead.owner,
                last_touch_at=last_touch,
                flagged_at=now,
            )
    except IntegrityError:
        return None  # flagged at this moment by another sweep
    days = _days_since(last_touch, now)
    name = lead.contact.display_name
    owner = lead.owner if lead.owner is not None and lead.owner.is_active else None
    if owner is not None:
        flag.follow_up = services.follow_up_create(
            tenant=tenant,
            actor=None,
            subject=f"Get back in touch with {name}"[:200],
            description=(
                f"Nobody has contacted {name} about {lead.reference} for {days} days "
                f"(last touch {timezone.localtime(last_touch, tenant.zone):%b %-d}). "
                "Call, write or meet them; any touch clears the flag."
            ),
            contact=lead.contact,
            lead=lead,
            assignee=owner,
            scheduled_at=now,
            priority=Priority.HIGH,
            type=services.follow_up_type_get(tenant=tenant, key="call"),
            reminders=[(0, "in_app")],
            source=Source.NEGLECT,
            key=f"neglect:{flag.pk}",
        )
        flag.save(update_fields=["follow_up"])
    else:
        _alert_managers(tenant, flag, lead, days, "nobody owns this lead")
        flag.manager_alerted_at = now
        flag.save(update_fields=["manager_alerted_at"])
    timeline_record(
        tenant=tenant,
        kind="lead.neglected",
        summary=f"No contact for {days} days: flagged as neglected",
        lead=lead,
        occurred_at=now,
        detail={"neglect_flag": flag.pk, "last_touch_at": last_touch.isoformat()},
    )
    return flag


def _alert_managers(tenant: Tenant, flag: NeglectFlag, lead: Lead, days: int, who: str) -> None:
    notifications_notify_roles(
        tenant=tenant,
        roles=[Role.MANAGER, Role.ADMIN],
        title=f"Not contacted for {days} days: {lead.contact.display_name} ({who})",
        body="This customer has not been contacted; check on the rep.",
        url=reverse("leads:detail", kwargs={"lead_pk": lead.pk}),
        level=NotificationLevel.URGENT,
        kind=NOTIFICATION_KIND,
    )


def _open_flags(tenant: Tenant):
    return NeglectFlag.objects.filter(tenant=tenant, cleared_at__isnull=True)


def neglect_flags_clear(*, tenant: Tenant, now: dt.datetime | None = None) -> int:
    """Clear the open flags whose lead was touched since (or closed, or lost): their open
    neglect follow-up is no longer needed and is cancelled."""
    now = now or timezone.now()
    cleared = 0
    after = 0
    while True:
        batch = list(
            _open_flags(tenant)
            .filter(pk__gt=after)
            .select_related("lead__stage", "follow_up")
            .order_by("pk")[:BATCH_SIZE]
        )
        if not batch:
            break
        after = batch[-1].pk
        touches = contact_touches(tenant=tenant, contact_ids=[flag.contact_id for flag in batch])
        for flag in batch:
            lead = flag.lead
            if lead is None:
                continue
            live = lead.status in LIVE_STATUSES and lead.stage and not lead.stage.is_terminal
            touched = lead_last_touch(lead, touches.get(flag.contact_id), now) > flag.flagged_at
            if live and not touched:
                continue
            neglect_flag_clear(
                tenant=tenant,
                flag=flag,
                now=now,
                reason="The customer was contacted." if live else "The lead is closed.",
            )
            cleared += 1
    return cleared


@transaction.atomic
def neglect_flag_clear(
    *, tenant: Tenant, flag: NeglectFlag, now: dt.datetime | None = None, reason: str = ""
) -> None:
    now = now or timezone.now()
    updated = NeglectFlag.objects.filter(tenant=tenant, pk=flag.pk, cleared_at__isnull=True).update(
        cleared_at=now
    )
    if not updated:
        return
    follow_up = flag.follow_up
    if follow_up is not None and follow_up.status in (*OPEN_STATUSES, Status.MISSED):
        services.follow_up_cancel(tenant=tenant, actor=None, follow_up=follow_up, reason=reason)
    if flag.lead_id is not None:
        timeline_record(
            tenant=tenant,
            kind="lead.neglect_cleared",
            summary="No longer neglected" + (f": {reason.rstrip('.').lower()}" if reason else ""),
            lead=flag.lead,
            occurred_at=now,
            detail={"neglect_flag": flag.pk},
        )


def neglect_alert_managers(*, tenant: Tenant, now: dt.datetime | None = None) -> int:
    """Flags still open `manager_alert_after_days` after they were raised: the managers are told
    ("this customer has not been contacted; check on the rep"), once per flag."""
    now = now or timezone.now()
    config = follow_up_settings_get(tenant=tenant)
    due = now - dt.timedelta(days=config.manager_alert_after_days)
    alerted = 0
    flags = (
        _open_flags(tenant)
        .filter(flagged_at__lte=due, manager_alerted_at__isnull=True, lead__isnull=False)
        .select_related("lead__contact", "owner__user")
        .order_by("flagged_at", "pk")
    )
    for flag in flags[:MAX_FLAGS_PER_RUN]:
        rep = flag.owner.user.full_name if flag.owner else "no owner"
        days = _days_since(flag.last_touch_at or flag.flagged_at, now)
        _alert_managers(tenant, flag, flag.lead, days, rep)
        NeglectFlag.objects.filter(tenant=tenant, pk=flag.pk).update(manager_alerted_at=now)
        alerted += 1
    return alerted


# --- Reads (the lead page, the lead list, the digest) ----------------------------------------------


def _showing(tenant: Tenant):
    """Open flags whose lead is not lost and has not visibly been touched since: a call logged, a
    message sent, the neglect follow-up done or the lead marked lost hides the badge at once,
    before the next sweep clears the flag."""
    not_done = [status for status in Status.values if status != Status.COMPLETED]
    return _open_flags(tenant).filter(
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
    *, tenant: Tenant, membership: Membership, team: bool = False, limit: int = 20
) -> tuple[list[NeglectFlag], int]:
    """A member's neglected customers (a manager's `team` view: those already escalated), the
    first `limit` oldest first, and how many there are."""
    flags = _showing(tenant).filter(lead__isnull=False)
    if team:
        flags = flags.filter(manager_alerted_at__isnull=False)
    else:
        flags = flags.filter(owner=membership)
    total = flags.count()
    shown = list(
        flags.select_related("lead__contact", "owner__user").order_by("last_touch_at", "pk")[:limit]
    )
    return shown, total
