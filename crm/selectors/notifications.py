"""Reads of a member's notifications."""

from django.db.models import Prefetch

from crm.models import Notification, NotificationItem, Tenant, User
from crm.pagination import KeysetPage, keyset_page

NOTIFICATIONS_IN_BELL = 8
ITEMS_INLINE = 25  # a group's items listed on the notifications page; its own page lists all


def _with_items(queryset):
    return queryset.prefetch_related(
        Prefetch("items", queryset=NotificationItem.objects.order_by("-created_at", "-id"))
    )


def notifications_for_user(
    *, tenant: Tenant, user: User, after: str | None = None, per_page: int = 30
) -> KeysetPage:
    notifications = _with_items(Notification.objects.filter(tenant=tenant, recipient=user))
    return keyset_page(notifications, order=("-created_at", "-id"), after=after, per_page=per_page)


def notification_bell(*, tenant: Tenant, user: User) -> tuple[int, list[Notification]]:
    """The unread count and the latest few, for the header bell."""
    mine = Notification.objects.filter(tenant=tenant, recipient=user)
    unread = mine.filter(read_at__isnull=True).count()
    latest = list(mine.order_by("-created_at", "-id")[:NOTIFICATIONS_IN_BELL])
    return unread, latest


def notification_group(*, tenant: Tenant, user: User, notification_id: int) -> Notification:
    """One of the member's notifications with every alert of its group, latest first."""
    return _with_items(Notification.objects.filter(tenant=tenant, recipient=user)).get(
        pk=notification_id
    )
