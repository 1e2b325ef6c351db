"""A member's private iCalendar feed of their follow-ups, for Google Calendar, Outlook and Apple
Calendar to subscribe to.

Calendar apps fetch the feed without a session, so the URL itself is the key:
`/followups/feed/<tenant id>-<secret>.ics`. The tenant id says which tenant's context to open
(row-level security needs one before CalendarFeed can be read); the 256-bit random secret is
looked up in that tenant only, so a token with another tenant's id finds nothing. Regenerating
revokes the old row and makes a new one: every calendar subscribed to the old URL stops updating.

This module is the feed's format: its URL and the iCalendar text (the feed rows are read in
followups.selectors.calendar_feed and written in followups.services.calendar_feed). Each follow-up
is a VEVENT whose UID never changes (calendars update the event in place when it moves), with
times in UTC, its reminders as VALARMs, and cancelled ones marked CANCELLED so subscribed
calendars drop them.
"""

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Alarm, Calendar, Event

from crm.models import Membership, Tenant
from followups.models import CalendarFeed, FollowUp, Priority, Status

REFRESH = dt.timedelta(hours=1)
ICAL_PRIORITY = {Priority.HIGH: 1, Priority.MEDIUM: 5, Priority.LOW: 9}


# --- The URL --------------------------------------------------------------------------------------


def feed_token(feed: CalendarFeed) -> str:
    return f"{feed.tenant_id}-{feed.token}"


def feed_url(feed: CalendarFeed) -> str:
    path = reverse("followups:feed-ics", kwargs={"token": feed_token(feed)})
    return settings.THREADLINE_SITE_URL.rstrip("/") + path


def webcal_url(feed: CalendarFeed) -> str:
    """The same URL for "subscribe" links: calendar apps open webcal:// themselves."""
    return "webcal://" + feed_url(feed).split("://", 1)[1]


# --- The calendar ---------------------------------------------------------------------------------


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
    *,
    tenant: Tenant,
    membership: Membership,
    follow_ups: Iterable[FollowUp],
    now: dt.datetime | None = None,
) -> bytes:
    """The feed as iCalendar bytes (RFC 5545), from the member's follow-ups (feed_follow_ups in
    followups.selectors.calendar_feed: contacts' emails and phones and the reminders prefetched)."""
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
    for follow_up in follow_ups:
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
