"""The calls Threadline makes to Stripe, through the official `stripe` library: a Checkout Session
and a Refund. Pure of the database: the services pass what to ask and store what comes back.

Every call goes to Stripe's API host (the library's default, never overridden) with the
tenant's own secret key, an idempotency key, and the library's retries on network errors. The
library's HTTP client is the process's `stripe.default_http_client` when one is set (its own
otherwise): the boundary tests replace with Stripe's documented answers.
"""

import json
import logging
from dataclasses import dataclass

import stripe

logger = logging.getLogger(__name__)

API_HOST = "api.stripe.com"
NETWORK_RETRIES = 2
# Checkout's own page speaks these; any other language lets Stripe pick from the browser.
CHECKOUT_LOCALES = frozenset({"en", "nl", "es", "de", "fr", "it", "pt"})


class StripeCallFailed(Exception):
    """Stripe refused or could not be reached; `message` is safe to show an admin (no secret)."""

    def __init__(self, message: str, *, code: str = ""):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class CreatedSession:
    id: str
    url: str
    payment_intent: str


def _client(secret_key: str) -> stripe.StripeClient:
    return stripe.StripeClient(
        secret_key,
        http_client=stripe.default_http_client,
        max_network_retries=NETWORK_RETRIES,
    )


def checkout_locale(language: str) -> str:
    code = (language or "").split("-")[0].lower()
    return code if code in CHECKOUT_LOCALES else "auto"


def _failed(error: stripe.StripeError) -> StripeCallFailed:
    # The error's own message names a parameter or a decline, never the key it was sent with.
    code = getattr(error, "code", "") or ""
    logger.warning("Stripe call failed: %s %s", type(error).__name__, code)
    return StripeCallFailed(error.user_message or type(error).__name__, code=code)


def checkout_session_create(
    *, secret_key: str, params: dict, idempotency_key: str
) -> CreatedSession:
    """POST /v1/checkout/sessions (https://docs.stripe.com/api/checkout/sessions/create)."""
    try:
        session = _client(secret_key).v1.checkout.sessions.create(
            params=params,  # type: ignore[arg-type]
            options={"idempotency_key": idempotency_key},
        )
    except stripe.StripeError as error:
        raise _failed(error) from error
    answer = session.to_dict()
    payment_intent = answer.get("payment_intent") or ""  # null until paid, in recent API versions
    if isinstance(payment_intent, dict):
        payment_intent = payment_intent.get("id", "")
    return CreatedSession(
        id=answer["id"], url=answer.get("url") or "", payment_intent=str(payment_intent)
    )


def refund_create(
    *, secret_key: str, payment_intent: str, amount_minor: int, metadata: dict, idempotency_key: str
) -> str:
    """POST /v1/refunds (https://docs.stripe.com/api/refunds/create): the refund's id."""
    try:
        refund = _client(secret_key).v1.refunds.create(
            params={
                "payment_intent": payment_intent,
                "amount": amount_minor,
                "metadata": metadata,
            },
            options={"idempotency_key": idempotency_key},
        )
    except stripe.StripeError as error:
        raise _failed(error) from error
    return refund["id"]


def event_verified(*, body: bytes, signature: str, secret: str, tolerance: int) -> dict:
    """The event Stripe signed (https://docs.stripe.com/webhooks#verify-official-libraries), as
    a plain dict; raises stripe.SignatureVerificationError or ValueError otherwise."""
    stripe.Webhook.construct_event(body, signature, secret, tolerance=tolerance)
    event = json.loads(body)
    if not isinstance(event, dict) or not isinstance(event.get("data"), dict):
        raise ValueError("not a Stripe event")
    return event
