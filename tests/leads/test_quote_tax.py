"""Quotes with tax per line, a discount, a deposit and a payment schedule: the figures, the
editor and the settings page."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from leads import quote_totals
from leads.models import Payment, PaymentKind, Quote, QuoteStatus, TaxRate
from leads.quote_totals import tax_label
from leads.selectors.money import lead_balance
from leads.services.payments import payment_record, payment_refund_record
from leads.services.quotes import quote_save_draft
from leads.services.tax_rates import tax_rate_save
from tests.conftest import sign_in
from tests.factories import lead_for, pipeline_for

pytestmark = pytest.mark.django_db
D = Decimal


def test_totals_share_the_discount_over_the_rates_before_tax():
    totals = quote_totals.totals_of(
        [(D("1000"), "BTW 21 %", D("21")), (D("500"), "BTW 9 %", D("9")), (D("100"), "", D(0))],
        discount_kind=quote_totals.PERCENT,
        discount_value=D("10"),
    )
    assert totals.subtotal == D("1600")
    assert totals.discount == D("160.00")
    assert [(group.net, group.tax) for group in totals.groups] == [
        (D("900.00"), D("189.00")),
        (D("450.00"), D("40.50")),
        (D("90.00"), D("0.00")),
    ]
    assert [group.name for group in totals.tax_lines] == ["BTW 21 %", "BTW 9 %"]
    assert totals.total == D("1669.50")


def test_a_fixed_discount_never_exceeds_the_subtotal_and_shares_add_up():
    totals = quote_totals.totals_of(
        [(D("10"), "A", D("7")), (D("10"), "B", D("7")), (D("10"), "C", D("7"))],
        discount_kind=quote_totals.FIXED,
        discount_value=D("10"),
    )
    assert sum(group.net for group in totals.groups) == D("20")
    capped = quote_totals.totals_of(
        [(D("10"), "", D(0))], discount_kind=quote_totals.FIXED, discount_value=D("50")
    )
    assert capped.discount == D("10") and capped.total == D("0")


def test_the_schedule_ends_with_the_remainder():
    schedule = quote_totals.schedule_of(
        D("1000.01"),
        deposit_kind=quote_totals.PERCENT,
        deposit_value=D("30"),
        progress_percents=[D("30"), D("20")],
    )
    assert [(item.kind, item.amount) for item in schedule] == [
        ("deposit", D("300.00")),
        ("progress", D("300.00")),
        ("progress", D("200.00")),
        ("final", D("200.01")),
    ]
    assert quote_totals.schedule_problem(
        D("100"), deposit_kind="fixed", deposit_value=D("80"), progress_percents=[D("30")]
    ) == D("10.00")


@pytest.fixture
def lead(world):
    return lead_for(world, pipeline_for(world.tenant), owner=world.rep, title="Roof")


@pytest.fixture
def sales_tax(world):
    with world.active():
        return tax_rate_save(
            tenant=world.tenant, actor=world.admin.user, name="Sales tax", percent=D("7"),
            is_default=True,
        )  # fmt: skip


def _draft(world, lead, lines, **fields):
    with world.active():
        return quote_save_draft(
            tenant=world.tenant,
            actor=world.rep.user,
            lead=lead,
            valid_until=world.tenant.today() + dt.timedelta(days=30),
            lines=lines,
            **fields,
        )


def test_the_quote_stores_its_figures_and_keeps_the_rate_as_it_was(world, lead, sales_tax):
    quote = _draft(
        world,
        lead,
        [("Shingles", D("1"), D("1000"), sales_tax), ("Permit", D("1"), D("100"), None)],
        discount_kind="fixed",
        discount_value=D("110"),
        deposit_kind="percent",
        deposit_value=D("25"),
        progress_percents=[D("25")],
    )
    assert (quote.subtotal, quote.discount_total, quote.tax_total) == (
        D("1100"),
        D("110.00"),
        D("63.00"),
    )
    assert quote.total == D("1053.00") and quote.deposit_total == D("263.25")
    with world.active():
        tax_rate_save(
            tenant=world.tenant, actor=world.admin.user, tax_rate=sales_tax, name="Sales tax",
            percent=D("8"), is_default=True,
        )  # fmt: skip
        line = quote.lines.get(description="Shingles")
    assert (line.tax_name, line.tax_percent) == ("Sales tax", D("7.00"))


def test_a_schedule_above_the_total_is_refused_in_words(world, lead):
    with pytest.raises(ValidationError) as refused:
        _draft(
            world,
            lead,
            [("Work", D("1"), D("100"), None)],
            deposit_kind="fixed",
            deposit_value=D("90"),
            progress_percents=[D("20")],
        )
    assert "$10 more than the quote's total of $100" in refused.value.messages[0]


def test_the_amount_due_is_the_tax_inclusive_total_and_a_refund_counts_back(world, lead, sales_tax):
    quote = _draft(world, lead, [("Roof", D("1"), D("1000"), sales_tax)])
    with world.active():
        Quote.objects.filter(pk=quote.pk).update(status=QuoteStatus.ACCEPTED)
        lead.__class__.objects.filter(pk=lead.pk).update(status="won")
        lead.refresh_from_db()
        payment_record(
            tenant=world.tenant, actor=world.rep.user, lead=lead, amount=D("1070"),
            method="check", received_on=world.tenant.today(), kind=PaymentKind.FINAL,
        )  # fmt: skip
        assert lead_balance(tenant=world.tenant, lead=lead).paid_in_full
        with pytest.raises(ValidationError) as refused:
            payment_refund_record(
                tenant=world.tenant, actor=world.rep.user, lead=lead, amount=D("2000"),
                method="check", received_on=world.tenant.today(),
            )  # fmt: skip
        assert "$2,000 is more than the $1,070 paid" in refused.value.messages[0]
        payment_refund_record(
            tenant=world.tenant, actor=world.rep.user, lead=lead, amount=D("70"),
            method="check", received_on=world.tenant.today(),
        )  # fmt: skip
        balance = lead_balance(tenant=world.tenant, lead=lead)
        assert (balance.paid, balance.balance, balance.paid_in_full) == (D("1000"), D("70"), False)
        assert Payment.objects.filter(lead=lead, kind=PaymentKind.REFUND).count() == 1


def test_the_editor_saves_tax_discount_and_schedule(client, world, lead, sales_tax):
    sign_in(client, world.rep)
    response = client.post(
        reverse("leads:quote-create", kwargs={"lead_pk": lead.pk}),
        {
            "title": "Roof",
            "valid_until": (world.tenant.today() + dt.timedelta(days=10)).isoformat(),
            "discount_kind": "percent",
            "discount_value": "10",
            "deposit_kind": "percent",
            "deposit_value": "30",
            "progress_percents": "30, 20",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-description": "Shingles",
            "lines-0-quantity": "2",
            "lines-0-unit_price": "500",
            "lines-0-tax_rate": str(sales_tax.pk),
        },
    )
    assert response.status_code == 302
    with world.active():
        quote = Quote.objects.get(lead=lead)
    assert quote.total == D("963.00") and quote.progress_percents == [D("30"), D("20")]
    page = client.get(response["Location"]).content.decode()
    assert "Sales tax (7 %) on $900" in page
    assert "Payment schedule" in page and "$288.90" in page, page


def test_the_tax_rates_page_adds_one_default(client, world):
    sign_in(client, world.admin)
    url = reverse("lead-settings:tax-rate-create")
    for name, percent in (("BTW 21 %", "21"), ("BTW 9 %", "9")):
        response = client.post(url, {"name": name, "percent": percent, "is_default": "on"})
        assert response.status_code == 302
    with world.active():
        assert list(TaxRate.objects.filter(is_default=True).values_list("name", flat=True)) == [
            "BTW 9 %"
        ]
    assert "BTW 21 %" in client.get(reverse("lead-settings:tax-rates")).content.decode()


@pytest.mark.parametrize(
    ("name", "percent", "label"),
    [
        ("Sales tax", "7.000", "Sales tax (7 %)"),
        ("BTW 21 %", "21.00", "BTW 21 %"),
        ("BTW 9%", "9", "BTW 9%"),
        ("Tax 2021", "21", "Tax 2021 (21 %)"),
        ("County tax", "7.25", "County tax (7.25 %)"),
    ],
)
def test_a_tax_rate_names_its_percent_once(name, percent, label):
    assert tax_label(name, Decimal(percent)) == label
