"""Staff notifications beyond the bell: a member who asked for a kind of notification by email or
SMS gets a copy through the outbox (the same policy, retries and record as customer messages)."""

from django.conf import settings
from django.db import transaction

from crm.models import Notification, Tenant
from crm.tenancy import tenant_context
from messaging.models import MessageChannel, MessageSource, StaffNotificationPreference
from messaging.services.outbox import message_schedule


def copies_schedule(*, tenant: Tenant, notification_ids: list[int]) -> int:
    """Runs after the notifications' transaction commits: opens its own."""
    with tenant_context(tenant), transaction.atomic():
        notifications = list(
            Notification.objects.filter(tenant=tenant, pk__in=notification_ids).select_related(
                "recipient"
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
        scheduled = 0
        for notification in notifications:
            preference = preferences.get((notification.recipient_id, notification.kind))
            if preference is None:
                continue
            channels = [MessageChannel.EMAIL] * preference.by_email + [
                MessageChannel.SMS
            ] * preference.by_sms
            for channel in channels:
                link = settings.THREADLINE_SITE_URL.rstrip("/") + notification.url
                body = "\n\n".join(
                    part for part in (notification.body, link if notification.url else "") if part
                )
                message_schedule(
                    tenant=tenant,
                    channel=channel,
                    source=MessageSource.STAFF,
                    idempotency_key=f"notification:{notification.pk}:{channel}",
                    recipient_user=notification.recipient,
                    subject=notification.title,
                    body_text=(
                        f"{notification.title}\n\n{body}"
                        if channel == MessageChannel.EMAIL
                        else f"{notification.title} {link if notification.url else ''}".strip()
                    ),
                )
                scheduled += 1
    return scheduled
