"""The webhook outbox: rows written inside the event's transaction, claimed by a sweep, each
POSTed by a task, retried with backoff, and the endpoint disabled when it keeps failing.

Exactly once per (endpoint, event): the row's `event_key` is unique per endpoint, so a replayed
event writes nothing new. The receiver sees the same `webhook-id` on every attempt of a row; an
attempt whose worker died after the POST but before its transaction committed is made again
after the lease (receivers deduplicate on `webhook-id`, as the Standard Webhooks spec asks).

Retries: after a failed attempt the next waits RETRY_DELAYS (5 s, 5 min, 30 min, 2 h, 5 h, 10 h,
10 h): eight attempts over about 27½ hours, then the delivery has failed. Auto-disable: an
endpoint whose delivery fails its last attempt with no 2xx from the endpoint since that
delivery's first attempt (`consecutive_failures` reached MAX_ATTEMPTS) has failed everything for
27½ hours: it is disabled, and the tenant's admins are told under the bell and by email.
"""

import datetime as dt
import logging
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm.kit.claims import claim_due_rows
from crm.kit.languages import staff_language
from crm.kit.stored_text import stored_columns, stored_message, stored_translated
from crm.models import NotificationLevel, Role, Tenant, User
from crm.permissions import ADMINS
from crm.services.notifications import notifications_notify_roles
from messaging.models import MessageChannel, MessageSource
from messaging.services.outbox import message_schedule
from webhooks import signing, targets, transport
from webhooks.models import QUEUED_LEASE, DeliveryStatus, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

RETRY_DELAYS = (
    dt.timedelta(seconds=5),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=5),
    dt.timedelta(hours=10),
    dt.timedelta(hours=10),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
CLAIM_BATCH = 200
ATTEMPTS_LOGGED = MAX_ATTEMPTS
# The delivery log keeps a month: long enough to look into a receiver's trouble.
LOG_KEPT = dt.timedelta(days=30)
FINISHED = (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED, DeliveryStatus.CANCELLED)


def deliveries_schedule(
    *, tenant: Tenant, event_type: str, event_key: str, body: str, endpoints, now=None
) -> None:
    """One row per endpoint, due now, inside the caller's transaction (one INSERT); an event
    already scheduled for an endpoint (the same key) is left as it is."""
    now = now or timezone.now()
    WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                tenant=tenant,
                endpoint=endpoint,
                event_type=event_type,
                event_key=event_key,
                body=body,
                send_after=now,
                created_at=now,
            )
            for endpoint in endpoints
        ],
        ignore_conflicts=True,
    )


def deliveries_claim_due(
    *, tenant: Tenant, now: dt.datetime | None = None, limit: int = CLAIM_BATCH
) -> list[int]:
    """Mark due rows queued and return their ids (the caller queues a send task for each), and
    reclaim rows queued longer than QUEUED_LEASE whose task never ran."""
    now = now or timezone.now()
    claim = partial(
        claim_due_rows,
        model=WebhookDelivery,
        tenant_id=tenant.pk,
        limit=limit,
        queued=DeliveryStatus.QUEUED,
        now=now,
    )
    with transaction.atomic(), connection.cursor() as cursor:
        ids = claim(cursor, status=DeliveryStatus.SCHEDULED, column="send_after", up_to=now)
        ids += claim(
            cursor, status=DeliveryStatus.QUEUED, column="queued_at", up_to=now - QUEUED_LEASE
        )
    return ids


def delivery_send(*, tenant: Tenant, delivery_id: int, now: dt.datetime | None = None) -> str:
    """POST one queued delivery. What happened: delivered, retry, failed, cancelled, or skipped
    (another worker has it, or it is no longer queued)."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint")
            .filter(tenant=tenant, pk=delivery_id, status=DeliveryStatus.QUEUED)
            .first()
        )
        if delivery is None:
            return "skipped"
        endpoint = delivery.endpoint
        if not endpoint.is_enabled:
            delivery.status = DeliveryStatus.CANCELLED
            delivery.save(update_fields=["status"])
            return "cancelled"
        answer, error = _attempt(delivery, endpoint)
        now = now or timezone.now()
        if answer is not None and 200 <= answer.status < 300:
            _record_success(delivery, endpoint, answer, now)
            return "delivered"
        return _record_failure(tenant, delivery, endpoint, answer, error, now)


def _attempt(delivery: WebhookDelivery, endpoint: WebhookEndpoint):
    """(answer, None) when the receiver answered, (None, why) when it could not be reached."""
    try:
        target = targets.target_of(endpoint.url)
        address = targets.resolve(target)
    except ValidationError as error:
        return None, transport.TransportError(error.messages[0], 0)
    except targets.UnsafeTarget as error:
        return None, transport.TransportError(str(error), 0)
    now = timezone.now()
    headers = signing.headers(
        secrets=endpoint.signing_secrets(now),
        webhook_id=delivery.webhook_id,
        timestamp=int(now.timestamp()),
        body=delivery.body,
    )
    try:
        answer = transport.post(
            target=target,
            address=address,
            headers=headers,
            body=delivery.body,
            timeout=getattr(settings, "WEBHOOKS_TIMEOUT_SECONDS", transport.TIMEOUT_SECONDS),
        )
    except transport.TransportError as error:
        return None, error
    return answer, None


def _log_attempt(delivery: WebhookDelivery, now: dt.datetime, **fields) -> None:
    delivery.attempts += 1
    delivery.last_attempt_at = now
    entry = {"at": now.isoformat(), **fields}
    delivery.attempt_log = [*delivery.attempt_log, entry][-ATTEMPTS_LOGGED:]


def _record_success(delivery, endpoint, answer: transport.Answer, now: dt.datetime) -> None:
    _log_attempt(delivery, now, status_code=answer.status, duration_ms=answer.duration_ms)
    delivery.status = DeliveryStatus.DELIVERED
    delivery.delivered_at = now
    delivery.last_status_code = answer.status
    delivery.last_duration_ms = answer.duration_ms
    delivery.last_error = ""
    delivery.save()
    WebhookEndpoint.objects.filter(tenant_id=endpoint.tenant_id, pk=endpoint.pk).update(
        consecutive_failures=0, failing_since=None, last_success_at=now
    )


def _failure_text(answer: transport.Answer | None, error: Exception | None) -> str:
    if answer is None:
        return str(error)[:500]
    if 300 <= answer.status < 400:
        where = answer.location or _("no Location")
        return (_("Redirect to %(where)s not followed") % {"where": where})[:500]
    return (f"HTTP {answer.status}: {answer.body_head}")[:500]


def _record_failure(tenant, delivery, endpoint, answer, error, now: dt.datetime) -> str:
    why = _failure_text(answer, error)
    duration = answer.duration_ms if answer is not None else getattr(error, "duration_ms", None)
    _log_attempt(
        delivery,
        now,
        status_code=answer.status if answer is not None else None,
        duration_ms=duration,
        error=why[:300],
    )
    delivery.last_status_code = answer.status if answer is not None else None
    delivery.last_duration_ms = duration
    delivery.last_error = why
    WebhookEndpoint.objects.filter(tenant_id=endpoint.tenant_id, pk=endpoint.pk).update(
        consecutive_failures=F("consecutive_failures") + 1,
        failing_since=Coalesce(F("failing_since"), now),
    )
    if delivery.attempts < MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.SCHEDULED
        delivery.send_after = now + RETRY_DELAYS[delivery.attempts - 1]
        delivery.save()
        return "retry"
    delivery.status = DeliveryStatus.FAILED
    delivery.save()
    endpoint.refresh_from_db(fields=["consecutive_failures", "failing_since", "is_enabled"])
    if endpoint.is_enabled and endpoint.consecutive_failures >= MAX_ATTEMPTS:
        endpoint_disable_failing(tenant=tenant, endpoint=endpoint, now=now)
    return "failed"


def deliveries_cancel_waiting(*, tenant: Tenant, endpoint: WebhookEndpoint) -> int:
    """The endpoint was disabled: what waits for it will not be sent (enabling it again starts
    from the next event). The last attempt's error stays, to show why."""
    return WebhookDelivery.objects.filter(
        tenant=tenant, endpoint=endpoint, status=DeliveryStatus.SCHEDULED
    ).update(status=DeliveryStatus.CANCELLED)


def deliveries_purge_old(*, tenant: Tenant, now: dt.datetime | None = None) -> int:
    """Finished deliveries older than LOG_KEPT leave the log; how many went."""
    cutoff = (now or timezone.now()) - LOG_KEPT
    deleted, _by_model = WebhookDelivery.objects.filter(
        tenant=tenant, status__in=FINISHED, created_at__lt=cutoff
    ).delete()
    return deleted


def endpoint_disable_failing(
    *, tenant: Tenant, endpoint: WebhookEndpoint, now: dt.datetime | None = None
) -> None:
    """Disable an endpoint that keeps failing and tell the admins: under the bell, and by email
    through the outbox (once per disabling)."""
    now = now or timezone.now()
    since = endpoint.failing_since or now
    # Disabled after MAX_ATTEMPTS failures in a row: the count is never 1, no plural needed.
    reason_msgid = gettext_noop(
        "Disabled automatically: %(count)d delivery attempts in a row failed, the first at "
        "%(since)s."
    )
    values = {"count": endpoint.consecutive_failures, "since": f"{since:%Y-%m-%d %H:%M} UTC"}
    reason = stored_message(reason_msgid, **values)
    text, params = stored_columns(reason)
    WebhookEndpoint.objects.filter(tenant=tenant, pk=endpoint.pk).update(
        is_enabled=False, disabled_at=now, disabled_reason=text[:300], disabled_reason_params=params
    )
    deliveries_cancel_waiting(tenant=tenant, endpoint=endpoint)
    endpoint.is_enabled, endpoint.disabled_at = False, now
    endpoint.disabled_reason, endpoint.disabled_reason_params = text, params
    page = reverse("webhooks-settings:endpoint", kwargs={"endpoint_pk": endpoint.pk})
    title_msgid = gettext_noop("Webhook disabled: %(url)s")
    body_msgid = gettext_noop(
        "%(reason)s Nothing more is sent to it. Fix the receiver, then enable the endpoint "
        "again in Settings → Webhooks; the log shows each attempt's answer."
    )
    # Under the bell and by email it reads in each admin's language (crm.kit.stored_text).
    notifications_notify_roles(
        tenant=tenant,
        roles=ADMINS,
        title=title_msgid,
        title_params={"url": endpoint.url},
        body=body_msgid,
        body_params={"reason": reason},
        url=page,
        level=NotificationLevel.WARNING,
    )
    link = settings.THREADLINE_SITE_URL.rstrip("/") + page
    admins = User.objects.filter(
        memberships__tenant=tenant, memberships__role=Role.ADMIN, memberships__is_active=True
    ).order_by("pk")
    for admin in admins:
        with translation.override(staff_language(admin, tenant)):
            subject = stored_translated(stored_message(title_msgid, url=endpoint.url))
            body_text = stored_translated(stored_message(body_msgid, reason=reason))
        message_schedule(
            tenant=tenant,
            channel=MessageChannel.EMAIL,
            source=MessageSource.STAFF,
            idempotency_key=f"webhook-disabled:{endpoint.pk}:{now.isoformat()}:{admin.pk}",
            recipient_user=admin,
            subject=subject[:300],
            body_text=f"{body_text}\n\n{link}",
            now=now,
        )
    logger.warning("Webhook endpoint %s disabled after repeated failures", endpoint.pk)
