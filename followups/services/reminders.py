"""Reminders of follow-ups: one row per (follow-up, offset, channel), each sent exactly once.

The rows follow their follow-up (scheduled with it, moved with it, cancelled when it is done).
Sending — the sweep that claims due rows with SKIP LOCKED and the task that sends one — is below.

How "exactly once" holds (as in the outbox, messaging/services/outbox.py):
- a reminder is one row, unique per (follow-up, offset, channel);
- the sweep claims due rows with FOR UPDATE SKIP LOCKED (two sweeps never claim the same row) and
  marks them queued; a queued row whose task was lost is claimed again after QUEUED_LEASE;
- sending locks the row (SKIP LOCKED: a second worker with the same row moves on), re-checks it is
  still queued and still wanted, delivers it and marks it sent in one transaction. The delivery is
  a row in that transaction too (the in-app notification, or the outbox message that carries the
  email or SMS), so a worker killed mid-send rolls both back and the row is claimed again.
"""

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from crm.kit.claims import claim_due_rows
from crm.kit.formatting import short_datetime
from crm.kit.languages import staff_language
from crm.kit.stored_text import stored_english, stored_message, stored_render, stored_split
from crm.models import NotificationLevel, Tenant, User
from crm.services.notifications import notification_create
from followups.models import QUEUED_LEASE, FollowUp, Reminder, ReminderChannel, ReminderStatus
from messaging.models import MessageChannel, MessageSource
from messaging.services.outbox import message_schedule

CLAIM_BATCH = 1000
# At most this many of a tenant's reminders wait in the broker at once: each sweep tops them up to
# it. A burst (every reminder of the morning at 08:45) then drains within the lease (3,000 in
# five minutes needs 10 sends/s) instead of being claimed again while its tasks still wait; with
# beat's 15 s it allows 200 sends/s per tenant.
MOST_IN_FLIGHT = 3000


def reminders_schedule(*, follow_up: FollowUp, reminders: Iterable[tuple[int, str]]) -> list:
    """(minutes before, channel) pairs; repeats and unknown channels are ignored."""
    made = []
    for offset, channel in dict.fromkeys((int(o), c) for o, c in reminders):
        if channel not in ReminderChannel.values or offset < 0:
            continue
        reminder, _ = Reminder.objects.get_or_create(
            tenant_id=follow_up.tenant_id,
            follow_up=follow_up,
            offset_minutes=offset,
            channel=channel,
            defaults={"remind_at": follow_up.scheduled_at - dt.timedelta(minutes=offset)},
        )
        made.append(reminder)
    return made


def reminders_reschedule(*, follow_up: FollowUp) -> int:
    """Unsent reminders move with their follow-up (and may go again if it moved later)."""
    moved = 0
    for reminder in Reminder.objects.filter(
        tenant_id=follow_up.tenant_id, follow_up=follow_up
    ).exclude(status=ReminderStatus.QUEUED):
        remind_at = follow_up.scheduled_at - dt.timedelta(minutes=reminder.offset_minutes)
        sent_at = reminder.sent_at
        if reminder.status == ReminderStatus.SENT and sent_at and remind_at <= sent_at:
            continue
        reminder.remind_at = remind_at
        reminder.status = ReminderStatus.PENDING
        reminder.sent_at = None
        reminder.save(update_fields=["remind_at", "status", "sent_at"])
        moved += 1
    return moved


def reminders_cancel(*, follow_up: FollowUp) -> int:
    return reminders_cancel_many(tenant_id=follow_up.tenant_id, follow_up_ids=[follow_up.pk])


def reminders_cancel_many(*, tenant_id: int, follow_up_ids: list[int]) -> int:
    """Cancel the unsent reminders of these follow-ups in one statement (a sweep's batch)."""
    return Reminder.objects.filter(
        tenant_id=tenant_id,
        follow_up_id__in=follow_up_ids,
        status__in=(ReminderStatus.PENDING, ReminderStatus.QUEUED),
    ).update(status=ReminderStatus.CANCELLED)


def reminders_replace(*, follow_up: FollowUp, reminders: Iterable[tuple[int, str]]) -> None:
    """Make the follow-up's unsent reminders exactly these (a series edited as a whole): new ones
    are added, dropped ones deleted (not cancelled: moving the follow-up would bring those back),
    cancelled ones wanted again come back."""
    wanted = {(int(o), c) for o, c in reminders if c in ReminderChannel.values and int(o) >= 0}
    existing = {
        (reminder.offset_minutes, reminder.channel): reminder
        for reminder in Reminder.objects.filter(tenant_id=follow_up.tenant_id, follow_up=follow_up)
    }
    for key, reminder in existing.items():
        if key not in wanted and reminder.status in (
            ReminderStatus.PENDING,
            ReminderStatus.CANCELLED,
        ):
            reminder.delete()
        elif key in wanted and reminder.status == ReminderStatus.CANCELLED:
            reminder.status = ReminderStatus.PENDING
            reminder.remind_at = follow_up.scheduled_at - dt.timedelta(minutes=key[0])
            reminder.sent_at = None
            reminder.save(update_fields=["status", "remind_at", "sent_at"])
    reminders_schedule(follow_up=follow_up, reminders=sorted(wanted - existing.keys()))


# --- Claiming and sending -------------------------------------------------------------------------


def reminders_claim_due(
    *, tenant: Tenant, now: dt.datetime | None = None, limit: int = MOST_IN_FLIGHT
) -> list[int]:
    """Mark due reminders queued and return their ids (the caller enqueues a send task for each).

    Also reclaims rows queued longer than QUEUED_LEASE ago whose task never ran (a broker outage,
    a worker killed before it started). Takes no more than tops the tenant's queued rows up to
    `limit`. Rows another transaction holds are skipped, not waited for.
    """
    now = now or timezone.now()
    claim = partial(
        claim_due_rows,
        model=Reminder,
        tenant_id=tenant.pk,
        queued=ReminderStatus.QUEUED,
        now=now,
    )
    with transaction.atomic(), connection.cursor() as cursor:
        ids = claim(
            cursor,
            status=ReminderStatus.QUEUED,
            column="queued_at",
            up_to=now - QUEUED_LEASE,
            limit=CLAIM_BATCH,
        )
        in_flight = Reminder.objects.filter(
            tenant=tenant, status=ReminderStatus.QUEUED, queued_at__gt=now - QUEUED_LEASE
        ).count()
        room = max(0, limit - in_flight)
        while room:
            batch = claim(
                cursor,
                status=ReminderStatus.PENDING,
                column="remind_at",
                up_to=now,
                limit=min(room, CLAIM_BATCH),
            )
            ids += batch
            room -= len(batch)
            if len(batch) < CLAIM_BATCH:
                break
    return ids


LEAD_TIME_UNITS = (
    (24 * 60, gettext_noop("in %(count)s day"), gettext_noop("in %(count)s days")),
    (60, gettext_noop("in %(count)s hour"), gettext_noop("in %(count)s hours")),
)


def _lead_time_message(minutes: int) -> dict:
    """How long before the follow-up a reminder goes, as people say it (a stored message: the
    bell shows it in the reader's language)."""
    if minutes == 0:
        return stored_message(gettext_noop("now"))
    for size, one, many in LEAD_TIME_UNITS:
        if minutes % size == 0:
            count = minutes // size
            return stored_message(one if count == 1 else many, count=count)
    if minutes > 60:
        return stored_message(
            gettext_noop("in %(hours)s h %(minutes)s min"),
            hours=minutes // 60,
            minutes=minutes % 60,
        )
    return stored_message(gettext_noop("in %(minutes)s min"), minutes=minutes)


def _lead_time(minutes: int) -> str:
    return stored_english(*stored_split(_lead_time_message(minutes)))


def _wording(reminder: Reminder) -> tuple[dict, str, str]:
    """(title as a stored message, when and with whom, the follow-up's path) in the assignee's
    own time zone."""
    follow_up = reminder.follow_up
    user = follow_up.assignee.user
    local = short_datetime(follow_up.scheduled_at, user_zone(user, follow_up.tenant))
    title = stored_message(
        gettext_noop("%(type)s %(when)s: %(subject)s"),
        type=follow_up.type.name,
        when=_lead_time_message(reminder.offset_minutes),
        subject=follow_up.subject,
    )
    detail = f"{follow_up.contact.display_name}, {local}"
    path = reverse("followups:detail", kwargs={"follow_up_pk": follow_up.pk})
    return title, detail, path


def user_zone(user: User, tenant: Tenant) -> zoneinfo.ZoneInfo:
    """A member's own time zone, else their team's."""
    return zoneinfo.ZoneInfo(user.time_zone) if user.time_zone else tenant.zone


def _deliver(reminder: Reminder, now: dt.datetime) -> None:
    """The delivery, written in the caller's transaction: the bell, or an outbox message."""
    follow_up = reminder.follow_up
    tenant, user = follow_up.tenant, follow_up.assignee.user
    message, detail, path = _wording(reminder)
    title, title_params = stored_split(message)
    body, body_params = detail, None
    channel = reminder.channel
    if channel == ReminderChannel.SMS and not user.phone:
        # Better the bell than nothing: the reminder still reaches them, and says why.
        channel = ReminderChannel.IN_APP
        body = gettext_noop("%(detail)s (an SMS reminder: add your mobile number to your profile)")
        body_params = {"detail": detail}
    if channel == ReminderChannel.IN_APP:
        notification_create(
            tenant=tenant,
            recipient=user,
            title=title,
            title_params=title_params,
            body=body,
            body_params=body_params,
            url=path,
            level=NotificationLevel.INFO,
            kind="follow_up_due",
        )
        return
    link = settings.THREADLINE_SITE_URL.rstrip("/") + path
    with translation.override(staff_language(user, tenant)):  # in the assignee's language
        title = stored_render(stored_english(title, title_params), message)
    message_schedule(
        tenant=tenant,
        channel=MessageChannel.EMAIL if channel == ReminderChannel.EMAIL else MessageChannel.SMS,
        source=MessageSource.STAFF,
        # With its time: a reminder that goes again after its follow-up moved is a new message.
        idempotency_key=f"reminder:{reminder.pk}:{int(reminder.remind_at.timestamp())}",
        recipient_user=user,
        subject=title,
        body_text=(
            f"{title}\n\n{detail}\n\n{link}"
            if channel == ReminderChannel.EMAIL
            else f"{title} — {detail} {link}"
        ),
        send_after=now,
        now=now,
    )


def reminder_send(*, tenant: Tenant, reminder_id: int, now: dt.datetime | None = None) -> str:
    """Send one queued reminder. Returns what happened: sent; cancelled (its follow-up is done,
    or over); postponed (its follow-up moved later while it was queued); or skipped (another
    worker has it, or it is no longer queued).

    An error in the delivery rolls everything back and leaves the row queued: it is claimed again
    after the lease, until it goes or its follow-up is over (then it is cancelled, above).
    """
    now = now or timezone.now()
    with transaction.atomic():
        reminder = (
            Reminder.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related(
                "follow_up__tenant",
                "follow_up__assignee__user",
                "follow_up__contact",
                "follow_up__type",
            )
            .filter(tenant=tenant, pk=reminder_id, status=ReminderStatus.QUEUED)
            .first()
        )
        if reminder is None:
            return "skipped"
        follow_up = reminder.follow_up
        ends_at = follow_up.scheduled_at + dt.timedelta(minutes=follow_up.duration_minutes)
        if not follow_up.is_open or ends_at <= now:
            reminder.status = ReminderStatus.CANCELLED
            reminder.save(update_fields=["status"])
            return "cancelled"
        due_at = follow_up.scheduled_at - dt.timedelta(minutes=reminder.offset_minutes)
        if due_at > now:
            # Moved later after the claim (rescheduling leaves queued rows to their task).
            reminder.status = ReminderStatus.PENDING
            reminder.remind_at = due_at
            reminder.queued_at = None
            reminder.save(update_fields=["status", "remind_at", "queued_at"])
            return "postponed"
        reminder.remind_at = due_at
        _deliver(reminder, now)
        reminder.status = ReminderStatus.SENT
        reminder.sent_at = now
        reminder.save(update_fields=["status", "remind_at", "sent_at"])
    return "sent"
