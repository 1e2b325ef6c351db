"""The hourly expiry of quotes past their date: bounded batches, a run's budget, follow-up tasks."""

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection, transaction

from config.celery import app as celery_app
from crm.models import TimelineEvent
from crm.tenancy.sweeps import More, sweep_inline, sweep_tenant
from leads.models import Quote, QuoteStatus
from leads.services import quotes
from leads.tasks import expire_quotes
from tests.factories import lead_for, pipeline_for

pytestmark = pytest.mark.django_db


def _quote(world, *, days_left: int, status=QuoteStatus.SENT, lead=None) -> Quote:
    """A quote whose valid-until date is `days_left` days from the tenant's today."""
    with world.active():
        lead = lead or lead_for(world, pipeline_for(world.tenant), owner=world.rep)
        return Quote.objects.create(
            tenant=world.tenant,
            lead=lead,
            number=Quote.objects.filter(lead=lead).count() + 1,
            status=status,
            valid_until=world.tenant.today() + dt.timedelta(days=days_left),
            total=Decimal("2400.00"),
        )


def _statuses(world, quotes_) -> list[str]:
    with world.active():
        by_pk = dict(
            Quote.objects.filter(pk__in=[q.pk for q in quotes_]).values_list("pk", "status")
        )
    return [by_pk[q.pk] for q in quotes_]


def _expired_entries(world) -> list[TimelineEvent]:
    with world.active():
        return list(
            TimelineEvent.objects.filter(tenant=world.tenant, kind="quote.expired").order_by("pk")
        )


def test_a_backlog_larger_than_a_run_is_expired_across_runs(world, monkeypatch):
    monkeypatch.setattr(quotes, "EXPIRE_BATCH", 2)
    monkeypatch.setattr(quotes, "EXPIRE_RUN_ROWS", 4)
    # Two a day: a batch ends between quotes of the same date.
    due = [
        _quote(world, days_left=-1 - n // 2, status=(QuoteStatus.SENT, QuoteStatus.VIEWED)[n % 2])
        for n in range(7)
    ]
    lead = lead_for(world, pipeline_for(world.tenant), owner=world.rep)
    kept = [
        _quote(world, days_left=0, lead=lead),  # valid through today
        _quote(world, days_left=-3, status=QuoteStatus.DRAFT, lead=lead),
        _quote(world, days_left=-3, status=QuoteStatus.ACCEPTED, lead=lead),
    ]

    with world.active():
        runs = [quotes.quotes_expire_due(tenant=world.tenant) for _ in range(3)]

    assert runs == [(4, True), (3, False), (0, False)]
    assert _statuses(world, due) == [QuoteStatus.EXPIRED] * 7
    assert _statuses(world, kept) == [QuoteStatus.SENT, QuoteStatus.DRAFT, QuoteStatus.ACCEPTED]
    assert len(_expired_entries(world)) == 7


def test_a_run_stops_starting_batches_when_its_time_is_spent(world, monkeypatch):
    monkeypatch.setattr(quotes, "EXPIRE_BATCH", 2)
    monkeypatch.setattr(quotes, "EXPIRE_RUN_SECONDS", 0)  # spent after the first batch
    due = [_quote(world, days_left=-1) for _ in range(3)]

    with world.active():
        assert quotes.quotes_expire_due(tenant=world.tenant) == (2, True)
        assert quotes.quotes_expire_due(tenant=world.tenant) == (1, False)
    assert _statuses(world, due) == [QuoteStatus.EXPIRED] * 3


def test_the_sweep_continues_a_run_that_stopped_at_its_budget(world, monkeypatch):
    monkeypatch.setattr(quotes, "EXPIRE_BATCH", 2)
    monkeypatch.setattr(quotes, "EXPIRE_RUN_ROWS", 2)
    due = [_quote(world, days_left=-1) for _ in range(3)]
    celery_app.control.purge()  # this run's queue

    first = sweep_tenant(expire_quotes.name, world.tenant.pk)
    assert celery_app.control.purge() == 1  # its follow-up task, queued
    second = sweep_tenant(expire_quotes.name, world.tenant.pk)
    assert celery_app.control.purge() == 0

    assert (first, isinstance(first, More)) == (2, True)
    assert (second, isinstance(second, More)) == (1, False)
    assert _statuses(world, due) == [QuoteStatus.EXPIRED] * 3


def test_another_tenants_quotes_are_left_to_its_own_run(world, other_world):
    ours = _quote(world, days_left=-1)
    theirs = _quote(other_world, days_left=-1)

    with world.active():
        assert quotes.quotes_expire_due(tenant=world.tenant) == (1, False)

    assert _statuses(world, [ours]) == [QuoteStatus.EXPIRED]
    assert _statuses(other_world, [theirs]) == [QuoteStatus.SENT]
    assert _expired_entries(other_world) == []
    assert sweep_inline(expire_quotes, tenant_ids=[other_world.tenant.pk]) == 1
    assert _statuses(other_world, [theirs]) == [QuoteStatus.EXPIRED]


def test_each_expired_quote_has_its_timeline_entry_as_one_expired_alone_had(world):
    first, second = _quote(world, days_left=-1), _quote(world, days_left=-2)

    with world.active():
        quotes.quotes_expire_due(tenant=world.tenant)

    entries = _expired_entries(world)
    with world.active():
        expected = {
            (q.lead_id, q.lead.contact_id, f"Q-{q.lead.number}-{q.number}")
            for q in Quote.objects.select_related("lead").filter(pk__in=[first.pk, second.pk])
        }
    assert {
        (entry.lead_id, entry.contact_id, entry.summary_params["reference"]) for entry in entries
    } == expected
    for entry in entries:
        reference = entry.summary_params["reference"]
        assert entry.summary == f"Quote {reference} expired unanswered"
        assert entry.summary_params == {
            "_msgid": "Quote %(reference)s expired unanswered",
            "reference": reference,
        }
        assert (entry.actor_id, entry.customer_visible, entry.detail) == (None, False, {})
        assert entry.shown_summary == entry.summary


@pytest.mark.django_db(transaction=True)
def test_a_quote_held_by_another_transaction_is_skipped_and_expired_by_the_next_run(world):
    held, free = _quote(world, days_left=-2), _quote(world, days_left=-1)
    holding, release = threading.Event(), threading.Event()

    def hold():
        try:
            with world.active(), transaction.atomic():
                Quote.objects.select_for_update().get(pk=held.pk)  # a customer answering it
                holding.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    def expire_beside():
        try:
            assert holding.wait(timeout=30)
            with world.active(), transaction.atomic(), connection.cursor() as cursor:
                # Waiting for the held quote would be a bug: fail rather than hang.
                cursor.execute("SET LOCAL lock_timeout = '5s'")
                return quotes.quotes_expire_due(tenant=world.tenant)
        finally:
            release.set()
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        holder, expirer = pool.submit(hold), pool.submit(expire_beside)
        holder.result()
        beside = expirer.result()

    assert beside == (1, False)
    assert _statuses(world, [held, free]) == [QuoteStatus.SENT, QuoteStatus.EXPIRED]
    with world.active():
        assert quotes.quotes_expire_due(tenant=world.tenant) == (1, False)
    assert _statuses(world, [held, free]) == [QuoteStatus.EXPIRED] * 2
    assert len(_expired_entries(world)) == 2
