"""What each section of the page puts in the template: its figures
(dashboards.selectors.figures), their tables (the same ones the CSV export writes) and their charts
(one per pipeline where stages are listed, so a phone can read the stage names)."""

from dataclasses import dataclass
from itertools import groupby

from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from dashboards import charts
from dashboards.selectors import anomalies, lost, receivables, sources
from dashboards.selectors.aging import COLOURS
from dashboards.selectors.figures import Figures
from dashboards.selectors.follow_ups import follow_up_widget
from followups.selectors.members import member_zone

COLOUR_NAMES = (gettext_noop("On time"), gettext_noop("Getting late"), gettext_noop("Late"))


def _aging_chart(title: str, labelled_counts: list, key: str) -> charts.Chart:
    return charts.grouped_bar_chart(
        [label for label, _ in labelled_counts],
        [
            (gettext(name), [getattr(counts, colour) for _, counts in labelled_counts])
            for name, colour in zip(COLOUR_NAMES, COLOURS, strict=True)
        ],
        title=title,
        stacked=True,
        key=key,
    )


def aging_section(figures: Figures) -> dict:
    aging, uncontacted = figures["aging"], figures["uncontacted"]
    with_leads = [row for row in aging.stages if row.counts.total]
    stage_charts = [
        _aging_chart(
            pipeline_name,
            [(row.name, row.counts) for row in rows],
            key=f"aging-pipeline-{pipeline_id}",
        )
        for (pipeline_id, pipeline_name), rows in groupby(
            with_leads, key=lambda row: (row.pipeline_id, row.pipeline_name)
        )
    ]
    context = {
        "aging": aging,
        "aging_stage_table": aging.stage_table(),
        "aging_stage_charts": stage_charts,
        "uncontacted": uncontacted,
        "uncontacted_table": uncontacted.table(),
    }
    if figures.scope.rep is None:
        context["aging_rep_table"] = aging.rep_table()
        context["aging_rep_chart"] = _aging_chart(
            gettext("Open leads by rep"),
            [(name, counts) for _, name, counts in aging.reps],
            key="aging-reps",
        )
    return context


def speed_section(figures: Figures) -> dict:
    speed = figures["speed"]
    judged = [row for row in speed.reps if row.share is not None]
    context = {"speed": speed, "speed_table": speed.table()}
    if figures.scope.rep is None:
        context["speed_chart"] = charts.bar_chart(
            [(row.name, row.share / 100) for row in judged],
            title=gettext("Touched within 15 minutes"),
            value_format=charts.format_percent,
            key="speed-reps",
        )
    return context


def team_section(figures: Figures) -> dict:
    team, stages = figures.team(), figures["stages"]
    with_follow_ups = [row for row in team.reps if row.follow_ups_due]
    left = [row for row in stages.rows if row.flow.left]
    return {
        "team": team,
        "team_table": team.table(),
        "follow_ups_chart": charts.grouped_bar_chart(
            [row.name for row in with_follow_ups],
            [
                (gettext("On time"), [row.follow_ups_on_time for row in with_follow_ups]),
                (gettext("Done late"), [row.follow_ups_late for row in with_follow_ups]),
                (gettext("Overdue"), [row.follow_ups_overdue for row in with_follow_ups]),
                (gettext("Missed"), [row.follow_ups_missed for row in with_follow_ups]),
            ],
            title=gettext("Follow-ups due in the period"),
            stacked=True,
            key="team-follow-ups",
        ),
        "stage_flow": stages,
        "stage_flow_table": stages.table(),
        "stage_flow_charts": [
            charts.bar_chart(
                [(row.stage.name, row.flow.moved_on / row.flow.left) for row in rows],
                title=gettext("%(pipeline_name)s: moved on") % {"pipeline_name": pipeline_name},
                value_format=charts.format_percent,
                key=f"stage-conversion-{pipeline_id}",
            )
            for (pipeline_id, pipeline_name), rows in groupby(
                left, key=lambda row: (row.stage.pipeline_id, row.pipeline_name)
            )
        ],
    }


def sources_section(figures: Figures) -> dict:
    report = figures["sources"]
    return {
        "sources": report,
        "sources_headline": sources.sources_headline(report),
        "sources_charts": sources.sources_charts(report),
        "sources_table": sources.sources_table(report),
        "sources_by_month_table": sources.sources_by_month_table(report),
        "wrong_jobs_table": sources.wrong_jobs_table(report),
    }


def lost_section(figures: Figures) -> dict:
    report = figures["lost"]
    return {
        "lost": report,
        "lost_charts": lost.lost_charts(report),
        "lost_by_reason_table": lost.lost_by_reason_table(report),
        "lost_by_source_table": lost.lost_by_source_table(report),
        "lost_by_rep_table": lost.lost_by_rep_table(report),
        "lost_by_month_table": lost.lost_by_month_table(report),
    }


def anomalies_section(figures: Figures) -> dict:
    report = figures["anomalies"]
    return {
        "anomalies": report,
        "anomaly_charts": anomalies.anomaly_charts(report),
        "anomalies_table": anomalies.anomalies_table(report),
    }


def receivables_section(figures: Figures) -> dict:
    """What customers owe on open invoices by age; by rep for the team, by brand when the team
    has more than one."""
    report, scope = figures["receivables"], figures.scope
    context = {
        "receivables": report,
        "receivables_table": receivables.receivables_table(report, scope),
        "receivables_chart": receivables.receivables_chart(report),
        "insurers_url": receivables.insurers_list_url(scope),
    }
    if scope.rep is None and report.figures.by_rep:
        context["receivables_by_rep_table"] = receivables.receivables_by_rep_table(report, scope)
    if len(report.figures.by_brand) > 1:
        context["receivables_by_brand_table"] = receivables.receivables_by_brand_table(
            report, scope
        )
    return context


def follow_ups_widget(figures: Figures, user) -> dict:
    """The follow-ups widget: the team's for a manager, their own for a rep; "today" and "this
    week" are the reader's (their time zone is part of what is kept). Read from the team rollup
    (dashboards.selectors.follow_ups)."""
    scope = figures.scope
    zone = member_zone(user, scope.tenant)
    widget = figures.kept(
        "follow-ups",
        lambda: follow_up_widget(
            tenant=scope.tenant, zone=zone, assignee=scope.rep, now=figures.now
        ),
        str(zone),
    )
    return {"widget": widget, "widget_assignee": "mine" if scope.rep else "all"}


def now_section(figures: Figures) -> dict:
    """What needs the manager now: late work per rep, leads nobody contacted in time, tickets past
    their SLA and what is unusual this period, each with the way to its details. The same figures
    the other tabs show (kept once), never counted differently."""
    aging, uncontacted = figures["aging"], figures["uncontacted"]
    breached, anomaly_report = figures["breached"], figures["anomalies"]
    return {
        "aging": aging,
        "attention_table": aging.attention_table(),
        "uncontacted": uncontacted,
        "uncontacted_table": uncontacted.table(),
        "breached": breached,
        "breached_tickets": [(ticket, breached.overdue(ticket)) for ticket in breached.oldest],
        "anomalies": anomaly_report,
    }


@dataclass(frozen=True)
class Tab:
    """One tab of the page (?tab=<slug>, kept with the period and filters): its label and the
    sections whose figures it reads, so a tab counts only what it shows."""

    slug: str
    label: str
    rep_label: str
    template: str
    sections: tuple


TABS = (
    Tab("now", _("Needs you now"), _("Needs you now"), "dashboards/_now.html", (now_section,)),
    Tab("aging", _("Aging"), _("Aging"), "dashboards/_aging.html", (aging_section,)),
    Tab(
        "team",
        _("Team"),
        _("My work"),
        "dashboards/_team_tab.html",
        (speed_section, team_section),
    ),
    Tab(
        "sources",
        _("Lead sources"),
        _("Lead sources"),
        "dashboards/_sources.html",
        (sources_section,),
    ),
    Tab("lost", _("Lost deals"), _("Lost deals"), "dashboards/_lost.html", (lost_section,)),
    Tab(
        "receivables",
        _("Receivables"),
        _("My receivables"),
        "dashboards/_receivables.html",
        (receivables_section,),
    ),
    Tab(
        "trends",
        _("Unusual this period"),
        _("Unusual this period"),
        "dashboards/_anomalies.html",
        (anomalies_section,),
    ),
)
DEFAULT_TAB = TABS[0]


def tab_from_query(value: str | None) -> Tab:
    """The tab asked for; anything else (none, unknown) is the first screen."""
    return next((tab for tab in TABS if tab.slug == value), DEFAULT_TAB)
