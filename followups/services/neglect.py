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

The beat task runs the sweep in bounded steps (`neglect_sweep_step`: at most TASK_WRITES flags
cleared, raised or escalated, or CLEAR_READS open flags checked, a few seconds), each step a task
of its own, until a step finds nothing left (crm.tenancy.sweeps.More); `neglect_sweep` runs the
steps one after another. A round checks each open flag once: every step hands the next the flag
its check got to, so that a step never checks from the first open flag again: at a million leads
with 41,000 open flags a round's hundred steps take about 40 s of a worker, not 445.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from crm.kit.links import lead_page
from crm.kit.stored_text import stored_message
from crm.models import NotificationLevel, Role, Tenant
from crm.services.notifications import notifications_notify_roles
from crm.services.timeline import timeline_record
from followups.models import OPEN_STATUSES, NeglectFlag, Priority, Source, Status
from followups.selectors.configuration import follow_up_settings_get, neglect_thresholds
from followups.selectors.neglect import (
    LIVE_STATUSES,
    contact_touches,
    lead_last_touch,
    neglect_candidates,
    open_neglect_flags,
)
from followups.services.followups import follow_up_cancel, follow_up_create, follow_up_type_get
from leads.models import Lead

BATCH_SIZE = 500
# A tenant that switches neglect on with years of untouched leads gets them spread over a few
# hours rather than thousands of follow-ups in one go: at most this many new flags in any hour
# (counted from the flags themselves, so however many steps or runs raise them).
MAX_FLAGS_PER_HOUR = 1000
# Flags cleared, raised or escalated in one step of the sweep, each a few writes and a
# notification (about 40 ms on a loaded 2-core box): one step holds a worker for seconds, not
# the 13 s a million-lead tenant's 1,000 flags take in one task.
TASK_WRITES = 100
# Open flags one step checks for a touch at most (ten batches, about a second at a million leads).
CLEAR_READS = 10 * BATCH_SIZE
NOTIFICATION_KIND = "lead_untouched"  # members who want untouched-lead alerts by email get these
# Grouped apart from speed to lead's "new leads not contacted" (crm.notification_groups).
NOTIFICATION_GROUP = "lead_neglected"


# --- The sweep ------------------------------------------------------------------------------------


def neglect_sweep(*, tenant: Tenant, now: dt.datetime | None = None) -> int:
    """Clear the flags of touched leads, flag the newly neglected ones, tell the managers about
    the flags that stayed untouched: every step until none is left. Returns how many flags were
    raised."""
    now = now or timezone.now()
    raised = 0
    clear_after: int | None = 0
    while True:
        step = neglect_sweep_step(tenant=tenant, now=now, clear_after=clear_after)
        raised += step.raised
        if not step.more:
            return raised
        clear_after = step.clear_after


@dataclass(frozen=True)
class SweepStep:
    raised: int  # flags raised
    more: bool  # the step stopped at its limit: maybe work left for the next
    clear_after: int | None  # the open flag the next step's check goes on after; None: all checked


def neglect_sweep_step(
    *,
    tenant: Tenant,
    now: dt.datetime | None = None,
    limit: int | None = None,
    clear_after: int | None = 0,
) -> SweepStep:
    """One bounded step of the sweep: the open flags after `clear_after` checked (at most
    CLEAR_READS of them) and the touched ones cleared, then, once every open flag is checked
    (`clear_after` None), flags raised and escalated; at most `limit` (TASK_WRITES) flags cleared,
    raised and escalated in all."""
    now = now or timezone.now()
    limit = TASK_WRITES if limit is None else limit
    left = limit
    if clear_after is not None:
        cleared, clear_after = neglect_flags_clear(
            tenant=tenant, now=now, limit=limit, after=clear_after, reads=CLEAR_READS
        )
        left -= cleared
        if clear_after is not None or left <= 0:
            return SweepStep(0, True, clear_after)
    raised = neglect_flags_raise(tenant=tenant, now=now, limit=left)
    left -= raised
    if left <= 0:
        return SweepStep(raised, True, None)
    left -= neglect_alert_managers(tenant=tenant, now=now, limit=left)
    return SweepStep(raised, left <= 0, None)


def _raised_within_the_hour(tenant: Tenant, now: dt.datetime) -> int:
    return NeglectFlag.objects.filter(
        tenant=tenant, flagged_at__gt=now - dt.timedelta(hours=1), flagged_at__lte=now
    ).count()


def neglect_flags_raise(
    *, tenant: Tenant, now: dt.datetime | None = None, limit: int | None = None
) -> int:
    """Flag the live leads untouched for their stage's threshold: at most `limit`, and at most
    MAX_FLAGS_PER_HOUR with the tenant's others of the last hour. How many were raised."""
    now = now or timezone.now()
    most = MAX_FLAGS_PER_HOUR - _raised_within_the_hour(tenant, now)
    if limit is not None:
        most = min(most, limit)
    raised = 0
    # Terminal and lost stages have no threshold: their leads never rot.
    for stage_id, days in sorted(neglect_thresholds(tenant=tenant).items()):
        cutoff = now - dt.timedelta(days=days)
        candidates = neglect_candidates(
            tenant=tenant, stage_id=stage_id, cutoff=cutoff, now=now
        ).select_related("contact", "owner__user")
        after = None
        while raised < most:
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
                if last_touch > cutoff or raised >= most:
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
        flag.follow_up = follow_up_create(
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
            type=follow_up_type_get(tenant=tenant, key="call"),
            reminders=[(0, "in_app")],
            source=Source.NEGLECT,
            key=f"neglect:{flag.pk}",
        )
        flag.save(update_fields=["follow_up"])
    else:
        _alert_managers(
            tenant, flag, lead, days, stored_message(gettext_noop("nobody owns this lead"))
        )
        flag.manager_alerted_at = now
        flag.save(update_fields=["manager_alerted_at"])
    timeline_record(
        tenant=tenant,
        kind="lead.neglected",
        summary=gettext_noop("No contact for %(days)s days: flagged as neglected"),
        params={"days": days},
        lead=lead,
        occurred_at=now,
        detail={"neglect_flag": flag.pk, "last_touch_at": last_touch.isoformat()},
    )
    return flag


def _alert_managers(
    tenant: Tenant, flag: NeglectFlag, lead: Lead, days: int, who: str | dict
) -> None:
    notifications_notify_roles(
        tenant=tenant,
        roles=[Role.MANAGER, Role.ADMIN],
        title=gettext_noop("Not contacted for %(days)s days: %(name)s (%(who)s)"),
        title_params={"days": days, "name": lead.contact.display_name, "who": who},
        body=gettext_noop("This customer has not been contacted; check on the rep."),
        body_params={},
        url=lead_page(lead.pk),
        level=NotificationLevel.URGENT,
        kind=NOTIFICATION_KIND,
        group=NOTIFICATION_GROUP,
    )


def neglect_flags_clear(
    *,
    tenant: Tenant,
    now: dt.datetime | None = None,
    limit: int | None = None,
    after: int = 0,
    reads: int | None = None,
) -> tuple[int, int | None]:
    """Clear the open flags whose lead was touched since (or closed, or lost): their open
    neglect follow-up is no longer needed and is cancelled. The flags after `after` (a flag's
    id) are checked in id order until `limit` are cleared or `reads` checked. How many were
    cleared, and the last flag checked (None: every open flag to the last was checked)."""
    now = now or timezone.now()
    cleared = read = 0
    while (limit is None or cleared < limit) and (reads is None or read < reads):
        size = BATCH_SIZE if reads is None else min(BATCH_SIZE, reads - read)
        batch = list(
            open_neglect_flags(tenant=tenant)
            .filter(pk__gt=after)
            .select_related("lead__stage", "follow_up")
            .order_by("pk")[:size]
        )
        touches = contact_touches(tenant=tenant, contact_ids=[flag.contact_id for flag in batch])
        for flag in batch:
            if limit is not None and cleared >= limit:
                return cleared, after
            after = flag.pk
            read += 1
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
        if len(batch) < size:
            return cleared, None
    return cleared, after


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
        follow_up_cancel(tenant=tenant, actor=None, follow_up=follow_up, reason=reason)
    if flag.lead_id is not None:
        timeline_record(
            tenant=tenant,
            kind="lead.neglect_cleared",
            # The reason reads as the caller wrote it.
            summary=gettext_noop("No longer neglected: %(reason)s")
            if reason
            else gettext_noop("No longer neglected"),
            params={"reason": reason.rstrip(".").lower()} if reason else {},
            lead=flag.lead,
            occurred_at=now,
            detail={"neglect_flag": flag.pk},
        )


def neglect_alert_managers(
    *, tenant: Tenant, now: dt.datetime | None = None, limit: int = MAX_FLAGS_PER_HOUR
) -> int:
    """Flags still open `manager_alert_after_days` after they were raised: the managers are told
    ("this customer has not been contacted; check on the rep"), once per flag; at most `limit`."""
    now = now or timezone.now()
    config = follow_up_settings_get(tenant=tenant)
    due = now - dt.timedelta(days=config.manager_alert_after_days)
    alerted = 0
    flags = (
        open_neglect_flags(tenant=tenant)
        .filter(flagged_at__lte=due, manager_alerted_at__isnull=True, lead__isnull=False)
        .select_related("lead__contact", "owner__user")
        .order_by("flagged_at", "pk")
    )
    for flag in flags[:limit]:
        rep = flag.owner.user.full_name if flag.owner else "no owner"
        days = _days_since(flag.last_touch_at or flag.flagged_at, now)
        _alert_managers(tenant, flag, flag.lead, days, rep)
        NeglectFlag.objects.filter(tenant=tenant, pk=flag.pk).update(manager_alerted_at=now)
        alerted += 1
    return alerted
