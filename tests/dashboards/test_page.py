"""The dashboard page: who may see what, the period and filters in the query string, the CSV
export, a fixed number of queries whatever the data, and tenant isolation."""

import csv
import datetime as dt
import io
import zoneinfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from crm.models import Role
from dashboards.sections import TABS
from dashboards.selectors.figures import Figures
from dashboards.views import SECTION_TABLES
from leads.models import LeadSource
from leads.pipeline_templates import COMMERCIAL_ROOFING
from leads.services.activity import lead_record_touch
from leads.services.leads import lead_create
from tests.conftest import queries_for, sign_in
from tests.factories import MembershipFactory, lead_for, pipeline_for

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
# Wednesday 11 March 2026, 11:00 in New York.
NOW = dt.datetime(2026, 3, 11, 15, 0, tzinfo=dt.UTC)
URL = "/dashboard/"


def local(year, month, day) -> dt.datetime:
    return dt.datetime(year, month, day, tzinfo=NEW_YORK)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _get(client, membership, query: str = ""):
    sign_in(client, membership)
    return client.get(URL + query)


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- Access -------------------------------------------------------------------------------------


def test_signed_out_people_go_to_the_login_page(client, world):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_managers_and_admins_see_the_team_dashboard(client, world, clock, role):
    response = _get(client, world.membership(role))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Dashboard</h1>" in page
    assert "Late and getting late, by rep" in page
    assert response.context["scope"].rep is None
    assert 'href="/dashboard/"' in page  # in the navigation


def test_a_rep_sees_only_their_own_numbers(client, world, clock):
    other_rep = MembershipFactory(tenant=world.tenant, role=Role.REP)
    lead_for(world, owner=world.rep)
    lead_for(world, owner=other_rep)
    lead_for(world, owner=other_rep)
    response = _get(client, world.rep)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>My numbers</h1>" in page
    assert response.context["scope"].rep == world.rep
    assert response.context["aging"].totals.total == 1
    assert str(other_rep.user) not in page
    team = client.get(URL + "?tab=team")
    assert [row.name for row in team.context["team"].reps] == [str(world.rep.user)]
    aging = client.get(URL + "?tab=aging").content.decode()
    assert "Open leads by rep" not in aging
    assert str(other_rep.user) not in aging
    assert 'href="/dashboard/"' not in page  # not in a rep's navigation


def test_a_reps_export_holds_only_their_numbers(client, world, clock):
    other_rep = MembershipFactory(tenant=world.tenant, role=Role.REP)
    lead_for(world, owner=other_rep)
    sign_in(client, world.rep)
    rows = _csv(client.get(reverse("dashboards:export", kwargs={"section": "team"})))
    assert [row[0] for row in rows[1:]] == [str(world.rep.user)]


def test_the_rep_home_links_to_their_numbers(client, world, clock):
    sign_in(client, world.rep)
    assert 'href="/dashboard/"' in client.get("/").content.decode()


def test_managers_land_on_the_dashboard(client, world):
    sign_in(client, world.manager)
    assert client.get("/")["Location"] == URL


# --- The period and the filters ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "start", "end", "label"),
    [
        ("", local(2026, 3, 1), local(2026, 4, 1), "This month (March 2026)"),
        ("?period=month", local(2026, 3, 1), local(2026, 4, 1), "This month (March 2026)"),
        ("?period=week", local(2026, 3, 9), local(2026, 3, 16), "This week (Mar 9 – Mar 15, 2026)"),
        ("?period=quarter", local(2026, 1, 1), local(2026, 4, 1), "This quarter (Q1 2026)"),
        (
            "?period=year",
            local(2025, 4, 1),
            local(2026, 4, 1),
            "Last 12 months (Apr 2025 – Mar 2026)",
        ),
        (
            "?period=custom&start=2026-02-03&end=2026-02-10",
            local(2026, 2, 3),
            local(2026, 2, 11),
            "Feb 3 – Feb 10, 2026",
        ),
        (
            "?period=custom&start=2025-12-30&end=2026-01-02",
            local(2025, 12, 30),
            local(2026, 1, 3),
            "Dec 30, 2025 – Jan 2, 2026",
        ),
    ],
)
def test_periods_are_read_in_the_tenants_time_zone(client, world, clock, query, start, end, label):
    response = _get(client, world.manager, query)
    scope = response.context["scope"]
    assert (scope.start, scope.end, scope.label) == (start, end, label)
    assert _messages(response) == []


def test_the_week_starts_on_monday_in_the_tenants_zone(client, world):
    # Monday 9 March, 02:00 UTC is still Sunday evening in New York.
    with time_machine.travel(dt.datetime(2026, 3, 9, 2, 0, tzinfo=dt.UTC), tick=False):
        scope = _get(client, world.manager, "?period=week").context["scope"]
    assert (scope.start, scope.end) == (local(2026, 3, 2), local(2026, 3, 9))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?period=fortnight", "Unknown period; showing this month."),
        ("?period=custom&start=2026-02-30&end=2026-03-01", "Give a custom period as two dates"),
        ("?period=custom&start=yesterday", "Give a custom period as two dates"),
        ("?period=custom&start=2026-03-05&end=2026-03-01", "ends before it starts"),
        ("?period=custom&start=2024-01-01&end=2026-03-01", "at most a year"),
        ("?period=custom&start=9999-12-31&end=9999-12-31", "between 1970 and a year from today"),
        ("?period=custom&start=0001-01-01&end=0001-01-01", "between 1970 and a year from today"),
        ("?period=custom&start=2026-03-01&end=2027-03-20", "between 1970 and a year from today"),
        ("?pipeline=abc", "That pipeline is not in this team; showing all."),
        ("?pipeline=²", "That pipeline is not in this team; showing all."),
        ("?pipeline=" + "9" * 5000, "That pipeline is not in this team; showing all."),
        ("?brand=999999", "That brand is not in this team; showing all."),
    ],
)
def test_bad_input_falls_back_with_a_message(client, world, clock, query, message):
    response = _get(client, world.manager, query)
    assert response.status_code == 200
    scope = response.context["scope"]
    assert (scope.start, scope.end) == (local(2026, 3, 1), local(2026, 4, 1))
    assert (scope.pipeline_id, scope.brand_id) == (None, None)
    assert any(message in shown for shown in _messages(response))


def test_the_previous_period_has_the_same_length_just_before(client, world, clock):
    scope = _get(client, world.manager, "?period=custom&start=2026-03-01&end=2026-03-10").context[
        "scope"
    ]
    previous = scope.previous()
    assert (previous.start, previous.end) == (local(2026, 2, 19), local(2026, 3, 1))
    assert previous.label == "Previous period (Feb 19 – Feb 28, 2026)"


def test_pipeline_and_brand_filters(client, world, clock):
    residential = pipeline_for(world.tenant)
    commercial = pipeline_for(world.tenant, COMMERCIAL_ROOFING)
    lead_for(world, residential, owner=world.rep)
    lead_for(world, commercial, owner=world.rep, brand=world.brand)
    response = _get(client, world.manager, f"?pipeline={commercial.pk}&brand={world.brand.pk}")
    scope = response.context["scope"]
    assert (scope.pipeline_id, scope.brand_id) == (commercial.pk, world.brand.pk)
    assert response.context["aging"].totals.total == 1
    assert response.context["selected_pipeline"] == commercial


def test_another_tenants_pipeline_is_not_a_filter(client, world, other_world, clock):
    theirs = pipeline_for(other_world.tenant)
    response = _get(client, world.manager, f"?pipeline={theirs.pk}")
    assert response.context["scope"].pipeline_id is None
    assert "That pipeline is not in this team" in " ".join(_messages(response))


def test_another_tenants_leads_never_count(client, world, other_world, clock):
    lead_for(other_world, owner=other_world.rep)
    lead_for(world, owner=world.rep)
    response = _get(client, world.manager)
    assert response.context["aging"].totals.total == 1
    assert str(other_world.rep.user) not in response.content.decode()
    rows = _csv(client.get(reverse("dashboards:export", kwargs={"section": "aging"})))
    assert len(rows) == 2


# --- CSV export --------------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.mark.parametrize("section", ["aging", "uncontacted", "speed", "team", "stages"])
def test_every_section_exports_the_table_the_page_shows(client, world, clock, section):
    lead_for(world, owner=world.rep)
    sign_in(client, world.manager)
    response = client.get(
        reverse("dashboards:export", kwargs={"section": section}) + "?period=week"
    )
    rows = _csv(response)
    assert 'filename="dashboard-' + section + '-2026-03-09.csv"' in response["Content-Disposition"]
    with world.active():
        scope = client.get(URL + "?period=week").context["scope"]
        table = SECTION_TABLES[section](Figures(scope))
    assert rows[0] == table.headers
    assert len(rows) == len(table.rows) + 1


def test_exports_neutralise_spreadsheet_formulas(client, world, clock):
    world.rep.user.full_name = '=HYPERLINK("http://evil.test","Click")'
    world.rep.user.save(update_fields=["full_name"])
    lead_for(world, owner=world.rep)
    sign_in(client, world.manager)
    for section in ("aging", "team"):
        rows = _csv(client.get(reverse("dashboards:export", kwargs={"section": section})))
        names = [cell for row in rows for cell in row if "HYPERLINK" in cell]
        assert names and all(cell.startswith("'=") for cell in names), section


def test_an_unknown_section_is_not_found(client, world):
    sign_in(client, world.manager)
    assert client.get("/dashboard/export/secrets.csv").status_code == 404


# --- Queries -------------------------------------------------------------------------------------


def _busy_day(world, reps, n: int):
    """n leads per rep, half of them touched, from two sources."""
    pipeline = pipeline_for(world.tenant)
    with world.active():
        sources = [
            LeadSource.objects.get_or_create(tenant=world.tenant, name=name)[0]
            for name in ("Google Ads", "Referral")
        ]
        for rep in reps:
            for index in range(n):
                created = NOW - dt.timedelta(hours=index + 1)
                lead = lead_create(
                    tenant=world.tenant,
                    actor=None,
                    contact=world.contact,
                    pipeline=pipeline,
                    owner=rep,
                    source=sources[index % 2],
                    announce=False,
                    notify_owner=False,
                    now=created,
                )
                if index % 2:
                    lead_record_touch(
                        tenant=world.tenant,
                        lead=lead,
                        channel="phone",
                        at=created + dt.timedelta(minutes=10),
                    )


@pytest.mark.parametrize("tab", [tab.slug for tab in TABS])
def test_each_tab_runs_the_same_queries_however_much_data(client, world, clock, tab):
    sign_in(client, world.manager)
    _busy_day(world, [world.rep], 1)
    few = queries_for(client, f"{URL}?tab={tab}")
    more_reps = [MembershipFactory(tenant=world.tenant, role=Role.REP) for _ in range(3)]
    _busy_day(world, [world.rep, *more_reps], 6)
    assert queries_for(client, f"{URL}?tab={tab}") == few
    # The brand filter's own lookup (to name it at the top) is the one query more.
    assert queries_for(client, f"{URL}?tab={tab}&period=quarter&brand={world.brand.pk}") == few + 1


def test_the_first_screen_shows_what_needs_the_manager_and_links_to_the_rest(client, world, clock):
    lead_for(world, owner=world.rep)
    response = _get(client, world.manager, "?period=quarter&pipeline=")
    page = response.content.decode()
    assert response.context["tab"].slug == "now"
    for heading in ("Needs you now", "Late and getting late, by rep", "Tickets past their SLA"):
        assert heading in page
    # The details live one click away, not on the first screen.
    for heading in ("Stage conversion", "Lead sources", "Why deals were lost", "Speed to lead"):
        assert f">{heading}</h2>" not in page
    links = [url for _, url, _ in response.context["tabs"]]
    assert all("period=quarter" in url for url in links)
    assert [url.rsplit("tab=", 1)[1] for url in links] == [tab.slug for tab in TABS]
    # Changing the period keeps the tab.
    assert '<input type="hidden" name="tab" value="now">' in page


def test_an_unknown_tab_is_the_first_screen(client, world, clock):
    response = _get(client, world.manager, "?tab=%3Cscript%3E")
    assert response.status_code == 200
    assert response.context["tab"].slug == "now"


@pytest.mark.parametrize(
    ("tab", "heading"),
    [
        ("aging", "Aging right now"),
        ("team", "Stage conversion"),
        ("sources", "Lead sources"),
        ("lost", "Why deals were lost"),
        ("trends", "Unusual this period"),
    ],
)
def test_each_tab_shows_its_sections(client, world, clock, tab, heading):
    response = _get(client, world.manager, f"?tab={tab}")
    page = response.content.decode()
    assert heading in page
    assert 'aria-current="page"' in page
