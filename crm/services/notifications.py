"""Writes of in-app notifications: creating them for members or roles, marking them read, purging old ones.

Repeated alerts are grouped: an alert of a group (by default its kind) for a recipient who already
has an unread notification of that group from their own today (in their time zone) joins it
instead of ringing the bell again. The notification's count and its items grow, its title becomes
the group's ("25 follow-ups were missed today") and it moves to the top. Email and SMS copies are
per notification, so a group gets one copy, not one per alert.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from crm.events import NotificationsCreated, publish
from crm.kit.stored_text import clipped, stored_english, stored_params
from crm.models import Notification, NotificationItem, NotificationLevel, Tenant, User
from crm.notification_groups import GROUP_TITLES, group_title

__all__ = [
    "GROUP_TITLES",
    "Alert",
    "notification_create",
    "notifications_create_many",
    "notifications_notify_roles",
]


def _stored(text: str, params: dict | None, limit: int) -> tuple[str, dict]:
    """(the English text, its params) of a title or body: `params` None means free text."""
    if params is None:
        return text[:limit], {}
    return clipped(stored_english(text, params), limit), stored_params(text, params)


def _nested(text: str, params: dict) -> str | dict:
    """A stored title as another message's value: its params if it has a msgid, else its text."""
    return params if params else text


LEVEL_ORDER = (NotificationLevel.INFO, NotificationLevel.WARNING, NotificationLevel.URGENT)


def _recipient_day_start(tenant: Tenant, recipient: User, now: dt.datetime) -> dt.datetime:
    zone = recipient.zone_in(tenant)
    local = now.astimezone(zone)
    return dt.datetime.combine(local.date(), dt.time(), tzinfo=zone)


@dataclass(frozen=True)
class Alert:
    """One alert for notifications_create_many: notification_create's arguments but the tenant."""

    recipient: User
    title: str
    body: str = ""
    title_params: dict | None = None
    body_params: dict | None = None
    url: str = ""
    level: str = NotificationLevel.INFO
    kind: str = ""
    group: str = ""


@dataclass(frozen=True)
class _Text:
    """An alert's texts as stored (crm.kit.stored_text), its link and level."""

    title: str
    title_params: dict
    body: str
    body_params: dict
    url: str
    level: str

    @classmethod
    def of(cls, alert: Alert) -> "_Text":
        title, title_params = _stored(alert.title, alert.title_params, 200)
        body, body_params = _stored(alert.body, alert.body_params, 1000)
        return cls(title, title_params, body, body_params, alert.url, alert.level)


def _open_groups(
    tenant: Tenant, wanted: set[tuple[User, str]], now: dt.datetime
) -> dict[tuple[int, str], Notification]:
    """Each (recipient, key)'s open group, locked: its latest unread notification of the key that
    began in the recipient's own today. One statement for the whole batch, not one a recipient."""
    if not wanted:
        return {}
    day_starts = {
        recipient.pk: _recipient_day_start(tenant, recipient, now) for recipient, _ in wanted
    }
    pairs = {(recipient.pk, key) for recipient, key in wanted}
    candidates = (
        Notification.objects.select_for_update()
        .filter(
            tenant=tenant,
            recipient_id__in=day_starts,
            group_key__in={key for _, key in pairs},
            read_at__isnull=True,
            first_at__gte=min(day_starts.values()),
        )
        .order_by("-created_at", "-id")
    )
    found: dict[tuple[int, str], Notification] = {}
    for notification in candidates:
        pair = (notification.recipient_id, notification.group_key)
        if (
            pair in pairs
            and pair not in found
            and notification.first_at is not None
            and notification.first_at >= day_starts[notification.recipient_id]
        ):
            found[pair] = notification
    return found


def _unsaved(
    tenant: Tenant, recipient: User, kind: str, key: str, text: _Text, now: dt.datetime
) -> Notification:
    return Notification(
        tenant=tenant,
        recipient=recipient,
        kind=kind,
        group_key=key,
        title=text.title,
        body=text.body,
        title_params=text.title_params,
        body_params=text.body_params,
        url=text.url,
        level=text.level,
        created_at=now,
        first_at=now if key else None,
    )


# What growing a group changes (_grow): the fields an open group's update writes.
_GROWN_FIELDS = ["count", "title", "body", "title_params", "body_params", "level", "created_at"]


def _grow(
    notification: Notification, texts: list[_Text], *, now: dt.datetime
) -> list[NotificationItem]:
    """Grow the group by the alerts, in memory: its count, title, latest text, level and time.
    The items to insert (the group's first alert too, when it had only that one)."""
    items = []
    if notification.count == 1:
        # The first alert becomes the group's first item.
        items.append(
            NotificationItem(
                tenant_id=notification.tenant_id,
                notification=notification,
                title=notification.title,
                body=notification.body,
                title_params=notification.title_params or {},
                body_params=notification.body_params or {},
                url=notification.url,
                created_at=notification.first_at or notification.created_at,
            )
        )
    items += [
        NotificationItem(
            tenant_id=notification.tenant_id,
            notification=notification,
            title=text.title,
            body=text.body,
            title_params=text.title_params,
            body_params=text.body_params,
            url=text.url,
            created_at=now,
        )
        for text in texts
    ]
    notification.count += len(texts)
    # Stored in English; read, the group's title is made again in the reader's language from
    # the count and the latest alert (Notification.shown_title), and so is "Latest: ...".
    last = texts[-1]
    latest = _nested(last.title, last.title_params)
    with translation.override("en"):
        notification.title = group_title(notification.group_key, notification.count, last.title)[
            :200
        ]
    notification.title_params = {"_group": notification.group_key, "latest": latest}
    notification.body, notification.body_params = _stored(
        gettext_noop("Latest: %(title)s"), {"title": latest}, 1000
    )
    notification.level = max(
        [notification.level, *(text.level for text in texts)], key=LEVEL_ORDER.index
    )
    notification.created_at = now
    return items


def notification_create(
    *,
    tenant: Tenant,
    recipient: User,
    title: str,
    body: str = "",
    title_params: dict | None = None,
    body_params: dict | None = None,
    url: str = "",
    level: str = NotificationLevel.INFO,
    kind: str = "",
    group: str = "",
) -> Notification:
    """Tell one member; `group` (default: the kind) is what repeated alerts are grouped by.

    With `title_params` (even empty) `title` is an English msgid marked with gettext_noop and
    the params its values: it reads in the recipient's language (crm.kit.stored_text); without,
    it is shown as given. The same for `body` and `body_params`."""
    alert = Alert(
        recipient=recipient,
        title=title,
        body=body,
        title_params=title_params,
        body_params=body_params,
        url=url,
        level=level,
        kind=kind,
        group=group,
    )
    (notification,) = notifications_create_many(tenant=tenant, alerts=[alert])
    return notification


@transaction.atomic
def notifications_create_many(*, tenant: Tenant, alerts: Iterable[Alert]) -> list[Notification]:
    """Many alerts at once (a sweep's batch): what notification_create called for each in turn
    would leave, with one statement to find and lock the open groups, one insert of the new
    notifications, one of the items and one update per group that was already open, instead of
    three statements an alert. The notifications made or grown, each once."""
    by_group: dict[tuple[int, str], tuple[Alert, list[_Text]]] = {}
    for alert in alerts:
        # The group's first alert names its kind, as the first notification_create would.
        _, texts = by_group.setdefault((alert.recipient.pk, alert.group or alert.kind), (alert, []))
        texts.append(_Text.of(alert))
    now = timezone.now()
    open_groups = _open_groups(
        tenant, {(first.recipient, key) for (_, key), (first, _) in by_group.items() if key}, now
    )
    notifications: list[Notification] = []
    new: list[Notification] = []
    grown: list[Notification] = []
    items: list[NotificationItem] = []
    for (recipient_id, key), (first, texts) in by_group.items():
        if not key:
            # Without a key (no group, no kind), one notification each.
            made = [_unsaved(tenant, first.recipient, first.kind, key, text, now) for text in texts]
            new += made
            notifications += made
            continue
        notification = open_groups.get((recipient_id, key))
        if notification is None:
            notification = _unsaved(tenant, first.recipient, first.kind, key, texts[0], now)
            new.append(notification)
            texts = texts[1:]
        else:
            grown.append(notification)
        if texts:
            items += _grow(notification, texts, now=now)
        notifications.append(notification)
    # The new notifications first: their items point at them.
    Notification.objects.bulk_create(new)
    NotificationItem.objects.bulk_create(items)
    for notification in grown:
        notification.save(update_fields=_GROWN_FIELDS)
    _announce_notifications(tenant, notifications)
    return notifications


def notifications_notify_roles(
    *,
    tenant: Tenant,
    roles: Iterable[str],
    title: str,
    body: str = "",
    title_params: dict | None = None,
    body_params: dict | None = None,
    url: str = "",
    level: str = NotificationLevel.INFO,
    kind: str = "",
    group: str = "",
) -> list[Notification]:
    """Tell every active member with one of `roles` (e.g. all managers) about something; the
    params as in notification_create."""
    recipients = User.objects.filter(
        memberships__tenant=tenant, memberships__role__in=list(roles), memberships__is_active=True
    ).order_by("pk")
    return notifications_create_many(
        tenant=tenant,
        alerts=[
            Alert(
                recipient=user,
                title=title,
                body=body,
                title_params=title_params,
                body_params=body_params,
                url=url,
                level=level,
                kind=kind,
                group=group,
            )
            for user in recipients
        ],
    )


def _announce_notifications(tenant: Tenant, notifications: list[Notification]) -> None:
    # A group grown by several alerts of the batch is announced once.
    ids = list(dict.fromkeys(n.pk for n in notifications if n.kind))
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
