"""Opening a checkout session and refunding it through Stripe, faked at its HTTP boundary: what
goes to Stripe's API (host, amount in minor units, methods, locale, idempotency key) and what is
kept of its answer."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from gateway.models import CheckoutRefund, CheckoutSession, PaymentMethod, SessionStatus
from gateway.services.checkout import checkout_refund
from tests.gateway.conftest import SECRET_KEY, start, stripe_account_for

pytestmark = pytest.mark.django_db


def test_a_session_goes_to_stripe_with_the_amount_in_minor_units(world, stripe_http):
    stripe_account_for(world)

    session = start(world, amount="180.50", language="nl")

    [call] = stripe_http.calls
    assert (call.method, call.host, call.path) == (
        "post",
        "api.stripe.com",
        "/v1/checkout/sessions",
    )
    assert call.headers["Authorization"] == f"Bearer {SECRET_KEY}"
    assert call.headers["Idempotency-Key"] == f"threadline-checkout-{session.public_id.hex}"
    assert call.form["line_items[0][price_data][unit_amount]"] == "18050"
    assert call.form["line_items[0][price_data][currency]"] == "usd"
    assert call.form["payment_method_types[0]"] == "card"
    assert "payment_method_types[1]" not in call.form
    assert call.form["locale"] == "nl"
    assert call.form["mode"] == "payment"
    assert call.form["metadata[reference]"] == "invoice:42"
    assert call.form["payment_intent_data[metadata][threadline_session]"] == session.public_id.hex
    assert call.form["customer_email"] == "casey@example.com"
    assert session.url.startswith("https://checkout.stripe.com/")
    assert session.provider_session_id.startswith("cs_test_")
    assert (session.status, session.amount, session.amount_minor) == (
        SessionStatus.OPEN,
        Decimal("180.50"),
        18050,
    )


def test_ideal_is_offered_in_euros_only(world, stripe_http):
    world.tenant.currency = "EUR"
    world.tenant.save()
    stripe_account_for(world, methods=[PaymentMethod.CARD, PaymentMethod.IDEAL])

    start(world, currency="EUR")
    start(world, currency="USD", reference="invoice:43")

    euros, dollars = stripe_http.calls
    assert (euros.form["payment_method_types[0]"], euros.form["payment_method_types[1]"]) == (
        "card",
        "ideal",
    )
    assert "payment_method_types[1]" not in dollars.form


def test_stripe_refusing_keeps_nothing_and_says_why(world, stripe_http):
    stripe_account_for(world)
    stripe_http.fail_with = (
        400,
        {
            "error": {
                "type": "invalid_request_error",
                "code": "parameter_invalid_integer",
                "message": "Invalid integer: unit_amount",
                "param": "line_items[0][price_data][unit_amount]",
            }
        },
    )

    with pytest.raises(ValidationError, match="Invalid integer"):
        start(world)

    with world.active():
        assert not CheckoutSession.objects.exists()


def test_no_account_or_an_amount_the_currency_cannot_hold_is_refused(world, stripe_http):
    with pytest.raises(ValidationError, match="not set up"):
        start(world)
    stripe_account_for(world)
    with pytest.raises(ValidationError, match="cannot be paid online"):
        start(world, amount="10.005")
    with pytest.raises(ValidationError, match="cannot be paid online"):
        start(world, amount="0")
    assert stripe_http.calls == []


def test_a_refund_calls_stripe_within_what_was_paid(world, stripe_http):
    stripe_account_for(world)
    session = start(world, amount="180.00")
    with world.active():
        CheckoutSession.objects.filter(pk=session.pk).update(
            status=SessionStatus.PAID, provider_payment_intent="pi_3MtwBwLkdIwHu7ix28a3tqPa"
        )
        session.refresh_from_db()

        with (
            pytest.raises(ValidationError, match=r"more than the \$180 left of the \$180 paid"),
            transaction.atomic(),
        ):
            checkout_refund(tenant=world.tenant, session=session, amount=Decimal("200"), actor=None)
        refund = checkout_refund(
            tenant=world.tenant, session=session, amount=Decimal("30.00"), actor=world.admin.user
        )

    call = stripe_http.calls[-1]
    assert (call.host, call.path) == ("api.stripe.com", "/v1/refunds")
    assert call.form == {
        "payment_intent": "pi_3MtwBwLkdIwHu7ix28a3tqPa",
        "amount": "3000",
        "metadata[threadline_session]": session.public_id.hex,
        "metadata[reference]": "invoice:42",
    }
    assert call.headers["Idempotency-Key"] == (
        f"threadline-refund-{session.public_id.hex}-{refund.pk}"
    )
    with world.active():
        kept = CheckoutRefund.objects.get()
        assert (kept.amount, kept.provider_refund_id) == (
            Decimal("30.00"),
            "re_3MtwBwLkdIwHu7ix0tZBQwmX",
        )
        # The refunded total moves with Stripe's charge.refunded event, not with the request.
        session.refresh_from_db()
        assert session.amount_refunded == 0


def test_an_open_session_cannot_be_refunded(world, stripe_http):
    stripe_account_for(world)
    session = start(world)
    with pytest.raises(ValidationError, match="Only a paid payment"), world.active():
        checkout_refund(tenant=world.tenant, session=session, amount=Decimal("1"), actor=None)
