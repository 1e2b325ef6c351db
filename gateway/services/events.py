"""The provider's events, from the webhook to the session they change, losing nothing on the way
(the shape of tickets.services.ingest, for payments).

1. Store (in the webhook's request, after the signature is verified with the tenant's own
   secret): the raw event goes into ProviderEvent under its tenant, unique on the provider's
   event id so a replay is a no-op, and a task is enqueued on commit. The provider gets its 200
   at once.
2. Process (in a worker): the event is locked (SKIP LOCKED), applied to its session and marked
   processed in one transaction; a failure rolls back and is retried with backoff.
3. Sweep (beat): events stored but not processed (broker down, worker killed) are processed.

Applying an event is idempotent and order-free: a session's state only moves forward (open →
paid, failed or expired; paid is final, as money arrived), the refunded total only grows to what
the provider reports, and a refund reported before the payment is kept and told after it.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from crm.events import publish
from crm.models import Tenant
from gateway.amounts import from_minor
from gateway.events import CheckoutFailed, CheckoutPaid, CheckoutRefunded
from gateway.models import (
    CheckoutSession,
    EventOutcome,
    EventStatus,
    PaymentAccount,
    ProviderEvent,
    SessionStatus,
)

logger = logging.getLogger(__name__)

SWEEP_GRACE = dt.timedelta(minutes=1)
MAX_ATTEMPTS = 8
RETRY_DELAYS = (1, 5, 15, 60, 180, 360, 720)  # minutes

SESSION_EVENTS = frozenset(
    {
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.async_payment_failed",
        "checkout.session.expired",
    }
)
REFUND_EVENTS = frozenset({"charge.refunded"})


# --- 1. Store ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stored:
    event_id: int
    created: bool


def _enqueue(tenant_id: int, event_id: int) -> None:
    from gateway.queued_tasks import process_provider_event

    def send():
        try:
            process_provider_event.apply_async((tenant_id, event_id), retry=False)
        except Exception:
            logger.warning("provider event %s left for the sweep: broker unreachable", event_id)

    transaction.on_commit(send)


def _without_nul(value):
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_without_nul(str(key)): _without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    return value


@transaction.atomic
def provider_event_store(
    *, tenant: Tenant, account: PaymentAccount, event: dict, enqueue: bool = True
) -> Stored:
    """A verified provider event, kept as it came. The same event id again is a no-op."""
    # jsonb refuses a NUL in a string (a 5xx, and the provider retrying for days): dropped.
    event = _without_nul(event)
    now = timezone.now()
    stored, created = ProviderEvent.objects.get_or_create(
        tenant=tenant,
        provider_event_id=str(event.get("id", ""))[:255],
        defaults={
            "account": account,
            "event_type": str(event.get("type", ""))[:100],
            "payload": event,
            "received_at": now,
            "next_attempt_at": now + SWEEP_GRACE,
        },
    )
    if created and enqueue:
        _enqueue(tenant.pk, stored.pk)
    return Stored(stored.pk, created)


# --- 2. Process ----------------------------------------------------------------------------------


def _object(event: ProviderEvent) -> dict:
    data = event.payload.get("data") or {}
    found = data.get("object") if isinstance(data, dict) else None
    return found if isinstance(found, dict) else {}


def _session_for(tenant: Tenant, event: ProviderEvent, obj: dict) -> CheckoutSession | None:
    """By the provider's session id, else our own id in its metadata, else the payment intent."""
    sessions = CheckoutSession.objects.select_for_update().filter(tenant=tenant)
    if event.event_type in SESSION_EVENTS and obj.get("id"):
        found = sessions.filter(provider_session_id=str(obj["id"])).first()
        if found is not None:
            return found
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    ours = str(
        (metadata or {}).get("threadline_session", "") or obj.get("client_reference_id") or ""
    )
    if len(ours) == 32:
        found = sessions.filter(public_id=ours).first()
        if found is not None:
            return found
    intent = obj.get("payment_intent")
    if isinstance(intent, str) and intent:
        return sessions.filter(provider_payment_intent=intent).first()
    return None


def _matches(session: CheckoutSession, obj: dict, amount_field: str) -> bool:
    amount, currency = obj.get(amount_field), str(obj.get("currency") or "").upper()
    if amount != session.amount_minor or currency != session.currency:
        logger.warning(
            "provider event refused for session %s: %s %s reported, %s %s expected",
            session.pk,
            amount,
            currency,
            session.amount_minor,
            session.currency,
        )
        return False
    return True


def _one_method(obj: dict) -> str:
    """The method paid with, when the session offered only one (a session lists every method it
    offered, not the one chosen)."""
    methods = obj.get("payment_method_types") or []
    return str(methods[0])[:32] if isinstance(methods, list) and len(methods) == 1 else ""


def _mark_paid(tenant: Tenant, session: CheckoutSession, obj: dict, now: dt.datetime) -> str:
    if session.status == SessionStatus.PAID:
        return EventOutcome.NO_CHANGE
    session.status = SessionStatus.PAID
    session.paid_at = now
    session.closed_at = None
    session.paid_with = session.paid_with or _one_method(obj)
    session.save(update_fields=["status", "paid_at", "closed_at", "paid_with"])
    publish(
        CheckoutPaid(
            tenant=tenant, session=session, amount=session.amount, currency=session.currency
        )
    )
    if session.amount_refunded:
        # A refund the provider reported before this payment: told now that it counts.
        publish(
            CheckoutRefunded(
                tenant=tenant,
                session=session,
                amount=session.amount_refunded,
                amount_refunded=session.amount_refunded,
                currency=session.currency,
            )
        )
    return EventOutcome.PAID


def _mark_closed(tenant: Tenant, session: CheckoutSession, reason: str, now: dt.datetime) -> str:
    """Failed or expired, unless the session already has an outcome (paid is final)."""
    if session.status != SessionStatus.OPEN:
        return EventOutcome.NO_CHANGE
    session.status = reason
    session.closed_at = now
    session.save(update_fields=["status", "closed_at"])
    publish(CheckoutFailed(tenant=tenant, session=session, reason=reason))
    return EventOutcome.FAILED if reason == SessionStatus.FAILED else EventOutcome.EXPIRED


def _apply_session_event(
    tenant: Tenant, event: ProviderEvent, session: CheckoutSession, obj: dict, now: dt.datetime
) -> str:
    if not _matches(session, obj, "amount_total"):
        return EventOutcome.MISMATCH
    intent = obj.get("payment_intent")
    if isinstance(intent, str) and intent and not session.provider_payment_intent:
        session.provider_payment_intent = intent[:255]
        session.save(update_fields=["provider_payment_intent"])
    kind = event.event_type
    if kind == "checkout.session.expired":
        return _mark_closed(tenant, session, SessionStatus.EXPIRED, now)
    if kind == "checkout.session.async_payment_failed":
        return _mark_closed(tenant, session, SessionStatus.FAILED, now)
    paid = kind == "checkout.session.async_payment_succeeded" or obj.get("payment_status") in (
        "paid",
        "no_payment_required",
    )
    if paid:
        return _mark_paid(tenant, session, obj, now)
    if not session.paid_with and _one_method(obj):
        session.paid_with = _one_method(obj)
        session.save(update_fields=["paid_with"])
    return EventOutcome.AWAITING


def _apply_refund_event(tenant: Tenant, session: CheckoutSession, obj: dict) -> str:
    if not _matches(session, obj, "amount"):
        return EventOutcome.MISMATCH
    refunded_minor = obj.get("amount_refunded")
    if not isinstance(refunded_minor, int) or not 0 <= refunded_minor <= session.amount_minor:
        logger.warning("provider refund refused for session %s: %s", session.pk, refunded_minor)
        return EventOutcome.MISMATCH
    total = from_minor(refunded_minor, session.currency)
    if total <= session.amount_refunded:
        return EventOutcome.NO_CHANGE  # a duplicate, or an older report arriving late
    added = total - session.amount_refunded
    session.amount_refunded = total
    session.save(update_fields=["amount_refunded"])
    if session.status == SessionStatus.PAID:
        publish(
            CheckoutRefunded(
                tenant=tenant,
                session=session,
                amount=added,
                amount_refunded=total,
                currency=session.currency,
            )
        )
    return EventOutcome.REFUNDED


def _apply(tenant: Tenant, event: ProviderEvent, now: dt.datetime) -> str:
    kind = event.event_type
    if kind not in SESSION_EVENTS | REFUND_EVENTS:
        return EventOutcome.IGNORED
    obj = _object(event)
    session = _session_for(tenant, event, obj)
    if session is None:
        logger.info("provider event %s names no session of ours: kept", event.provider_event_id)
        return EventOutcome.UNKNOWN_SESSION
    event.session = session
    if kind in REFUND_EVENTS:
        return _apply_refund_event(tenant, session, obj)
    return _apply_session_event(tenant, event, session, obj, now)


def _retry_later(event: ProviderEvent, error: Exception, now: dt.datetime) -> None:
    event.attempts += 1
    event.last_error = f"{type(error).__name__}: {error}"[:1000]
    if event.attempts >= MAX_ATTEMPTS:
        event.status = EventStatus.DEAD
    else:
        event.status = EventStatus.FAILED
        delay = RETRY_DELAYS[min(event.attempts - 1, len(RETRY_DELAYS) - 1)]
        event.next_attempt_at = now + dt.timedelta(minutes=delay)


@transaction.atomic
def provider_event_process(*, tenant: Tenant, event_id: int, now: dt.datetime | None = None) -> str:
    """Apply one stored event. Safe to run twice, or on two workers at once."""
    now = now or timezone.now()
    event = (
        ProviderEvent.objects.select_for_update(skip_locked=True)
        .filter(tenant=tenant, pk=event_id, status__in=(EventStatus.PENDING, EventStatus.FAILED))
        .first()
    )
    if event is None:
        return "skipped"
    try:
        with transaction.atomic():
            outcome = _apply(tenant, event, now)
    except Exception as error:
        logger.exception("provider event %s could not be processed", event.pk)
        _retry_later(event, error, now)
        event.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
        return event.status
    event.status = EventStatus.PROCESSED
    event.outcome = outcome
    event.processed_at = now
    event.attempts += 1
    event.last_error = ""
    event.save(
        update_fields=["status", "outcome", "processed_at", "attempts", "last_error", "session"]
    )
    return outcome


def provider_events_sweep(*, tenant: Tenant, ids: list[int]) -> int:
    """Process the events the sweep found due, each in its own transaction."""
    for event_id in ids:
        provider_event_process(tenant=tenant, event_id=event_id)
    return len(ids)
