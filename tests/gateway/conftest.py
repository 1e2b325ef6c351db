"""Fixtures of the payments tests: Stripe at its HTTP boundary, accounts, and what the gateway
publishes."""

import json
from decimal import Decimal

import pytest
import stripe
from django.db import transaction

from gateway.models import PaymentMethod, Provider
from gateway.services.accounts import payment_account_save
from gateway.services.checkout import checkout_start
from gateway.services.sandbox_delivery import sandbox_events_signed
from tests.gateway.stripe_double import StripeDouble

PUBLISHED: list = []


def _record(event) -> None:
    PUBLISHED.append(event)


def _table():
    from config.events import SUBSCRIBERS
    from gateway.events import CheckoutFailed, CheckoutPaid, CheckoutRefunded

    return {
        **SUBSCRIBERS,
        CheckoutPaid: [_record],
        CheckoutFailed: [_record],
        CheckoutRefunded: [_record],
    }


RECORDING = None


@pytest.fixture
def published(settings):
    """The gateway's events, as a subscriber listed in the table hears them."""
    global RECORDING
    RECORDING = _table()
    settings.THREADLINE_EVENT_SUBSCRIBERS = f"{__name__}.RECORDING"
    PUBLISHED.clear()
    yield PUBLISHED
    PUBLISHED.clear()


@pytest.fixture
def stripe_http(monkeypatch):
    double = StripeDouble()
    monkeypatch.setattr(stripe, "default_http_client", double)
    return double


SECRET_KEY = "sk_test_51Hh2kLkdIwHu7ixAbCdEfGh"
WEBHOOK_SECRET = "whsec_5a7f0c3e1b2d4f6a8c9e0b1d2f3a4c5e"


def stripe_account_for(world, *, webhook_secret: str = WEBHOOK_SECRET, methods=None):
    with world.active():
        return payment_account_save(
            tenant=world.tenant,
            actor=world.admin.user,
            provider=Provider.STRIPE,
            publishable_key="pk_test_51Hh2kLkdIwHu7ixPublish",
            secret_key=SECRET_KEY,
            webhook_secret=webhook_secret,
            methods=methods or [PaymentMethod.CARD],
        )


def sandbox_account_for(world, *, methods=None):
    with world.active():
        return payment_account_save(
            tenant=world.tenant,
            actor=world.admin.user,
            provider=Provider.SANDBOX,
            methods=methods or [PaymentMethod.CARD],
        )


def start(world, amount="180.00", currency="USD", reference="invoice:42", **more):
    # Its own savepoint: a refusal rolls back only this (tenant_context takes none).
    with transaction.atomic(), world.active():
        return checkout_start(
            tenant=world.tenant,
            amount=Decimal(amount),
            currency=currency,
            description="Invoice 2026-0042",
            reference=reference,
            customer_email="casey@example.com",
            success_url="https://crm.example.com/portal/paid/",
            cancel_url="https://crm.example.com/portal/invoice/",
            language=more.pop("language", "en"),
            **more,
        )


SANDBOX_DELIVER = "gateway.tasks.sandbox_event_deliver"


def deliver_through_the_webhook(client, world, task_queue, captured) -> list[str]:
    """What the delivery task does, with the test client for the network: each queued batch
    signed now and posted to the account's webhook URL. The event types posted."""
    posted = []
    for message in task_queue():
        if message.headers["task"] != SANDBOX_DELIVER:
            continue
        (tenant_id, account_id, events_json), _kwargs, _embed = message.payload
        assert tenant_id == world.tenant.pk
        with world.active():
            path, signed = sandbox_events_signed(
                tenant=world.tenant, account_id=account_id, events_json=events_json
            )
        for event in signed:
            with captured(execute=True):
                response = client.post(
                    path,
                    data=event.body,
                    content_type="application/json",
                    HTTP_STRIPE_SIGNATURE=event.signature,
                )
            assert response.status_code == 200, response.content
            posted.append(json.loads(event.body)["type"])
    return posted
