"""Writes of in-app notifications: creating them for members or roles, marking them read, purging old ones.

Repeated alerts are grouped: an alert of a group (by default its kind) for a recipient who already
has an unread notification of that group from their own today (in their time zone) joins it
instead of ringing the bell again. The notification's count and its items grow, its title becomes
the group's ("25 follow-ups were missed today") and it moves to the top. Email and SMS copies are
per notification, so a group gets one copy, not one per alert.
"""

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext_lazy

from crm.events import NotificationsCreated, publish
from crm.models import Notification, NotificationItem, NotificationLevel, Tenant, User

# The title of a group of `count` alerts, by group key (by default the kind). A key missing here
# reads "<latest alert> (and N more)".
GROUP_TITLES = {
    "lead_assigned": ngettext_lazy(
        "%(count)d new lead for you today", "%(count)d new leads for you today", "count"
    ),
    "lead_needs_owner": ngettext_lazy(
        "%(count)d new lead needs an owner", "%(count)d new leads need an owner", "count"
    ),
    "lead_stuck": ngettext_lazy(
        "%(count)d lead of yours is stuck in its stage",
        "%(count)d leads of yours are stuck in their stage",
        "count",
    ),
    "lead_untouched": ngettext_lazy(
        "%(count)d new lead has not been contacted",
        "%(count)d new leads have not been contacted",
        "count",
    ),
    "customer_replied": ngettext_lazy(
        "%(count)d customer reply today", "%(count)d customer replies today", "count"
    ),
    "payment_received": ngettext_lazy(
        "%(count)d payment received today", "%(count)d payments received today", "count"
    ),
    "ticket_assigned": ngettext_lazy(
        "%(count)d ticket assigned to you today", "%(count)d tickets assigned to you today", "count"
    ),
    "ticket_priority": ngettext_lazy(
        "%(count)d ticket of yours was raised in priority",
        "%(count)d tickets of yours were raised in priority",
        "count",
    ),
    "sla_breach": ngettext_lazy(
        "%(count)d ticket breached its SLA today",
        "%(count)d tickets breached their SLA today",
        "count",
    ),
    "follow_up_due": ngettext_lazy(
        "%(count)d follow-up is due", "%(count)d follow-ups are due", "count"
    ),
    "follow_up_missed": ngettext_lazy(
        "%(count)d follow-up was missed today", "%(count)d follow-ups were missed today", "count"
    ),
    "message_failed": ngettext_lazy(
        "%(count)d message could not be sent", "%(count)d messages could not be sent", "count"
    ),
}

LEVEL_ORDER = (NotificationLevel.INFO, NotificationLevel.WARNING, NotificationLevel.URGENT)


def group_title(key: str, count: int, latest_title: str) -> str:
    title = GROUP_TITLES.get(key)
    if title is None:
        return gettext("%(title)s (and %(more)d more)") % {
            "title": latest_title,
            "more": count - 1,
        }
    return title % {"count": count}


def _recipient_day_start(tenant: Tenant, recipient: User, now: dt.datetime) -> dt.datetime:
    zone = recipient.zone_in(tenant)
    local = now.astimezone(zone)
    return dt.datetime.combine(local.date(), dt.time(), tzinfo=zone)


def _deliver(
    *,
    tenant: Tenant,
    recipient: User,
    title: str,
    body: str,
    url: str,
    level: str,
    kind: str,
    group: str,
    now: dt.datetime,
) -> Notification:
    """A new notification, or the recipient's open group of the same key grown by one."""
    key = group or kind
    title, body = title[:200], body[:1000]
    if key:
        open_group = (
            Notification.objects.select_for_update()
            .filter(
                tenant=tenant,
                recipient=recipient,
                group_key=key,
                read_at__isnull=True,
                first_at__gte=_recipient_day_start(tenant, recipient, now),
            )
            .order_by("-created_at", "-id")
            .first()
        )
        if open_group is not None:
            return _grow(open_group, title=title, body=body, url=url, level=level, now=now)
    return Notification.objects.create(
        tenant=tenant,
        recipient=recipient,
        kind=kind,
        group_key=key,
        title=title,
        body=body,
        url=url,
        level=level,
        created_at=now,
        first_at=now if key else None,
    )


def _grow(
    notification: Notification, *, title: str, body: str, url: str, level: str, now: dt.datetime
) -> Notification:
    if notification.count == 1:
        # The first alert becomes the group's first item.
        NotificationItem.objects.create(
            tenant_id=notification.tenant_id,
            notification=notification,
            title=notification.title,
            body=notification.body,
            url=notification.url,
            created_at=notification.first_at or notification.created_at,
        )
    NotificationItem.objects.create(
        tenant_id=notification.tenant_id,
        notification=notification,
        title=title,
        body=body,
        url=url,
        created_at=now,
    )
    notification.count += 1
    notification.title = group_title(notification.group_key, notification.count, title)[:200]
    notification.body = gettext("Latest: %(title)s") % {"title": title}
    notification.body = notification.body[:1000]
    if LEVEL_ORDER.index(level) > LEVEL_ORDER.index(notification.level):
        notification.level = level
    notification.created_at = now
    notification.save(update_fields=["count", "title", "body", "level", "created_at"])
    return notification


@transaction.atomic
def notification_create(
    *,
    tenant: Tenant,
    recipient: User,
    title: str,
    body: str = "",
    url: str = "",
    level: str = NotificationLevel.INFO,
    kind: str = "",
    group: str = "",
) -> Notification:
    """Tell one member; `group` (default: the kind) is what repeated alerts are grouped by."""
    notification = _deliver(
        tenant=tenant,
        recipient=recipient,
        title=title,
        body=body,
        url=url,
        level=level,
        kind=kind,
        group=group,
        now=timezone.now(),
    )
    _announce_notifications(tenant, [notification])
    return notification


@transaction.atomic
def notifications_notify_roles(
    *,
    tenant: Tenant,
    roles: Iterable[str],
    title: str,
    body: str = "",
    url: str = "",
    level: str = NotificationLevel.INFO,
    kind: str = "",
    group: str = "",
) -> list[Notification]:
    """Tell every active member with one of `roles` (e.g. all managers) about something."""
    recipients = User.objects.filter(
        memberships__tenant=tenant, memberships__role__in=list(roles), memberships__is_active=True
    ).order_by("pk")
    now = timezone.now()
    notifications = [
        _deliver(
            tenant=tenant,
            recipient=user,
            title=title,
            body=body,
            url=url,
            level=level,
            kind=kind,
            group=group,
            now=now,
        )
        for user in recipients
    ]
    _announce_notifications(tenant, notifications)
    return notifications


def _announce_notifications(tenant: Tenant, notifications: list[Notification]) -> None:
    ids = [notification.pk for notification in notifications if notification.kind]
    if ids:
        transaction.on_commit(
            lambda: publish(NotificationsCreated(tenant=tenant, notification_ids=ids))
        )


def notification_mark_read(*, tenant: Tenant, user: User, notification_id: int) -> Notification:
    notification = Notification.objects.get(tenant=tenant, recipient=user, pk=notification_id)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, tenant: Tenant, user: User) -> int:
    return Notification.objects.filter(tenant=tenant, recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def notifications_purge_read(*, tenant: Tenant, read_before) -> int:
    """Read notifications older than `read_before` go; unread ones stay until someone reads them."""
    deleted, _ = Notification.objects.filter(tenant=tenant, read_at__lt=read_before).delete()
    return deleted
