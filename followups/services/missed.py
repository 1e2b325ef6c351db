"""The missed sweep: an open follow-up whose time has passed without it being done becomes missed,
once, and its assignee and their managers hear about it.

A follow-up is missed once its slot is over (its time plus its duration, at least MIN_GRACE), so a
call that runs a little late is not flagged while it happens. One somebody started (in progress)
gets STARTED_GRACE more: they are on it, and are only told if it was left started. Rescheduling a
missed follow-up brings it back to pending (follow_up_reschedule), after which it can be missed
again at its new time.
"""

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.db.models import DateTimeField, DurationField, ExpressionWrapper, F, Func, Q
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from crm.kit.claims import lock_due_rows
from crm.kit.formatting import short_datetime
from crm.kit.stored_text import stored_date
from crm.models import Membership, NotificationLevel, Role, Tenant
from crm.services.notifications import Alert, notifications_create_many
from crm.services.timeline import timeline_event, timeline_record_many
from followups.models import MIN_GRACE, STARTED_GRACE, FollowUp, Status
from followups.services.followups import leads_next_follow_up_refresh
from followups.services.reminders import reminders_cancel_many, user_zone

# Follow-ups marked missed in one call: each is a few writes and a notification or more (about
# 40 ms on the loaded 2-core bench box), so a batch holds a worker for seconds; the beat task
# continues a full batch in a follow-up task (followups.tasks.sweep_missed_follow_ups).
SWEEP_BATCH = 100
# Missed follow-ups group in one bell item per recipient and day (a morning after an outage must
# not bury anyone in notifications).
MISSED_GROUP = "follow_up_missed"

_ends_at = ExpressionWrapper(
    F("scheduled_at")
    + Func(
        F("duration_minutes"),
        template="make_interval(mins => %(expressions)s)",
        output_field=DurationField(),
    ),
    output_field=DateTimeField(),
)
_missed_after = Greatest(
    _ends_at, ExpressionWrapper(F("scheduled_at") + MIN_GRACE, DateTimeField())
)


def follow_ups_mark_missed(
    *, tenant: Tenant, now: dt.datetime | None = None, limit: int = SWEEP_BATCH
) -> int:
    """Mark the tenant's open follow-ups past their time missed; tell the people. Returns how many.

    Rows another transaction holds (being completed or moved right now) are skipped, not waited
    for: the next sweep sees them as they are then. Idempotent: a missed follow-up is not open.
    """
    now = now or timezone.now()
    with transaction.atomic():
        # The index on open follow-ups by time narrows it (due_field); the slot's end decides.
        follow_ups = lock_due_rows(
            FollowUp.objects.select_related("assignee__user", "contact", "lead")
            .filter(tenant=tenant, status__in=(Status.PENDING, Status.IN_PROGRESS))
            .alias(missed_after=_missed_after)
            .filter(
                Q(status=Status.PENDING, missed_after__lte=now)
                | Q(status=Status.IN_PROGRESS, missed_after__lte=now - STARTED_GRACE)
            ),
            due_field="scheduled_at",
            up_to=now - MIN_GRACE,
            limit=limit,
        )
        if not follow_ups:
            return 0
        ids = [follow_up.pk for follow_up in follow_ups]
        FollowUp.objects.filter(tenant=tenant, pk__in=ids).update(
            status=Status.MISSED, missed_at=now, updated_at=now
        )
        # A batch's statements, not each follow-up's: after an outage every tenant has dozens.
        reminders_cancel_many(tenant_id=tenant.pk, follow_up_ids=ids)
        for follow_up in follow_ups:
            follow_up.status, follow_up.missed_at = Status.MISSED, now
        timeline_record_many(
            timeline_event(
                tenant=tenant,
                kind="follow_up.missed",
                summary=gettext_noop("Follow-up “%(subject)s” missed: it was due %(when)s"),
                params={
                    "subject": follow_up.subject,
                    "when": stored_date(
                        timezone.localtime(follow_up.scheduled_at, tenant.zone),
                        "weekday_month_day_clock",
                    ),
                },
                contact=follow_up.contact,
                lead=follow_up.lead,
                detail={"follow_up": follow_up.pk},
                occurred_at=now,
            )
            for follow_up in follow_ups
        )
        leads_next_follow_up_refresh(
            tenant=tenant, lead_ids={f.lead_id for f in follow_ups if f.lead_id}
        )
        _alert(tenant, follow_ups)
    return len(follow_ups)


def _alert(tenant: Tenant, follow_ups: list[FollowUp]) -> None:
    """The assignee about each one; the managers (the admins where there is no manager) about
    each rep's. Repeated alerts group in one notification per recipient and day ("25 follow-ups
    were missed today", crm.services.notifications), so a burst is one bell item with its list."""
    alerts = [
        Alert(
            recipient=follow_up.assignee.user,
            title=gettext_noop("Missed follow-up: %(subject)s"),
            title_params={"subject": follow_up.subject},
            body=gettext_noop(
                "%(name)s, was due %(when)s. Reschedule it or record what came of it."
            ),
            body_params={
                "name": follow_up.contact.display_name,
                "when": _local(tenant, follow_up, follow_up.assignee.user),
            },
            url=_detail(follow_up),
            level=NotificationLevel.WARNING,
            kind="follow_up_due",
            group=MISSED_GROUP,
        )
        for follow_up in follow_ups
    ]
    leaders = list(
        Membership.objects.filter(
            tenant=tenant, role__in=(Role.MANAGER, Role.ADMIN), is_active=True
        ).select_related("user")
    )
    by_assignee: dict[Membership, list[FollowUp]] = defaultdict(list)
    for follow_up in follow_ups:
        by_assignee[follow_up.assignee].append(follow_up)
    for assignee, missed in by_assignee.items():
        others = [m for m in leaders if m.user_id != assignee.user_id]
        told = [m for m in others if m.role == Role.MANAGER] or [
            m for m in others if m.role == Role.ADMIN
        ]
        name = assignee.user.full_name or assignee.user.email
        alerts += [
            Alert(
                recipient=leader.user,
                title=gettext_noop("%(name)s missed a follow-up: %(subject)s"),
                title_params={"name": name, "subject": follow_up.subject},
                body=gettext_noop("%(name)s, was due %(when)s."),
                body_params={
                    "name": follow_up.contact.display_name,
                    "when": _local(tenant, follow_up, leader.user),
                },
                url=_detail(follow_up),
                level=NotificationLevel.WARNING,
                kind="follow_up_due",
                group=MISSED_GROUP,
            )
            for leader in told
            for follow_up in missed
        ]
    notifications_create_many(tenant=tenant, alerts=alerts)


def _local(tenant: Tenant, follow_up: FollowUp, user) -> str:
    return short_datetime(follow_up.scheduled_at, user_zone(user, tenant))


def _detail(follow_up: FollowUp) -> str:
    return reverse("followups:detail", kwargs={"follow_up_pk": follow_up.pk})
