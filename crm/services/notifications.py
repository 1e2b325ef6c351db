"""Writes of in-app notifications: creating them for members or roles, marking them read, purging old ones."""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from crm.events import NotificationsCreated, publish
from crm.models import Notification, NotificationLevel, Tenant, User


def notification_create(
    *,
    tenant: Tenant,
    recipient: User,
    title: str,
    body: str = "",
    url: str = "",
    level: str = NotificationLevel.INFO,
    kind: str = "",
) -> Notification:
    notification = Notification.objects.create(
        tenant=tenant,
        recipient=recipient,
        kind=kind,
        title=title[:200],
        body=body[:1000],
        url=url,
        level=level,
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
) -> list[Notification]:
    """Tell every active member with one of `roles` (e.g. all managers) about something."""
    recipients = User.objects.filter(
        memberships__tenant=tenant, memberships__role__in=list(roles), memberships__is_active=True
    )
    notifications = Notification.objects.bulk_create(
        Notification(
            tenant=tenant,
            recipient=user,
            kind=kind,
            title=title[:200],
            body=body[:1000],
            url=url,
            level=level,
        )
        for user in recipients
    )
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
