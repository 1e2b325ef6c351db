"""Receivables: open balances by age (the bucket edges), per rep and brand, the same figures as
invoice_balance, one query, each tenant its own; a rep's overdue customers."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.models import Invoice, Payer
from billing.selectors.invoices import invoice_balance
from billing.selectors.receivables import (
    AGE_BUCKETS,
    INSURER,
    InvoiceFilters,
    age_bucket_of,
    invoice_list,
    overdue_for_owner,
    receivables,
)
from crm.models import Role
from tests.billing.receivables_world import open_invoice, pay, void
from tests.factories import BrandFactory, MembershipFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.mark.parametrize(
    ("days_overdue", "bucket"),
    [
        (-5, "current"),
        (0, "current"),
        (1, "1-30"),
        (30, "1-30"),
        (31, "31-60"),
        (60, "31-60"),
        (61, "61-90"),
        (90, "61-90"),
        (91, "90+"),
        (400, "90+"),
    ],
)
def test_each_day_falls_in_one_age_bucket(days_overdue, bucket):
    today = dt.date(2026, 3, 31)
    assert age_bucket_of(today - dt.timedelta(days=days_overdue), today).slug == bucket


def _figures(world, **filters):
    with world.active():
        return receivables(tenant=world.tenant, today=world.tenant.today(), **filters)


def test_the_database_buckets_the_edges_as_the_page_reads_them(world):
    for days in (0, 1, 30, 31, 60, 61, 90, 91):
        open_invoice(world, amount=str(days + 1000), days_overdue=days)
    figures = _figures(world)
    amounts = {slug: owed.amount for slug, owed in figures.total.buckets.items()}
    assert amounts == {
        "current": D("1000"),
        "1-30": D("1001") + D("1030"),
        "31-60": D("1031") + D("1060"),
        "61-90": D("1061") + D("1090"),
        "90+": D("1091"),
    }
    assert figures.total.total.count == 8
    assert figures.total.overdue.count == 7
    assert [bucket.slug for bucket in AGE_BUCKETS] == list(figures.total.buckets)


def test_balances_are_invoice_balance_summed(world):
    partly = open_invoice(world, amount="500", days_overdue=10)
    refunded = open_invoice(world, amount="300", days_overdue=10)
    paid = open_invoice(world, amount="200", days_overdue=10)
    voided = open_invoice(world, amount="900", days_overdue=10)
    pay(world, partly, "120.50")
    pay(world, refunded, "300")
    pay(world, refunded, "50", refund=True)
    pay(world, paid, "200")
    pay(world, voided, "100")
    void(world, voided)  # a credit note follows: it owes nothing either
    figures = _figures(world)
    with world.active():
        expected = sum(
            invoice_balance(tenant=world.tenant, invoice=invoice).balance
            for invoice in Invoice.objects.filter(tenant=world.tenant)
        )
    assert expected == D("379.50") + D("50")
    assert figures.total.buckets["1-30"].amount == expected
    assert figures.total.total.count == 2  # paid and void are not open


def test_per_rep_and_per_brand_and_filtered(world):
    second_rep = MembershipFactory(tenant=world.tenant, role=Role.REP)
    other_brand = BrandFactory(tenant=world.tenant, slug="laderthuis")
    open_invoice(world, amount="100", days_overdue=5)
    open_invoice(world, amount="250", days_overdue=45, owner=second_rep, brand=other_brand)
    open_invoice(world, amount="40", days_overdue=-3, owner=second_rep)
    figures = _figures(world)
    reps = {group.key: group for group in figures.by_rep}
    assert [group.key for group in figures.by_rep] == [second_rep.pk, world.rep.pk]
    assert reps[second_rep.pk].total.amount == D("290")
    assert reps[second_rep.pk].buckets["31-60"].amount == D("250")
    assert reps[second_rep.pk].overdue.amount == D("250")
    assert reps[world.rep.pk].buckets["1-30"].amount == D("100")
    brands = {group.key: group.total.amount for group in figures.by_brand}
    assert brands == {other_brand.pk: D("250"), world.brand.pk: D("140")}
    assert _figures(world, owner_id=world.rep.pk).total.total.amount == D("100")
    assert _figures(world, brand_id=other_brand.pk).total.total.amount == D("250")


def test_what_insurers_owe_is_apart_from_the_aged_balances_and_listed(world):
    open_invoice(world, amount="100", days_overdue=5)
    claim = open_invoice(world, amount="7000", days_overdue=0)
    pay(world, claim, "1000")
    with world.active():
        Invoice.objects.filter(pk=claim.pk).update(payer=Payer.INSURER, due_on=None)
    figures = _figures(world)
    assert (figures.insurers.count, figures.insurers.amount) == (1, D("6000"))
    assert (figures.total.total.count, figures.total.total.amount) == (1, D("100"))
    assert _figures(world, owner_id=world.rep.pk).insurers.amount == D("6000")
    with world.active():
        listed = invoice_list(tenant=world.tenant, filters=InvoiceFilters(status=INSURER))
        opened = invoice_list(tenant=world.tenant, filters=InvoiceFilters(status="open"))
    assert [row.invoice.pk for row in listed.items] == [claim.pk]
    assert claim.pk not in [row.invoice.pk for row in opened.items]


def test_one_query_whatever_the_number_of_invoices(world):
    for days in (1, 40, 100):
        invoice = open_invoice(world, amount="100", days_overdue=days)
        pay(world, invoice, "10")
    with world.active(), CaptureQueriesContext(connection) as captured:
        receivables(tenant=world.tenant, today=world.tenant.today())
    assert len([q for q in captured if "SAVEPOINT" not in q["sql"]]) == 1


def test_another_tenant_sees_none_of_it(world, other_world):
    open_invoice(world, amount="100", days_overdue=5)
    open_invoice(other_world, amount="70", days_overdue=5)
    assert _figures(world).total.total.amount == D("100")
    assert _figures(other_world).total.total.amount == D("70")


def test_a_reps_overdue_customers_most_overdue_first(world):
    second_rep = MembershipFactory(tenant=world.tenant, role=Role.REP)
    recent = open_invoice(world, amount="100", days_overdue=3)
    oldest = open_invoice(world, amount="400", days_overdue=70)
    pay(world, oldest, "150")
    open_invoice(world, amount="999", days_overdue=0)  # due today: not overdue
    open_invoice(world, amount="888", days_overdue=20, owner=second_rep)
    with world.active():
        summary = overdue_for_owner(tenant=world.tenant, owner_id=world.rep.pk)
    assert (summary.count, summary.amount) == (2, D("350"))
    assert [row.invoice.pk for row in summary.most_overdue] == [oldest.pk, recent.pk]
    assert summary.most_overdue[0].figures.balance == D("250")
    assert summary.most_overdue[0].status == "overdue"
