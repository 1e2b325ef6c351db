"""Staff notifications beyond the bell: a member who asked for a kind of notification by email or
SMS gets a copy through the outbox (the same policy, retries and record as customer messages).

One copy per notification, so a group of alerts (crm.services.notifications groups repeated ones)
is one email or text: a task of the messages queue (`messaging.tasks.schedule_staff_copies`) writes
it once the group's first transaction commits, listing every alert the group holds by then ("25
follow-ups were missed today" and the 25); alerts joining the group later the same day show under
the bell, not in another email.
"""

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from crm.kit.languages import staff_language
from crm.models import Notification, NotificationItem, Tenant
from crm.tenancy import tenant_context
from messaging.models import MessageChannel, StaffNotificationPreference
from messaging.services.outbox import StaffMessage, staff_messages_schedule

LISTED_IN_EMAIL = 50


def _link(notification: Notification) -> str:
    site = settings.THREADLINE_SITE_URL.rstrip("/")
    if notification.is_group:
        return site + reverse("notifications:detail", kwargs={"notification_pk": notification.pk})
    return site + notification.url if notification.url else ""


def _email_body(notification: Notification, link: str) -> str:
    """A group lists its first LISTED_IN_EMAIL alerts (`listed_items`, prefetched)."""
    if not notification.is_group:
        body = "\n\n".join(part for part in (notification.shown_body, link) if part)
        return f"{notification.shown_title}\n\n{body}"
    items: list[NotificationItem] = notification.listed_items  # type: ignore[attr-defined]  # prefetched
    site = settings.THREADLINE_SITE_URL.rstrip("/")
    lines = [notification.shown_title, ""]
    for item in items:
        lines.append(f"- {item.shown_title}" + (f": {item.shown_body}" if item.body else ""))
        if item.url:
            lines.append(f"  {site}{item.url}")
    if notification.count > len(items):
        lines.append(gettext("… and %(more)d more") % {"more": notification.count - len(items)})
    lines += ["", link]
    return "\n".join(lines)


def copies_schedule(*, tenant: Tenant, notification_ids: list[int]) -> int:
    """Runs after the notifications' transaction commits: opens its own. A few statements
    whatever the number of copies (a sweep's burst asks for one per member)."""
    with tenant_context(tenant), transaction.atomic():
        notifications = list(
            Notification.objects.filter(tenant=tenant, pk__in=notification_ids)
            .select_related("recipient")
            .prefetch_related(
                Prefetch(
                    "items",
                    NotificationItem.objects.filter(tenant=tenant).order_by("created_at", "pk")[
                        :LISTED_IN_EMAIL
                    ],
                    to_attr="listed_items",
                )
            )
        )
        preferences = {
            (pref.membership.user_id, pref.kind): pref
            for pref in StaffNotificationPreference.objects.filter(
                tenant=tenant,
                membership__user_id__in=[n.recipient_id for n in notifications],
                kind__in={n.kind for n in notifications},
            ).select_related("membership")
        }
        copies = []
        for notification in notifications:
            preference = preferences.get((notification.recipient_id, notification.kind))
            if preference is None:
                continue
            channels = [MessageChannel.EMAIL] * preference.by_email + [
                MessageChannel.SMS
            ] * preference.by_sms
            link = _link(notification)
            for channel in channels:
                # In the recipient's language, as the bell shows it.
                with translation.override(staff_language(notification.recipient, tenant)):
                    title = notification.shown_title
                    text = (
                        _email_body(notification, link)
                        if channel == MessageChannel.EMAIL
                        else f"{title} {link}".strip()
                    )
                copies.append(
                    StaffMessage(
                        recipient=notification.recipient,
                        channel=channel,
                        idempotency_key=f"notification:{notification.pk}:{channel}",
                        subject=title,
                        body_text=text,
                    )
                )
        return staff_messages_schedule(tenant=tenant, messages=copies) if copies else 0
