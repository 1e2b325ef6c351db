"""The dashboard's receivables tab: amounts by age, rep and brand, each linking to the invoices
it adds up; a rep sees their own; the brand filter; the CSV; a fixed number of queries. And a
rep's home: their customers' overdue invoices."""

import csv
import io
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from crm.models import Role
from tests.billing.receivables_world import open_invoice, pay
from tests.conftest import queries_for, sign_in
from tests.factories import BrandFactory, MembershipFactory

pytestmark = pytest.mark.django_db
TAB = "/dashboard/?tab=receivables"


def _links(html: str) -> list[dict]:
    """The invoice-list links on the page, as their query strings."""
    start = reverse("billing:list") + "?"
    found = []
    for piece in html.split('href="')[1:]:
        url = piece.split('"', 1)[0].replace("&amp;", "&")
        if url.startswith(start):
            found.append({k: v[0] for k, v in parse_qs(urlsplit(url).query).items()})
    return found


def test_managers_see_owed_by_age_and_rep_with_links(client, world):
    second_rep = MembershipFactory(tenant=world.tenant, role=Role.REP)
    open_invoice(world, amount="1000", days_overdue=45)
    partly = open_invoice(world, amount="400", days_overdue=100, owner=second_rep)
    pay(world, partly, "150")
    sign_in(client, world.manager)
    response = client.get(TAB)
    assert response.status_code == 200
    html = response.content.decode()
    assert "$1,250" in html  # the total owed
    assert "$250" in html and "$1,000" in html
    links = _links(html)
    assert {"status": "open", "age": "31-60", "rep": str(world.rep.pk)} in links
    assert {"status": "open", "age": "90+", "rep": str(second_rep.pk)} in links
    assert {"status": "open", "age": "90+"} in links


def test_a_rep_sees_only_what_their_customers_owe(client, world):
    second_rep = MembershipFactory(tenant=world.tenant, role=Role.REP)
    open_invoice(world, amount="321", days_overdue=5)
    open_invoice(world, amount="9876", days_overdue=5, owner=second_rep)
    sign_in(client, world.rep)
    html = client.get(TAB).content.decode()
    assert "$321" in html and "$9,876" not in html
    assert "By rep" not in html


def test_the_brand_filter_and_the_by_brand_table(client, world):
    other_brand = BrandFactory(tenant=world.tenant, slug="laderthuis", name="Laderthuis")
    open_invoice(world, amount="111", days_overdue=5)
    open_invoice(world, amount="222", days_overdue=5, brand=other_brand)
    sign_in(client, world.manager)
    html = client.get(TAB).content.decode()
    assert "Laderthuis" in html and "$333" in html
    assert {"status": "open", "age": "1-30", "brand": str(other_brand.pk)} in _links(html)
    filtered = client.get(f"{TAB}&brand={other_brand.pk}").content.decode()
    assert "$222" in filtered and "$333" not in filtered


def test_the_csv_has_the_tables_figures(client, world):
    open_invoice(world, amount="500", days_overdue=61)
    sign_in(client, world.manager)
    response = client.get(reverse("dashboards:export", args=["receivables-by-rep"]))
    text = b"".join(response.streaming_content).decode()
    header, row = list(csv.reader(io.StringIO(text)))
    assert header[:6] == [
        "Rep",
        "Not yet due",
        "1–30 days",
        "31–60 days",
        "61–90 days",
        "Over 90 days",
    ]
    assert row[4] == "$500" and row[-1] == "1"


def test_the_tab_costs_the_same_queries_whatever_the_invoices(client, world, other_world):
    open_invoice(world, amount="100", days_overdue=5)
    open_invoice(other_world, amount="100", days_overdue=5)
    sign_in(client, world.manager)
    few = queries_for(client, TAB)
    for days in (1, 40, 70, 100):
        second_rep = MembershipFactory(tenant=world.tenant, role=Role.REP)
        pay(world, open_invoice(world, amount="300", days_overdue=days, owner=second_rep), "5")
    assert queries_for(client, TAB) == few


def test_a_reps_home_shows_their_customers_overdue_invoices(client, world):
    second_rep = MembershipFactory(tenant=world.tenant, role=Role.REP)
    oldest = open_invoice(world, amount="700", days_overdue=50)
    open_invoice(world, amount="300", days_overdue=2)
    open_invoice(world, amount="4444", days_overdue=-3)  # not due yet
    open_invoice(world, amount="5555", days_overdue=9, owner=second_rep)
    sign_in(client, world.rep)
    html = client.get("/").content.decode()
    assert "Overdue invoices" in html
    assert "$1,000" in html and "overdue on 2 invoices of your customers." in html
    assert reverse("billing:detail", args=[oldest.lead_id, oldest.pk]) in html
    assert "$4,444" not in html and "$5,555" not in html
    sign_in(client, second_rep)
    assert "$5,555" in client.get("/").content.decode()


def test_a_reps_home_without_overdue_invoices_says_nothing_of_them(client, world):
    open_invoice(world, amount="300", days_overdue=0)
    sign_in(client, world.rep)
    assert "Overdue invoices" not in client.get("/").content.decode()


def test_a_reps_home_costs_the_same_queries_whatever_the_invoices(client, world):
    open_invoice(world, amount="100", days_overdue=5)
    sign_in(client, world.rep)
    few = queries_for(client, "/")
    for days in (1, 40, 70, 100, 120, 130):
        pay(world, open_invoice(world, amount="300", days_overdue=days), "5")
    assert queries_for(client, "/") == few
