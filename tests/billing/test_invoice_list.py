"""The team's invoice list (filters, a rep's own, a fixed number of queries, bad input) and the
accounting exports of invoices and payments (columns, machine numbers, streaming, who may)."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.csv_export import INVOICE_HEADERS, PAYMENT_HEADERS
from billing.models import Invoice
from billing.selectors import receivables
from crm.models import Contact, Role
from tests.billing.receivables_world import open_invoice, pay, void
from tests.conftest import queries_for, sign_in
from tests.factories import BrandFactory, MembershipFactory

pytestmark = pytest.mark.django_db
D = Decimal
LIST = reverse("billing:list")


def _numbers(response) -> list[str]:
    html = response.content.decode()
    with_number = Invoice.unscoped.exclude(number="").values_list("number", flat=True)
    return sorted(number for number in with_number if f">{number}</a>" in html)


def test_managers_see_invoices_in_the_navigation_and_reps_do_not(client, world):
    sign_in(client, world.manager)
    assert f'href="{LIST}"' in client.get(reverse("leads:list")).content.decode()
    sign_in(client, world.rep)
    assert f'href="{LIST}"' not in client.get(reverse("leads:list")).content.decode()


def test_the_list_filters_by_status_age_rep_and_brand(client, world):
    second_rep = MembershipFactory(tenant=world.tenant, role=Role.REP)
    other_brand = BrandFactory(tenant=world.tenant, slug="laderthuis")
    current = open_invoice(world, days_overdue=-5)
    month = open_invoice(world, days_overdue=30)
    two_months = open_invoice(world, days_overdue=31, owner=second_rep)
    old = open_invoice(world, days_overdue=120, brand=other_brand)
    paid = open_invoice(world, days_overdue=10)
    pay(world, paid, "100")
    voided = open_invoice(world, days_overdue=10)
    void(world, voided)
    sign_in(client, world.manager)

    def listed(**query):
        response = client.get(LIST, query)
        assert response.status_code == 200
        return _numbers(response)

    every = sorted(i.number for i in (current, month, two_months, old, paid, voided))
    assert listed() == every
    assert listed(status="open") == sorted(i.number for i in (current, month, two_months, old))
    assert listed(status="overdue") == sorted(i.number for i in (month, two_months, old))
    assert listed(status="paid") == [paid.number]
    assert listed(status="void") == [voided.number]
    assert listed(age="current") == [current.number]
    assert listed(age="1-30") == [month.number]
    assert listed(age="31-60") == [two_months.number]
    assert listed(age="90+") == [old.number]
    assert listed(rep=second_rep.pk) == [two_months.number]
    assert listed(brand=other_brand.pk) == [old.number]


def test_a_rep_lists_only_their_own_jobs_invoices(client, world):
    second_rep = MembershipFactory(tenant=world.tenant, role=Role.REP)
    own = open_invoice(world, days_overdue=5)
    open_invoice(world, days_overdue=5, owner=second_rep)
    sign_in(client, world.rep)
    response = client.get(LIST, {"rep": second_rep.pk})
    assert _numbers(response) == [own.number]
    assert 'name="rep"' not in response.content.decode()
    assert "Export for your accounting" not in response.content.decode()


def test_bad_filters_are_named_and_the_rest_still_filter(client, world):
    overdue = open_invoice(world, days_overdue=5)
    open_invoice(world, days_overdue=-5)
    sign_in(client, world.manager)
    response = client.get(
        LIST,
        {"status": "overdue", "age": "old", "rep": "x", "issued_from": "31-02-2026"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Select a valid choice. old is not one of the available choices." in html
    assert "Enter a valid date." in html
    assert _numbers(response) == [overdue.number]
    backwards = client.get(LIST, {"issued_from": "2026-03-10", "issued_to": "2026-03-01"})
    assert "Mar 1, 2026 is before Mar 10, 2026" in backwards.content.decode()


def test_another_teams_invoices_and_members_are_not_listed(client, world, other_world):
    open_invoice(world, days_overdue=5)
    open_invoice(other_world, days_overdue=5)
    with other_world.active():
        Contact.objects.filter(pk=other_world.contact.pk).update(first_name="Zebulon")
    sign_in(client, world.manager)
    html = client.get(LIST).content.decode()
    assert world.contact.display_name in html and "Zebulon" not in html
    response = client.get(LIST, {"rep": other_world.rep.pk})
    assert "Select a valid choice" in response.content.decode()


def test_the_list_costs_the_same_queries_for_three_invoices_or_twelve(client, world):
    for days in (1, 40, 100):
        pay(world, open_invoice(world, amount="300", days_overdue=days), "10")
    sign_in(client, world.manager)
    few = queries_for(client, LIST)
    for days in range(9):
        pay(world, open_invoice(world, amount="300", days_overdue=days), "10")
    assert queries_for(client, LIST) == few


def test_show_more_pages_through_every_invoice_once(client, world):
    made = sorted(open_invoice(world, days_overdue=day).number for day in range(4))
    sign_in(client, world.manager)
    seen, after = [], None
    while True:
        with world.active():
            page = receivables.invoice_list(
                tenant=world.tenant, filters=receivables.InvoiceFilters(), after=after, per_page=3
            )
        seen += [row.invoice.number for row in page.items]
        if not page.has_next:
            break
        after = page.next_cursor
    assert sorted(seen) == made
    response = client.get(LIST, {"after": "not-a-cursor"}, headers={"HX-Request": "true"})
    assert response.status_code == 200


# --- Exports ------------------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def _period(world) -> dict:
    today = world.tenant.today().isoformat()
    return {"start": today, "end": today}


def test_the_invoice_export_is_a_row_per_line_in_machine_format(client, world):
    invoice = open_invoice(world, amount="1234.5", days_overdue=-14)
    pay(world, invoice, "234.50")
    void(world, invoice)  # a credit note follows, negative
    sign_in(client, world.manager)
    response = client.get(reverse("billing:export-invoices"), _period(world))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    header, *rows = _csv(response)
    assert header == list(INVOICE_HEADERS)
    by_type = {row[3]: dict(zip(header, row, strict=True)) for row in rows}
    line = by_type["invoice"]
    assert line["Invoice number"] == invoice.number
    assert line["Invoice date"] == world.tenant.today().isoformat()
    assert (line["Quantity"], line["Unit amount"], line["Line amount"]) == (
        "1.00",
        "1234.50",
        "1234.50",
    )
    assert (line["Tax amount"], line["Invoice total"], line["Currency"]) == (
        "0.00",
        "1234.50",
        "USD",
    )
    assert line["Status"] == "void"
    assert line["Contact name"] == world.contact.display_name
    assert line["Email"]
    credit = by_type["credit_note"]
    assert credit["Line amount"] == "-1234.50"  # a number, not neutralised as a formula
    assert credit["Credits invoice"] == invoice.number
    assert len(rows) == 2


def test_the_payment_export_has_payments_and_refunds(client, world, other_world):
    invoice = open_invoice(world, amount="500", days_overdue=3)
    pay(world, invoice, "500")
    pay(world, invoice, "75.25", refund=True)
    pay(other_world, open_invoice(other_world, amount="80"), "80")
    sign_in(client, world.manager)
    header, *rows = _csv(client.get(reverse("billing:export-payments"), _period(world)))
    assert header == list(PAYMENT_HEADERS)
    got = sorted((row[1], row[2], row[3], row[4], row[5]) for row in rows)
    assert got == [
        (invoice.number, "500.00", "USD", "payment", "bank_transfer"),
        (invoice.number, "75.25", "USD", "refund", "bank_transfer"),
    ]


def test_exports_are_for_managers_and_admins_and_refuse_a_bad_period(client, world):
    sign_in(client, world.rep)
    for name in ("billing:export-invoices", "billing:export-payments"):
        assert client.get(reverse(name), _period(world)).status_code == 403
    sign_in(client, world.admin)
    response = client.get(
        reverse("billing:export-invoices"), {"start": "2026-03-10", "end": "2026-03-01"}
    )
    assert response.status_code == 302
    follow = client.get(response["Location"])
    assert "The period ends on Mar 1, 2026, before it starts on Mar 10, 2026." in (
        follow.content.decode()
    )
    response = client.get(
        reverse("billing:export-payments"), {"start": "2025-01-01", "end": "2026-01-02"}
    )
    assert "The period is 367 days; an export covers at most 366." in (
        client.get(response["Location"]).content.decode()
    )
    assert client.get(reverse("billing:export-payments"), {"start": "x"}).status_code == 302
