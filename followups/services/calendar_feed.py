"""Writes of the members' private calendar feeds: make one, revoke it, regenerate its URL."""

import datetime as dt
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from crm.models import Membership, Tenant
from followups.models import CalendarFeed
from followups.selectors.calendar_feed import calendar_feed_live


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


@transaction.atomic
def calendar_feed_create(*, tenant: Tenant, membership: Membership) -> CalendarFeed:
    """The member's live feed, made if they have none."""
    existing = calendar_feed_live(tenant=tenant, membership=membership)
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return CalendarFeed.objects.create(
                tenant=tenant, membership=membership, token=_new_secret()
            )
    except IntegrityError:  # a double click: the other request made it
        return CalendarFeed.objects.get(
            tenant=tenant, membership=membership, revoked_at__isnull=True
        )


@transaction.atomic
def calendar_feed_revoke(
    *, tenant: Tenant, membership: Membership, now: dt.datetime | None = None
) -> int:
    """Cut off every calendar subscribed to the member's current URL."""
    return CalendarFeed.objects.filter(
        tenant=tenant, membership=membership, revoked_at__isnull=True
    ).update(revoked_at=now or timezone.now())


@transaction.atomic
def calendar_feed_regenerate(*, tenant: Tenant, membership: Membership) -> CalendarFeed:
    """A new URL; the old one stops working at once."""
    calendar_feed_revoke(tenant=tenant, membership=membership)
    return calendar_feed_create(tenant=tenant, membership=membership)
