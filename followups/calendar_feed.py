"""A member's private iCalendar feed of their follow-ups, for Google Calendar, Outlook and Apple
Calendar to subscribe to.

Calendar apps fetch the feed without a session, so the URL itself is the key:
`/followups/feed/<tenant id>-<secret>.ics`. The tenant id says which tenant's context to open
(row-level security needs one before CalendarFeed can be read); the 256-bit random secret is
looked up in that tenant only, so a token with another tenant's id finds nothing. Regenerating
revokes the old row and makes a new one: every calendar subscribed to the old URL stops updating.

Each follow-up is a VEVENT whose UID never changes (calendars update the event in place when it
moves), with times in UTC, its reminders as VALARMs, and cancelled ones marked CANCELLED so
subscribed calendars drop them.
"""

import datetime as dt
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from icalendar import Alarm, Calendar, Event

from crm.models import ContactEmail, ContactPhone, Membership, Tenant
from crm.tenancy import tenant_context
from followups.models import (
    CalendarFeed,
    FollowUp,
    Priority,
    Reminder,
    ReminderStatus,
    Status,
)

PAST = dt.timedelta(days=30)
AHEAD = dt.timedelta(days=365)
MAX_EVENTS = 2000
REFRESH = dt.timedelta(hours=1)
ICAL_PRIORITY = {Priority.HIGH: 1, Priority.MEDIUM: 5, Priority.LOW: 9}


# --- The feed row and its URL ---------------------------------------------------------------------


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


def feed_token(feed: CalendarFeed) -> str:
    return f"{feed.tenant_id}-{feed.token}"


def feed_url(feed: CalendarFeed) -> str:
    path = reverse("followups:feed-ics", kwargs={"token": feed_token(feed)})
    return settings.THREADLINE_SITE_URL.rstrip("/") + path


def webcal_url(feed: CalendarFeed) -> str:
    """The same URL for "subscribe" links: calendar apps open webcal:// themselves."""
    return "webcal://" + feed_url(feed).split("://", 1)[1]


def calendar_feed_live(*, tenant: Tenant, membership: Membership) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(
        tenant=tenant, membership=membership, revoked_at__isnull=True
    ).first()


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


# --- The calendar ---------------------------------------------------------------------------------


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


def _summary(follow_up: FollowUp) -> str:
    prefix = {Status.COMPLETED: "✓ ", Status.MISSED: "Missed: "}.get(follow_up.status, "")
    return f"{prefix}{follow_up.subject} · {follow_up.contact.display_name}"


def _description(follow_up: FollowUp, link: str) -> str:
    contact = follow_up.contact
    emails = list(contact.emails.all())
    phones = list(contact.phones.all())
    lines = [f"{follow_up.type.name} with {contact.display_name}"]
    if phones:
        lines.append(f"Phone: {phones[0].number.as_international}")
    if emails:
        lines.append(f"Email: {emails[0].email}")
    if follow_up.lead is not None:
        lines.append(f"Lead: {follow_up.lead.reference}")
    if follow_up.description:
        lines += ["", follow_up.description]
    if follow_up.status == Status.COMPLETED and follow_up.outcome:
        lines += ["", f"Done: {follow_up.get_outcome_display()}"]
    lines += ["", f"Open in Threadline: {link}"]
    return "\n".join(lines)


def _uid(follow_up: FollowUp) -> str:
    return f"follow-up-{follow_up.tenant_id}-{follow_up.pk}@{settings.THREADLINE_MAIL_DOMAIN}"


def calendar_build(
    *, tenant: Tenant, membership: Membership, now: dt.datetime | None = None
) -> bytes:
    """The feed as iCalendar bytes (RFC 5545)."""
    now = now or timezone.now()
    site = settings.THREADLINE_SITE_URL.rstrip("/")
    calendar = Calendar()
    calendar.add("prodid", "-//Threadline//Follow-ups//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"Follow-ups · {tenant.name}")
    calendar.add("x-wr-caldesc", f"{membership.user.full_name}'s follow-ups in Threadline")
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", REFRESH)
    for follow_up in feed_follow_ups(tenant=tenant, membership=membership, now=now):
        link = site + reverse("followups:detail", kwargs={"follow_up_pk": follow_up.pk})
        starts = follow_up.scheduled_at.astimezone(dt.UTC)
        event = Event()
        event.add("uid", _uid(follow_up))
        event.add("dtstamp", now.astimezone(dt.UTC))
        event.add("created", follow_up.created_at.astimezone(dt.UTC))
        event.add("last-modified", follow_up.updated_at.astimezone(dt.UTC))
        event.add("dtstart", starts)
        event.add("dtend", starts + dt.timedelta(minutes=max(follow_up.duration_minutes, 5)))
        event.add("summary", _summary(follow_up))
        event.add("description", _description(follow_up, link))
        event.add("url", link)
        event.add("categories", [follow_up.type.name])
        event.add("priority", ICAL_PRIORITY.get(follow_up.priority, 5))
        event.add("status", "CANCELLED" if follow_up.status == Status.CANCELLED else "CONFIRMED")
        event.add("transp", "OPAQUE")
        if follow_up.is_open:
            offsets = sorted({reminder.offset_minutes for reminder in follow_up.reminders.all()})
            for offset in offsets:
                alarm = Alarm()
                alarm.add("action", "DISPLAY")
                alarm.add("description", follow_up.subject)
                alarm.add("trigger", -dt.timedelta(minutes=offset))
                event.add_component(alarm)
        calendar.add_component(event)
    return calendar.to_ical()
