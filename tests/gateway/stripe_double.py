"""Stripe at its HTTP boundary: a `stripe.HTTPClient` that answers the library's requests with
the JSON Stripe documents (https://docs.stripe.com/api/checkout/sessions/object,
https://docs.stripe.com/api/refunds/object), and the Stripe-Signature header computed as Stripe
computes it (https://docs.stripe.com/webhooks#verify-manually)."""

import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import stripe


@dataclass
class Call:
    method: str
    host: str
    path: str
    headers: dict
    form: dict


@dataclass
class StripeDouble(stripe.HTTPClient):
    """Records each call; answers POST /v1/checkout/sessions and POST /v1/refunds, or the error
    set in `fail_with` (Stripe's error JSON and status)."""

    calls: list[Call] = field(default_factory=list)
    fail_with: tuple[int, dict] | None = None
    name = "stripe-double"

    def __post_init__(self):
        super().__init__()

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        parts = urlsplit(url)
        form = {k: v[0] for k, v in parse_qs(post_data or "").items()}
        self.calls.append(Call(method, parts.hostname or "", parts.path, dict(headers or {}), form))
        if self.fail_with is not None:
            status, body = self.fail_with
            return json.dumps(body), status, {"request-id": "req_double"}
        if method == "post" and parts.path == "/v1/checkout/sessions":
            session = self._session(form, len(self.calls))
            return json.dumps(session), 200, {"request-id": "req_double"}
        if method == "post" and parts.path == "/v1/refunds":
            return json.dumps(self._refund(form)), 200, {"request-id": "req_double"}
        return json.dumps({"error": {"type": "invalid_request_error"}}), 404, {}

    def close(self):
        pass

    @staticmethod
    def _session(form: dict, number: int) -> dict:
        return {
            "id": f"cs_test_a1B2c3d4e5{number:04d}",
            "object": "checkout.session",
            "amount_total": int(form["line_items[0][price_data][unit_amount]"]),
            "currency": form["line_items[0][price_data][currency]"],
            "client_reference_id": form.get("client_reference_id"),
            "customer_email": form.get("customer_email"),
            "livemode": False,
            "locale": form.get("locale"),
            "metadata": {
                "threadline_session": form.get("metadata[threadline_session]"),
                "reference": form.get("metadata[reference]"),
            },
            "mode": "payment",
            "payment_intent": None,
            "payment_status": "unpaid",
            "status": "open",
            "url": "https://checkout.stripe.com/c/pay/cs_test_a1B2c3#fidkdWxOYHwnPyd1blpxYHZxWjA0",
        }

    @staticmethod
    def _refund(form: dict) -> dict:
        return {
            "id": "re_3MtwBwLkdIwHu7ix0tZBQwmX",
            "object": "refund",
            "amount": int(form["amount"]),
            "currency": "usd",
            "payment_intent": form["payment_intent"],
            "status": "succeeded",
            "metadata": {},
        }


def stripe_signature(body: bytes, secret: str, *, at: int | None = None) -> str:
    timestamp = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def stripe_event(event_id: str, event_type: str, obj: dict) -> dict:
    """An event as Stripe posts it (https://docs.stripe.com/api/events/object)."""
    return {
        "id": event_id,
        "object": "event",
        "api_version": "2024-06-20",
        "created": int(time.time()),
        "data": {"object": obj},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }
