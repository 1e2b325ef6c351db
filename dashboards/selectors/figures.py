"""The figures behind each dashboard section, counted once and kept for a few minutes.

At a million leads the sections together take seconds to count, and a manager reads them several
times in a row: the page, a filter changed and changed back, a CSV export of what the page shows.
Each section's figures are kept in the cache for `FIGURES_SECONDS` under the tenant, the period,
the filters and whose numbers they are (a rep's own are kept apart from the team's). The page
says when the oldest of them was counted ("as of 09:42"), and the page and the CSV export read
the same entry, so what a manager reads and what they download never disagree.

The team's figures and those of the moment are not kept here: they are read on each request
from rollups beat keeps current (READ_FROM_ROLLUPS), so no request counts them, the first of the
day included.

When figures are not kept yet (the first request of the day, a cache just emptied, a view
nobody opened in five minutes), one request counts them and the others asking for the same
figures at that moment wait for its count and read it: a Monday morning's managers opening the
same view count its figures once, not once each.

Settings: DASHBOARD_FIGURES_SECONDS (300; 0 counts everything on every request).
"""

import datetime as dt
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from crm.models import Tenant
from dashboards.aggregates import planner_for_aggregates
from dashboards.period import Scope, team_scope
from dashboards.selectors.aging import aging_figures, uncontacted_figures
from dashboards.selectors.anomalies import anomaly_report
from dashboards.selectors.breached import breached_figures
from dashboards.selectors.lost import lost_report
from dashboards.selectors.moment import (
    moment_aging,
    moment_get,
    moment_open_leads,
    moment_uncontacted,
)
from dashboards.selectors.receivables import receivables_report
from dashboards.selectors.sources import sources_report
from dashboards.selectors.speed import speed_figures
from dashboards.selectors.team import TeamFigures, stage_flow_figures, team_figures

FIGURES_SECONDS = 300
# How long a request waits for another one's count of the same figures before it counts them
# itself (a count takes well under a second; under load a few), and how often it looks.
WAIT_FOR_COUNT_SECONDS = 5.0
WAIT_POLL_SECONDS = 0.05
# How long a count is taken to be under way when its request never says it ended (killed at the
# web server's 30-second timeout).
COUNTING_SECONDS = 30
# Bump when a report's shape changes, so a deploy never reads what the old code stored.
KEY_VERSION = 3
# Figures of the moment, not of the period (open leads now, who is uncontacted now, the
# follow-ups widget's today and this week, what is owed on open invoices): one count serves every
# period a manager switches to.
RIGHT_NOW = frozenset({"aging", "uncontacted", "breached", "follow-ups", "receivables"})
# Read on every request from what beat keeps (dashboards.models.TeamDay and MomentFigures; the
# tickets breached now from their partial index), never kept in the cache nor counted on a miss.
READ_FROM_ROLLUPS = frozenset({"aging", "uncontacted", "breached", "team"})
# The views kept counted ahead of the manager: the team's month, quarter and last twelve months,
# all pipelines (a year of a million-lead tenant takes seconds to count).
KEPT_PERIODS = ("month", "quarter", "year")

REPORTS: dict[str, Callable[[Scope, dt.datetime], object]] = {
    "aging": lambda scope, now: aging_figures(scope, now=now),
    "uncontacted": lambda scope, now: uncontacted_figures(scope, now=now),
    "breached": lambda scope, now: breached_figures(scope, now=now),
    "speed": lambda scope, now: speed_figures(scope, now=now),
    "team": lambda scope, now: team_figures(scope, now=now),
    "stages": lambda scope, now: stage_flow_figures(scope, now=now),
    "sources": lambda scope, now: sources_report(scope),
    "lost": lambda scope, now: lost_report(scope),
    "anomalies": lambda scope, now: anomaly_report(scope, now=now),
    "receivables": lambda scope, now: receivables_report(scope, now=now),
}


def figures_seconds() -> int:
    return getattr(settings, "DASHBOARD_FIGURES_SECONDS", FIGURES_SECONDS)


def figures_key(scope: Scope, report: str) -> str:
    """Everything the figures depend on besides the time they were counted."""
    right_now = report.split(":")[0] in RIGHT_NOW
    parts = [
        "dashboard",
        str(KEY_VERSION),
        str(scope.tenant.pk),
        report,
        "now" if right_now else scope.start.isoformat(),
        "now" if right_now else scope.end.isoformat(),
        str(scope.pipeline_id or ""),
        str(scope.brand_id or ""),
        str(scope.rep.pk if scope.rep else ""),
    ]
    return ":".join(parts)


def figures_recount(scope: Scope, *, now: dt.datetime | None = None, right_now: bool = True) -> int:
    """Count every report of `scope` now and keep it, replacing what was kept: the beat task
    (dashboards.tasks.keep_figures_fresh) does this for the views managers open first, so the
    first of them each morning does not wait for a million leads to be counted. `right_now`
    False leaves out the figures of the moment (one count serves every period). Returns how many
    reports it counted."""
    seconds = figures_seconds()
    if seconds <= 0:
        return 0
    now = now or timezone.now()
    reports = [
        name
        for name in REPORTS
        if name not in READ_FROM_ROLLUPS and (right_now or name not in RIGHT_NOW)
    ]
    for report in reports:
        cache.set(figures_key(scope, report), (REPORTS[report](scope, now), now), seconds)
    return len(reports)


def team_views_recount(*, tenant: Tenant) -> int:
    """Count and keep the figures of the team's KEPT_PERIODS (figures_recount of each); how many
    reports were counted."""
    planner_for_aggregates()
    now = timezone.now()
    # The figures of the moment are keyed without the period: counted with the first one only.
    return sum(
        figures_recount(team_scope(tenant, now=now, period=period), now=now, right_now=index == 0)
        for index, period in enumerate(KEPT_PERIODS)
    )


class Figures:
    """The reports one request reads, by name (`figures["aging"]`): each from the cache while it
    is fresh, else counted now and kept."""

    def __init__(self, scope: Scope, *, now: dt.datetime | None = None):
        self.scope = scope
        self.now = now or timezone.now()
        self.as_of = self.now
        self._read: dict[str, object] = {}

    def __getitem__(self, report: str):
        if report in READ_FROM_ROLLUPS:
            if report not in self._read:
                self._read[report] = self._from_rollups(report)
            return self._read[report]
        return self.kept(report, lambda: REPORTS[report](self.scope, self.now))

    def _from_rollups(self, report: str):
        """A report read from the rollups: the figures of the moment as the last minute's sweep
        counted them (counted here only before its first run), the team's from TeamDay."""
        if not hasattr(self, "_moment"):
            self._moment = moment_get(tenant=self.scope.tenant)
            if self._moment is not None:
                self.as_of = min(self.as_of, self._moment.counted_at)
        moment = self._moment
        if report == "aging" and moment is not None:
            return moment_aging(self.scope, moment)
        if report == "uncontacted" and moment is not None:
            return moment_uncontacted(self.scope, moment)
        if report == "team":
            open_leads = None if moment is None else moment_open_leads(self.scope, moment)
            return team_figures(self.scope, now=self.now, open_leads=open_leads)
        return REPORTS[report](self.scope, self.now)

    def team(self) -> TeamFigures:
        """The team's figures; while the period runs, with the tickets breached right now counted
        against their assignees' SLA share (the same tickets the page lists)."""
        team = self["team"]
        if self.scope.start <= self.now < self.scope.end:
            team = team.with_breached(self["breached"])
        return team

    def kept(self, report: str, count: Callable[[], object], *more_key: str):
        """The figures `count()` returns, kept under the scope, `report` and `more_key` (what
        else they depend on, e.g. the reader's time zone)."""
        name = ":".join([report, *more_key])
        if name not in self._read:
            value, counted_at = self._fetch(name, count)
            self._read[name] = value
            self.as_of = min(self.as_of, counted_at)
        return self._read[name]

    def _fetch(self, name: str, count: Callable[[], object]) -> tuple[object, dt.datetime]:
        seconds = figures_seconds()
        if seconds <= 0:
            return count(), self.now
        key = figures_key(self.scope, name)
        kept = cache.get(key)
        if kept is not None:
            return kept
        counting = f"{key}:counting"
        counts_them = cache.add(counting, 1, timeout=COUNTING_SECONDS)
        if not counts_them:
            kept = _counted_by_another(key, counting)
            if kept is not None:
                return kept
        try:
            value = count()
            cache.set(key, (value, self.now), seconds)
        finally:
            if counts_them:
                cache.delete(counting)
        return value, self.now


def _counted_by_another(key: str, counting: str):
    """What another request counting the same figures keeps, once it has; None when it gave up
    (its mark gone with nothing kept) or takes longer than WAIT_FOR_COUNT_SECONDS."""
    deadline = time.monotonic() + WAIT_FOR_COUNT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(WAIT_POLL_SECONDS)
        found = cache.get_many([key, counting])
        if key in found:
            return found[key]
        if counting not in found:
            return None
    return None
