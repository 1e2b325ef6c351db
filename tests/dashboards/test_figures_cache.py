"""The dashboard keeps each section's figures for a few minutes (dashboards.selectors.figures): a reload
reads them instead of counting again, the page says when they were counted, the CSV export
reads the same entry, and nobody else's figures are ever served. The figures of the moment (open
leads by colour) are not kept there: every request reads what beat's minute count stored
(dashboards.tasks.count_the_moment)."""

import datetime as dt
import threading

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.models import Role
from crm.tenancy import tenant_context
from crm.tenancy.sweeps import sweep_inline
from dashboards.tasks import count_the_moment
from tests.conftest import queries_for, sign_in
from tests.factories import MembershipFactory, lead_for

pytestmark = pytest.mark.django_db

# Wednesday 11 March 2026, 11:00 in New York.
NOW = dt.datetime(2026, 3, 11, 15, 0, tzinfo=dt.UTC)
URL = "/dashboard/"


@pytest.fixture(autouse=True)
def figures_kept(settings):
    settings.DASHBOARD_FIGURES_SECONDS = 300


def _open_leads(client) -> int:
    return client.get(URL).context["aging"].totals.total


def _new_leads(client, query: str = "") -> int:
    return client.get(URL + (query or "?") + "&tab=sources").context["sources"].total.leads


def test_a_reload_reads_the_kept_figures_and_says_when_they_were_counted(client, world):
    lead_for(world, owner=world.rep)
    sign_in(client, world.manager)
    with time_machine.travel(NOW, tick=False):
        sweep_inline(count_the_moment)
        with CaptureQueriesContext(connection) as first:  # the first request counts
            client.get(URL)
        counted = len(first)
        assert _open_leads(client) == 1
    lead_for(world, owner=world.rep)
    with time_machine.travel(NOW + dt.timedelta(minutes=2), tick=False):
        response = client.get(URL)
        assert queries_for(client, URL) < counted  # the anomalies read from the cache
    assert response.context["aging"].totals.total == 1  # as counted two minutes ago
    assert "as of 11:00" in response.content.decode()  # the tenant's time, New York
    rows = client.get(reverse("dashboards:export", kwargs={"section": "aging"}))
    assert len(list(rows.streaming_content)) == 2  # the header and the one lead the page shows


def test_other_filters_periods_people_and_tenants_count_their_own(client, world, other_world):
    other_rep = MembershipFactory(tenant=world.tenant, role=Role.REP)
    with time_machine.travel(NOW, tick=False):
        lead_for(world, owner=world.rep)
        lead_for(world, owner=other_rep)
        lead_for(other_world, owner=other_world.rep)
        sweep_inline(count_the_moment)
        sign_in(client, world.manager)
        assert _open_leads(client) == 2
        assert _new_leads(client) == 2
        assert _new_leads(client, "?period=quarter") == 2
        lead_for(world, owner=world.rep)
        # A period not read yet is counted now; the month is still the kept one.
        assert _new_leads(client, "?period=week") == 3
        assert _new_leads(client) == 2
        # Open leads are of the moment, not of the period: every period reads the one count.
        assert client.get(URL + "?period=week").context["aging"].totals.total == 2
        assert _open_leads(client) == 2
        sign_in(client, world.rep)
        assert _open_leads(client) == 1  # the rep's own, of the same count
        sign_in(client, other_world.manager)
        assert _open_leads(client) == 1  # the other tenant's, never this one's


def _both(world, other_world) -> list[int]:
    return [world.tenant.pk, other_world.tenant.pk]


def test_beat_recounts_the_team_month_so_the_first_manager_reads_fresh_kept_figures(
    client, world, other_world
):
    from dashboards.tasks import keep_figures_fresh

    lead_for(world, owner=world.rep)
    with time_machine.travel(NOW, tick=False):
        sign_in(client, world.manager)
        assert _open_leads(client) == 1
        lead_for(world, owner=world.rep)
    with time_machine.travel(NOW + dt.timedelta(minutes=4), tick=False):
        # Both tenants, as if they were large enough (dashboards.selectors.sweeps).
        assert sweep_inline(keep_figures_fresh, tenant_ids=_both(world, other_world)) > 0
        assert sweep_inline(count_the_moment) == 2
        lead_for(world, owner=world.rep)  # after the count: not in the figures yet
        response = client.get(URL)
    assert response.context["aging"].totals.total == 2


def test_beat_keeps_the_last_twelve_months_too_and_counts_the_moment_once(
    client, world, other_world
):
    from dashboards.tasks import keep_figures_fresh

    with time_machine.travel(NOW, tick=False):
        lead_for(world, owner=world.rep)
        # Per tenant: the month's, the quarter's and the year's 5 reports, and what is owed on
        # open invoices once (a figure of the moment); the team's and the other figures of the
        # moment (aging, not contacted in time, breached tickets) are read from rollups.
        assert sweep_inline(keep_figures_fresh, tenant_ids=_both(world, other_world)) == 2 * (
            1 + 5 + 5 + 5
        )
        sweep_inline(count_the_moment)
        lead_for(world, owner=world.rep)  # after the recount: not in the kept figures yet
    with time_machine.travel(NOW + dt.timedelta(minutes=1), tick=False):
        sign_in(client, world.manager)
        response = client.get(URL + "?period=year&tab=sources")
        aging = client.get(URL + "?period=year&tab=aging").context["aging"]
    assert response.context["scope"].label == "Last 12 months (Apr 2025 – Mar 2026)"
    assert response.context["sources"].total.leads == 1
    assert aging.totals.total == 1


# One count of the same figures at a time: the others wait for it (dashboards.selectors.figures).


def _sources_counting(world):
    """The month's team scope and the mark another request puts while it counts its sources."""
    from dashboards.period import team_scope
    from dashboards.selectors.figures import figures_key

    scope = team_scope(world.tenant, now=NOW)
    key = figures_key(scope, "sources")
    return scope, key, f"{key}:counting"


def _later(seconds: float, *steps):
    timer = threading.Timer(seconds, lambda: [step() for step in steps])
    timer.start()
    return timer


def _never_counted(*_args):
    raise AssertionError("counted although another request was counting the same figures")


def test_a_request_that_finds_the_same_figures_being_counted_reads_that_count(world, monkeypatch):
    from dashboards.selectors import figures

    scope, key, counting = _sources_counting(world)
    monkeypatch.setitem(figures.REPORTS, "sources", _never_counted)
    cache.add(counting, 1)
    timer = _later(
        0.2, lambda: cache.set(key, ("their count", NOW)), lambda: cache.delete(counting)
    )
    with tenant_context(world.tenant):
        assert figures.Figures(scope, now=NOW)["sources"] == "their count"
    timer.join()


@pytest.mark.parametrize("other", ["gives up", "takes too long"])
def test_a_request_counts_the_figures_itself_when_the_other_count_never_comes(
    world, monkeypatch, other
):
    from dashboards.selectors import figures

    scope, key, counting = _sources_counting(world)
    monkeypatch.setattr(figures, "WAIT_FOR_COUNT_SECONDS", 0.5)
    cache.add(counting, 1)
    timer = _later(0.1, lambda: cache.delete(counting) if other == "gives up" else None)
    with time_machine.travel(NOW, tick=False):
        lead_for(world, owner=world.rep)
        with tenant_context(world.tenant):
            assert figures.Figures(scope)["sources"].total.leads == 1
    timer.join()
    assert cache.get(key)[0].total.leads == 1  # kept for the next reader
    # The other request's mark is its own to take off.
    assert (cache.get(counting) is None) == (other == "gives up")
    cache.delete(counting)


def test_a_count_that_fails_takes_its_mark_off_so_the_next_request_counts(world, monkeypatch):
    from dashboards.selectors import figures

    scope, key, counting = _sources_counting(world)

    def broken(*_args):
        raise RuntimeError("the database went away")

    monkeypatch.setitem(figures.REPORTS, "sources", broken)
    with tenant_context(world.tenant), pytest.raises(RuntimeError):
        figures.Figures(scope, now=NOW)["sources"]
    assert cache.get(counting) is None
    assert cache.get(key) is None
