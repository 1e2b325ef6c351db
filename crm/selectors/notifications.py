"""Reads of a member's notifications."""

from crm.models import Notification, Tenant, User
from crm.pagination import KeysetPage, keyset_page

NOTIFICATIONS_IN_BELL = 8


def notifications_for_user(
    *, tenant: Tenant, user: User, after: str | None = None, per_page: int = 30
) -> KeysetPage:
    notifications = Notification.objects.filter(tenant=tenant, recipient=user)
    return keyset_page(notifications, order=("-created_at", "-id"), after=after, per_page=per_page)


def notification_bell(*, tenant: Tenant, user: User) -> tuple[int, list[Notification]]:
    """The unread count and the latest few, for the header bell."""
    mine = Notification.objects.filter(tenant=tenant, recipient=user)
    unread = mine.filter(read_at__isnull=True).count()
    latest = list(mine.order_by("-created_at", "-id")[:NOTIFICATIONS_IN_BELL])
    return unread, latest
