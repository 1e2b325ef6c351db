"""Stripe's webhook: each account's URL, verified with that tenant's own signing secret, stored
before it is processed (a replay is a no-op), applied in any order, and told to the apps above
through gateway.events."""

import datetime as dt
import json
import time
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from gateway.events import CheckoutFailed, CheckoutPaid, CheckoutRefunded
from gateway.models import EventOutcome, EventStatus, ProviderEvent, SessionStatus
from gateway.selectors.sessions import provider_events_due
from gateway.services.events import provider_event_process
from tests.gateway.conftest import WEBHOOK_SECRET, start, stripe_account_for
from tests.gateway.stripe_double import stripe_event, stripe_signature

pytestmark = pytest.mark.django_db

OTHER_SECRET = "whsec_0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"


def _post(client, account, event: dict, *, secret: str = WEBHOOK_SECRET, at=None):
    body = json.dumps(event).encode()
    return client.post(
        reverse("gateway-public:stripe-webhook", kwargs={"token": account.token}),
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=stripe_signature(body, secret, at=at),
    )


def _session_object(session, **fields) -> dict:
    return {
        "id": session.provider_session_id,
        "object": "checkout.session",
        "amount_total": session.amount_minor,
        "currency": session.currency.lower(),
        "client_reference_id": session.public_id.hex,
        "metadata": {"threadline_session": session.public_id.hex, "reference": session.reference},
        "payment_intent": "pi_3MtwBwLkdIwHu7ix28a3tqPa",
        "payment_method_types": ["card"],
        "payment_status": "paid",
        "status": "complete",
    } | fields


def _charge(session, refunded: int, **fields) -> dict:
    return {
        "id": "ch_3MtwBwLkdIwHu7ix28a3tqPa",
        "object": "charge",
        "amount": session.amount_minor,
        "amount_refunded": refunded,
        "currency": session.currency.lower(),
        "metadata": {"threadline_session": session.public_id.hex, "reference": session.reference},
        "payment_intent": "pi_3MtwBwLkdIwHu7ix28a3tqPa",
        "refunded": refunded == session.amount_minor,
    } | fields


def _process_all(world):
    with world.active():
        for event_id in provider_events_due(tenant=world.tenant, now=_later()):
            provider_event_process(tenant=world.tenant, event_id=event_id)


def _later():
    return timezone.now() + dt.timedelta(minutes=5)


def _session(world, session):
    with world.active():
        session.refresh_from_db()
    return session


@pytest.fixture
def paying(world, stripe_http):
    account = stripe_account_for(world)
    return account, start(world, amount="180.00")


def test_a_signed_event_is_stored_at_once_and_applied_after_commit(
    client, world, paying, published, django_capture_on_commit_callbacks, run_queued
):
    account, session = paying
    event = stripe_event("evt_1", "checkout.session.completed", _session_object(session))

    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, account, event)

    assert response.status_code == 200
    assert response.json() == {"received": True, "duplicate": False}
    assert run_queued("gateway.tasks.process_provider_event") == [EventOutcome.PAID]
    session = _session(world, session)
    assert (session.status, session.paid_with) == (SessionStatus.PAID, "card")
    assert session.provider_payment_intent == "pi_3MtwBwLkdIwHu7ix28a3tqPa"
    assert published == [
        CheckoutPaid(
            tenant=world.tenant,
            session=published[0].session,
            amount=Decimal("180.000"),
            currency="USD",
        )
    ]
    assert published[0].session.reference == "invoice:42"
    with world.active():
        stored = ProviderEvent.objects.get()
        assert (stored.status, stored.outcome, stored.session_id) == (
            EventStatus.PROCESSED,
            EventOutcome.PAID,
            session.pk,
        )
        assert stored.payload == event


def test_a_replay_is_a_no_op(client, world, paying, published):
    account, session = paying
    event = stripe_event("evt_1", "checkout.session.completed", _session_object(session))

    assert _post(client, account, event).json()["duplicate"] is False
    assert _post(client, account, event).json()["duplicate"] is True
    _process_all(world)
    _process_all(world)

    with world.active():
        assert ProviderEvent.objects.count() == 1
    assert [type(e) for e in published] == [CheckoutPaid]


def test_a_wrong_or_missing_or_stale_signature_is_refused_and_nothing_is_stored(
    client, world, paying
):
    account, session = paying
    event = stripe_event("evt_1", "checkout.session.completed", _session_object(session))
    url = reverse("gateway-public:stripe-webhook", kwargs={"token": account.token})

    assert _post(client, account, event, secret=OTHER_SECRET).status_code == 400
    assert _post(client, account, event, at=int(time.time()) - 3600).status_code == 400
    assert (
        client.post(url, data=json.dumps(event), content_type="application/json").status_code == 400
    )
    assert _post(client, account, {"not": "an event"}).status_code == 400
    assert (
        client.post(
            url, data=b"{", content_type="application/json", HTTP_STRIPE_SIGNATURE="t=1,v1=00"
        ).status_code
        == 400
    )
    with world.active():
        assert not ProviderEvent.objects.exists()


def test_an_unknown_token_is_404(client, world, paying):
    url = reverse("gateway-public:stripe-webhook", kwargs={"token": "x" * 32})
    assert client.post(url, data=b"{}", content_type="application/json").status_code == 404
    assert client.get(url).status_code == 405


def test_one_tenants_secret_never_vouches_for_anothers_events(
    client, world, other_world, stripe_http
):
    mine = stripe_account_for(world)
    theirs = stripe_account_for(other_world, webhook_secret=OTHER_SECRET)
    session = start(world)
    event = stripe_event("evt_x", "checkout.session.completed", _session_object(session))

    # Signed by the other tenant, posted to my URL; signed by me, posted to theirs: both refused.
    assert _post(client, mine, event, secret=OTHER_SECRET).status_code == 400
    assert _post(client, theirs, event, secret=WEBHOOK_SECRET).status_code == 400
    # Signed by the other tenant for their own URL: stored as theirs, and it finds no session
    # of mine there.
    assert _post(client, theirs, event, secret=OTHER_SECRET).status_code == 200
    _process_all(other_world)
    with other_world.active():
        assert ProviderEvent.objects.get().outcome == EventOutcome.UNKNOWN_SESSION
    with world.active():
        assert not ProviderEvent.objects.exists()
    assert _session(world, session).status == SessionStatus.OPEN


def test_a_refund_before_its_payment_is_told_after_it(client, world, paying, published):
    account, session = paying
    _post(client, account, stripe_event("evt_r", "charge.refunded", _charge(session, 5000)))
    _process_all(world)
    assert published == []
    assert _session(world, session).amount_refunded == Decimal("50")

    _post(
        client,
        account,
        stripe_event("evt_p", "checkout.session.completed", _session_object(session)),
    )
    _process_all(world)

    assert [type(e) for e in published] == [CheckoutPaid, CheckoutRefunded]
    assert (published[1].amount, published[1].amount_refunded) == (Decimal("50"), Decimal("50"))


def test_refunds_add_up_to_what_stripe_reports_whatever_the_order(client, world, paying, published):
    account, session = paying
    _post(
        client,
        account,
        stripe_event("evt_p", "checkout.session.completed", _session_object(session)),
    )
    _post(client, account, stripe_event("evt_r2", "charge.refunded", _charge(session, 8000)))
    _process_all(world)
    # The older report (30.00 refunded) arrives after the newer one: it changes nothing.
    _post(client, account, stripe_event("evt_r1", "charge.refunded", _charge(session, 3000)))
    _process_all(world)

    refunds = [e for e in published if isinstance(e, CheckoutRefunded)]
    assert [(e.amount, e.amount_refunded) for e in refunds] == [(Decimal("80"), Decimal("80"))]
    with world.active():
        assert (
            ProviderEvent.objects.get(provider_event_id="evt_r1").outcome == EventOutcome.NO_CHANGE
        )


def test_a_delayed_method_pays_later_and_paid_stays_paid(client, world, paying, published):
    account, session = paying
    unpaid = _session_object(session, payment_status="unpaid", payment_method_types=["ideal"])
    _post(client, account, stripe_event("evt_c", "checkout.session.completed", unpaid))
    _process_all(world)
    assert _session(world, session).status == SessionStatus.OPEN

    _post(
        client,
        account,
        stripe_event("evt_s", "checkout.session.async_payment_succeeded", _session_object(session)),
    )
    _post(
        client,
        account,
        stripe_event(
            "evt_e", "checkout.session.expired", _session_object(session, status="expired")
        ),
    )
    _process_all(world)

    session = _session(world, session)
    assert (session.status, session.paid_with) == (SessionStatus.PAID, "ideal")
    assert [type(e) for e in published] == [CheckoutPaid]


def test_a_failed_or_expired_session_is_told_once(client, world, stripe_http, published):
    account = stripe_account_for(world)
    failing, expiring = start(world), start(world, reference="invoice:43")
    failed = _session_object(failing, payment_status="unpaid")
    _post(client, account, stripe_event("evt_f", "checkout.session.async_payment_failed", failed))
    _post(client, account, stripe_event("evt_f2", "checkout.session.expired", failed))
    _post(
        client,
        account,
        stripe_event(
            "evt_x", "checkout.session.expired", _session_object(expiring, status="expired")
        ),
    )
    _process_all(world)

    assert {type(e) for e in published} == {CheckoutFailed}
    assert sorted((e.session.reference, e.reason) for e in published) == [
        ("invoice:42", "failed"),
        ("invoice:43", "expired"),
    ]
    assert _session(world, failing).status == SessionStatus.FAILED
    assert _session(world, expiring).status == SessionStatus.EXPIRED


def test_an_amount_or_currency_that_differs_is_refused_and_kept(client, world, paying, published):
    account, session = paying
    _post(
        client,
        account,
        stripe_event(
            "evt_a", "checkout.session.completed", _session_object(session, amount_total=100)
        ),
    )
    _post(
        client,
        account,
        stripe_event(
            "evt_c", "checkout.session.completed", _session_object(session, currency="eur")
        ),
    )
    _post(client, account, stripe_event("evt_r", "charge.refunded", _charge(session, 99999999)))
    _process_all(world)

    assert published == []
    assert _session(world, session).status == SessionStatus.OPEN
    with world.active():
        assert set(ProviderEvent.objects.values_list("outcome", flat=True)) == {
            EventOutcome.MISMATCH
        }


def test_an_unknown_session_and_an_unused_type_are_kept_and_marked(client, world, paying):
    account, session = paying
    stranger = _session_object(
        session,
        id="cs_test_elsewhere",
        client_reference_id=None,
        metadata={},
        payment_intent="pi_other",
    )
    _post(client, account, stripe_event("evt_u", "checkout.session.completed", stranger))
    _post(
        client,
        account,
        stripe_event("evt_i", "customer.created", {"id": "cus_1", "object": "customer"}),
    )
    _process_all(world)

    with world.active():
        outcomes = dict(ProviderEvent.objects.values_list("provider_event_id", "outcome"))
    assert outcomes == {"evt_u": EventOutcome.UNKNOWN_SESSION, "evt_i": EventOutcome.IGNORED}


def test_the_sweep_processes_what_the_broker_lost(client, world, other_world, paying, published):
    from crm.tenancy.sweeps import sweep_get
    from gateway.selectors.sessions import provider_events_due_tenant_ids

    account, session = paying
    _post(
        client,
        account,
        stripe_event("evt_1", "checkout.session.completed", _session_object(session)),
    )

    assert provider_events_due_tenant_ids(_later()) == [world.tenant.pk]
    with world.active():
        assert sweep_get("gateway.tasks.sweep_provider_events").run(tenant=world.tenant) == 0
        ProviderEvent.objects.update(next_attempt_at=_later() - dt.timedelta(minutes=10))
        assert sweep_get("gateway.tasks.sweep_provider_events").run(tenant=world.tenant) == 1
    assert _session(world, session).status == SessionStatus.PAID
    assert provider_events_due_tenant_ids(_later()) == []


def test_the_webhook_is_rate_limited_per_account(client, world, paying, settings):
    from django.core.cache import cache

    account, session = paying
    cache.delete(f"gateway:webhook:{account.token}")
    settings.PAYMENTS_WEBHOOK_RATE_LIMIT = 2
    event = stripe_event("evt_1", "checkout.session.completed", _session_object(session))
    codes = [_post(client, account, event).status_code for _ in range(3)]
    cache.delete(f"gateway:webhook:{account.token}")
    assert codes == [200, 200, 429]


def test_a_nul_character_in_a_signed_event_is_dropped_not_a_5xx(client, world, paying):
    account, session = paying
    obj = _session_object(session, metadata={"note": "a\x00b"})
    assert (
        _post(client, account, stripe_event("evt_nul", "customer.updated", obj)).status_code == 200
    )
    with world.active():
        assert ProviderEvent.objects.get().payload["data"]["object"]["metadata"] == {"note": "ab"}
