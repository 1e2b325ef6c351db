"""What the payments sandbox sends to the webhook (pure: no database, no network).

A sandbox account imitates Stripe: its checkout page's buttons make events in Stripe's own format
(https://docs.stripe.com/api/events/object: an event whose `data.object` is a Checkout Session
or a Charge) and sign them as Stripe signs its webhooks (https://docs.stripe.com/webhooks#verify-
manually: `Stripe-Signature: t=<unix time>,v1=<HMAC-SHA256 of "t.body" under the signing
secret>`), with the sandbox account's own signing secret. They are posted to the account's
webhook URL, so they go through the same verification, storage and processing as Stripe's.
"""

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

PAY = "pay"
DECLINE = "decline"
IDEAL = "ideal"
ACTIONS = (PAY, DECLINE, IDEAL)


@dataclass(frozen=True)
class SandboxSession:
    """What the sandbox knows of a checkout session when it makes an event."""

    provider_session_id: str
    payment_intent: str
    public_id: str
    reference: str
    amount_minor: int
    currency: str
    customer_email: str


@dataclass(frozen=True)
class SignedEvent:
    body: bytes
    signature: str  # the Stripe-Signature header
    event_id: str


def new_id(prefix: str) -> str:
    return f"{prefix}_sandbox_{secrets.token_hex(12)}"


def signature_header(body: bytes, secret: str, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def _metadata(session: SandboxSession) -> dict:
    return {"threadline_session": session.public_id, "reference": session.reference}


def checkout_session_object(session: SandboxSession, *, status: str, payment_status: str) -> dict:
    return {
        "id": session.provider_session_id,
        "object": "checkout.session",
        "amount_total": session.amount_minor,
        "currency": session.currency.lower(),
        "client_reference_id": session.public_id,
        "customer_email": session.customer_email or None,
        "livemode": False,
        "metadata": _metadata(session),
        "mode": "payment",
        "payment_intent": session.payment_intent,
        "payment_status": payment_status,
        "status": status,
    }


def charge_object(session: SandboxSession, *, amount_refunded: int, method: str) -> dict:
    return {
        "id": f"ch_{session.payment_intent.removeprefix('pi_')}",
        "object": "charge",
        "amount": session.amount_minor,
        "amount_captured": session.amount_minor,
        "amount_refunded": amount_refunded,
        "currency": session.currency.lower(),
        "livemode": False,
        "metadata": _metadata(session),
        "paid": True,
        "payment_intent": session.payment_intent,
        "payment_method_details": {"type": method},
        "refunded": amount_refunded >= session.amount_minor,
        "status": "succeeded",
    }


def event(event_type: str, data_object: dict, *, created: int | None = None) -> dict:
    return {
        "id": new_id("evt"),
        "object": "event",
        "api_version": "2024-06-20",
        "created": int(time.time()) if created is None else created,
        "data": {"object": data_object},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


def events_for(action: str, session: SandboxSession) -> list[dict]:
    """The events Stripe would send when the customer presses `action` on its checkout page: a
    card paid at once; iDEAL completes unpaid, then succeeds (a delayed method); a declined
    payment completes unpaid, then fails, as a delayed method that did not go through."""
    if action == PAY:
        completed = checkout_session_object(session, status="complete", payment_status="paid")
        return [event("checkout.session.completed", completed | {"payment_method_types": ["card"]})]
    unpaid = checkout_session_object(session, status="complete", payment_status="unpaid")
    method = "ideal" if action == IDEAL else "card"
    completed_unpaid = event(
        "checkout.session.completed", unpaid | {"payment_method_types": [method]}
    )
    if action == IDEAL:
        paid = checkout_session_object(session, status="complete", payment_status="paid")
        return [completed_unpaid, event("checkout.session.async_payment_succeeded", paid)]
    return [completed_unpaid, event("checkout.session.async_payment_failed", unpaid)]


def refund_event(session: SandboxSession, *, amount_refunded_minor: int) -> dict:
    return event(
        "charge.refunded",
        charge_object(session, amount_refunded=amount_refunded_minor, method="card"),
    )


def signed(event_json: dict, secret: str) -> SignedEvent:
    body = json.dumps(event_json, separators=(",", ":")).encode()
    return SignedEvent(body, signature_header(body, secret), event_json["id"])
