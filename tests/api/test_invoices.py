"""Invoices and their payments through the API: made from an accepted quote, sent, paid, voided,
listed by status, lead and change with keyset pages in a fixed number of queries; refusals in the
API's error shape with the figures in words; read keys only read; another team sees nothing."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.models import ApiKeyScope
from billing.services.invoices import invoice_create
from messaging.models import OutboundMessage
from tests.api.helpers import bearer, key_for
from tests.billing.conftest import won_job
from tests.conftest import forget_cached_values

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(world):
    """billing's won job with its accepted, scheduled quote."""
    return won_job(world)


D = Decimal


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    forget_cached_values()


def _post(client, path, body, key):
    return client.post(path, json.dumps(body), content_type="application/json", **bearer(key))


def _made(client, quote, key) -> list[dict]:
    response = _post(client, "/api/v1/invoices/from-quote", {"quote_id": quote.pk}, key)
    assert response.status_code == 201, response.content
    return response.json()


def test_a_quote_becomes_invoices_that_are_sent_paid_and_refused_in_words(client, world, job):
    _lead, quote = job
    key = key_for(world)
    deposit, progress, final = _made(client, quote, key)
    assert [row["schedule_kind"] for row in (deposit, progress, final)] == [
        "deposit",
        "progress",
        "final",
    ]
    assert deposit["status"] == "draft" and deposit["number"] is None
    assert D(deposit["total"]) == D("473.85") and deposit["lines"]
    again = _post(client, "/api/v1/invoices/from-quote", {"quote_id": quote.pk}, key)
    assert again.status_code == 422
    with world.active():
        reference = quote.reference
    assert again.json()["errors"]["__all__"] == [f"Quote {reference} already has its invoices."]

    sent = _post(client, f"/api/v1/invoices/{deposit['id']}/send", {}, key).json()
    assert sent["status"] == "sent" and sent["number"].startswith("INV-")
    assert sent["due_on"] is not None

    pay = f"/api/v1/invoices/{deposit['id']}/payments"
    over = _post(client, pay, {"amount": "500", "currency": "USD", "method": "check"}, key)
    assert over.status_code == 422
    assert over.json()["errors"]["__all__"] == [
        f"$500 is more than the balance of $473.85 on invoice {sent['number']}."
    ]
    euros = _post(client, pay, {"amount": "100", "currency": "EUR", "method": "check"}, key)
    assert euros.status_code == 422
    assert euros.json()["errors"]["__all__"] == [
        f"This payment of 100 EUR is in another currency than invoice {sent['number']}, "
        "which is in USD."
    ]
    later = (world.tenant.today() + dt.timedelta(days=2)).isoformat()
    future = _post(
        client, pay, {"amount": "1", "currency": "USD", "method": "cash", "received_on": later}, key
    )
    assert list(future.json()["errors"]) == ["received_on"]

    part = _post(client, pay, {"amount": "400", "currency": "usd", "method": "check"}, key)
    assert part.status_code == 201
    detail = part.json()
    assert detail["status"] == "partly_paid"
    assert (D(detail["paid"]), D(detail["balance"])) == (D("400"), D("73.85"))
    [payment] = detail["payments"]
    assert (payment["kind"], D(payment["amount"]), payment["method"]) == (
        "deposit",
        D("400"),
        "check",
    )

    got = client.get(f"/api/v1/payments/{payment['id']}", **bearer(key)).json()
    assert got["invoice_id"] == deposit["id"] and got["currency"] == "USD"
    listed = client.get(pay, **bearer(key)).json()
    assert [row["id"] for row in listed["results"]] == [payment["id"]]

    voided = _post(client, f"/api/v1/invoices/{deposit['id']}/void", {"reason": "Wrong"}, key)
    assert voided.status_code == 200
    body = voided.json()
    assert body["invoice"]["status"] == "void" and body["invoice"]["void_reason"] == "Wrong"
    credit = body["credit_note"]
    assert credit["series"] == "credit_note" and credit["credits_invoice_id"] == deposit["id"]
    assert D(credit["total"]) == -D("473.85")
    twice = _post(client, f"/api/v1/invoices/{deposit['id']}/void", {}, key)
    assert twice.status_code == 422
    assert twice.json() == {
        "detail": "Some fields are not valid.",
        "errors": {"__all__": ["This invoice is already void."]},
    }
    draft_void = _post(client, f"/api/v1/invoices/{progress['id']}/void", {}, key).json()
    assert draft_void["credit_note"] is None


def test_sending_one_invoice_again_and_again_is_refused_with_retry_after(client, world, job):
    _lead, quote = job
    key = key_for(world)
    deposit, *_rest = _made(client, quote, key)
    send = f"/api/v1/invoices/{deposit['id']}/send"
    assert [_post(client, send, {}, key).status_code for _press in range(3)] == [200] * 3
    refused = _post(client, send, {}, key)
    assert refused.status_code == 429 and refused["Retry-After"] == "600"
    assert "already sent 3 times in the last 10 minutes" in refused.json()["detail"]
    with world.active():
        assert OutboundMessage.objects.filter(tenant=world.tenant, lead=quote.lead).count() == 3


def test_the_list_filters_by_status_lead_and_change_a_page_at_a_time(client, world, job):
    lead, quote = job
    key = key_for(world)
    deposit, progress, final = _made(client, quote, key)
    _post(client, f"/api/v1/invoices/{deposit['id']}/send", {}, key)

    def ids(**params):
        answer = client.get("/api/v1/invoices/", params, **bearer(key))
        assert answer.status_code == 200, answer.content
        return [row["id"] for row in answer.json()["results"]]

    assert ids() == [final["id"], progress["id"], deposit["id"]]
    assert ids(status="draft") == [final["id"], progress["id"]]
    assert ids(status="open") == [deposit["id"]]
    assert ids(status="overdue") == []
    assert ids(lead=lead.pk + 1000) == []
    assert set(ids(lead=lead.pk)) == {deposit["id"], progress["id"], final["id"]}
    sent = client.get(f"/api/v1/invoices/{deposit['id']}", **bearer(key)).json()
    assert ids(updated_since=sent["updated_at"], order="updated") == [deposit["id"]]

    odd = client.get(
        "/api/v1/invoices/", {"updated_since": "0894-11-14T19:48:07-21:02"}, **bearer(key)
    )
    assert odd.status_code == 200 and odd.json()["results"]  # read in UTC, whatever the offset
    edge = client.get(
        "/api/v1/invoices/", {"updated_since": "0001-01-01T00:00:00+10:00"}, **bearer(key)
    )
    assert edge.status_code == 422 and list(edge.json()["errors"]) == ["updated_since"]

    first = client.get("/api/v1/invoices/", {"limit": 2}, **bearer(key)).json()
    assert [row["id"] for row in first["results"]] == [final["id"], progress["id"]]
    rest = client.get(
        "/api/v1/invoices/", {"limit": 2, "cursor": first["next_cursor"]}, **bearer(key)
    ).json()
    assert [row["id"] for row in rest["results"]] == [deposit["id"]]
    assert rest["next_cursor"] is None


def test_the_list_costs_the_same_queries_for_one_invoice_or_many(client, world, job):
    lead, _quote = job
    key = key_for(world)

    def one_off():
        with world.active():
            invoice_create(
                tenant=world.tenant, actor=world.rep.user, lead=lead, title="Extra",
                lines=[("Cable", D("1"), D("10"), None)],
            )  # fmt: skip

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/invoices/", **bearer(key)).status_code == 200
        return len(captured)

    one_off()
    client.get("/api/v1/invoices/", **bearer(key))  # the key's first use is noted once
    few = queries()
    for _ in range(5):
        one_off()
    assert queries() == few


def test_a_read_key_reads_and_may_not_write(client, world, job):
    _lead, quote = job
    reader = key_for(world, ApiKeyScope.READ)
    assert client.get("/api/v1/invoices/", **bearer(reader)).status_code == 200
    assert client.get("/api/v1/payments/", **bearer(reader)).status_code == 200
    refused = _post(client, "/api/v1/invoices/from-quote", {"quote_id": quote.pk}, reader)
    assert refused.status_code == 403


def test_another_team_sees_none_of_the_invoices_nor_makes_them(client, world, other_world, job):
    _lead, quote = job
    [deposit, *_rest] = _made(client, quote, key_for(world))
    theirs = key_for(other_world)
    assert client.get("/api/v1/invoices/", **bearer(theirs)).json()["results"] == []
    assert client.get("/api/v1/payments/", **bearer(theirs)).json()["results"] == []
    for path in (
        f"/api/v1/invoices/{deposit['id']}",
        f"/api/v1/invoices/{deposit['id']}/payments",
    ):
        assert client.get(path, **bearer(theirs)).status_code == 404, path
    for path in (
        f"/api/v1/invoices/{deposit['id']}/send",
        f"/api/v1/invoices/{deposit['id']}/void",
    ):
        assert _post(client, path, {}, theirs).status_code == 404, path
    made = _post(client, "/api/v1/invoices/from-quote", {"quote_id": quote.pk}, theirs)
    assert made.status_code == 422 and list(made.json()["errors"]) == ["quote_id"]
    mine = client.get(f"/api/v1/invoices/{deposit['id']}", **bearer(key_for(world))).json()
    assert mine["status"] == "draft"
