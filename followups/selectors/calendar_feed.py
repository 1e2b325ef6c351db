"""Reads of the members' private calendar feeds: a member's live feed, the feed a URL token names,
and the follow-ups a feed shows."""

import datetime as dt
import secrets

from django.db.models import Prefetch
from django.utils import timezone

from crm.models import ContactEmail, ContactPhone, Membership, Tenant
from crm.tenancy import tenant_context
from followups.models import CalendarFeed, FollowUp, Reminder, ReminderStatus

PAST = dt.timedelta(days=30)
AHEAD = dt.timedelta(days=365)
MAX_EVENTS = 2000


def calendar_feed_live(*, tenant: Tenant, membership: Membership) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(
        tenant=tenant, membership=membership, revoked_at__isnull=True
    ).first()


def calendar_feed_resolve(token: str) -> CalendarFeed | None:
    """The live feed a URL token names, with its tenant and member, or None for anything else (a
    token we never made, a revoked one, another tenant's, a member who left the team)."""
    tenant_part, _, secret = token.partition("-")
    if not tenant_part.isdigit() or not secret or len(secret) > 64:
        return None
    tenant = Tenant.objects.filter(pk=int(tenant_part)).first()
    if tenant is None:
        return None
    with tenant_context(tenant):
        feed = (
            CalendarFeed.objects.filter(
                tenant=tenant,
                token=secret,
                revoked_at__isnull=True,
                membership__is_active=True,
                membership__user__is_active=True,
            )
            .select_related("tenant", "membership__user")
            .first()
        )
    if feed is None or not secrets.compare_digest(feed.token.encode(), secret.encode()):
        return None
    return feed


def feed_follow_ups(
    *, tenant: Tenant, membership: Membership, now: dt.datetime | None = None
) -> list[FollowUp]:
    """The member's follow-ups from a month back to a year ahead, whatever their status."""
    now = now or timezone.now()
    return list(
        FollowUp.objects.filter(
            tenant=tenant,
            assignee=membership,
            scheduled_at__gte=now - PAST,
            scheduled_at__lt=now + AHEAD,
        )
        .select_related("contact", "lead", "type")
        .prefetch_related(
            Prefetch(
                "reminders",
                queryset=Reminder.objects.filter(tenant=tenant).exclude(
                    status=ReminderStatus.CANCELLED
                ),
            ),
            Prefetch(
                "contact__emails",
                queryset=ContactEmail.objects.filter(tenant=tenant).order_by("-is_primary", "id"),
            ),
            Prefetch(
                "contact__phones",
                queryset=ContactPhone.objects.filter(tenant=tenant).order_by("-is_primary", "id"),
            ),
        )
        .order_by("scheduled_at", "pk")[:MAX_EVENTS]
    )
