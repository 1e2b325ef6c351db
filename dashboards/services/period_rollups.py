"""The period rollups: the leads created and the leads lost per tenant-local day and per month,
by pipeline, brand, owner and source (and lost reason), so that a period's sources report and
lost reasons are sums of a few hundred rows instead of a count over every lead of the period with
a quote probe per won or lost lead (dashboards.selectors.period_rollups reads them).

Kept current by a sweep over what changed: database triggers (migration dashboards/0008) write a
PeriodChange row for every lead or quote write that moves a figure, naming the lead's cohort day
and, for a lost lead, its closing day, before and after the change. Every minute
`period_roll_up` recounts the days those rows name (a lead won today whose cohort is two years
old recounts that old day), writes only the day rows that changed and moves their months by the
difference (dashboards.rewrite; the first-touch buckets, which do not subtract, are summed again
for the changed groups only), and deletes the rows it read. Until then readers count those days
live, so the figures are exact at any moment.
The sweep's task recounts at most DAYS_PER_RUN days a step (`period_roll_up_step`) and leaves the
other changes for a follow-up step.

The leads created per day are also kept by pipeline, brand and owner with the histogram of their
waits to the first touch (FirstTouchDay and FirstTouchBin: speed to lead), recounted on the same
days as the cohort rows: the triggers note a changed first touch too.

The anomalies' days (LeadDay and LeadDayBin: new leads with their waits to the first touch, and
leads won, per day and filter combination) are recounted on the cohort days and the won days the changes name.

The first run (or a change of the tenant's time zone) builds every day since the oldest lead in
one grouped INSERT … SELECT per table (the first-touch rows' histograms too: put together in
Python a month per query, they were most of a million-lead build), the months from the days in
one more.
"""

import datetime as dt

from django.db import connection, transaction
from django.db.models import Count, Max, Min, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from crm.models import Tenant
from dashboards.aggregates import planner_for_aggregates
from dashboards.models import (
    TOUCH_BINS,
    FirstTouchBin,
    FirstTouchBinMonth,
    FirstTouchDay,
    FirstTouchMonth,
    LeadCohortDay,
    LeadCohortMonth,
    LeadDay,
    LeadDayBin,
    LostDay,
    LostMonth,
    PeriodChange,
    PeriodRollup,
)
from dashboards.rewrite import months_moved_sql, named_params, rows_rewritten_sql
from dashboards.rollup_statements import (
    LEAD_DAY_BINS,
    LEAD_DAY_BUILD_SQL,
    LEAD_DAY_RECOUNT_SQL,
    TOUCH_BUILD_SQL,
    TOUCH_KEYS,
    TOUCH_RECOUNT_SQL,
)
from dashboards.selectors.first_touch import SPEED_WINDOW, WaitBucket, WaitSeconds
from dashboards.selectors.histograms import (
    month_buckets_sql,
    month_group_buckets_sql,
    month_group_params,
    month_params,
    month_sums_sql,
    seconds_json,
)
from dashboards.selectors.lost import lost_aggregates
from dashboards.selectors.period_rollups import (
    day_runs,
    local_date,
    local_midnight,
    moments_on,
    next_month,
)
from dashboards.selectors.sources import cohort_aggregates
from leads.models import Lead, LeadStatus

KEYS = ("pipeline_id", "brand_id", "owner_id", "source_id")
COHORT_SUMS = ("leads", "cost", "won", "won_value", "not_our_work", "out_of_area")
LOST_SUMS = ("lost", "value")
# At most this many runs of days per recount query (a bulk change can touch thousands of days).
RUNS_PER_QUERY = 200
DELETE_BATCH = 10_000
# Days (cohort, closing and won days together) one step of the sweep recounts: a bulk change (an
# import, leads reassigned) can name every day of a million-lead tenant, a recount as long as the
# first build (minutes); the changes of the days left stay noted, their days counted live by the
# readers, for the next step (a step of 100 days of a million-lead tenant: 6-13 s on a loaded
# 2-core box).
DAYS_PER_RUN = 100
SWEEP_LOCK = 210_007  # the advisory lock's first key: this sweep's


# The day rows are written in the database from the grouped counts (a first build of a
# million-lead tenant writes a few hundred thousand rows): day table -> (its columns from the
# count's columns, the leads' field the day is of). The table and column names are this module's.
DAY_ROWS = {
    "dashboards_leadcohortday": (
        {
            **{key: key for key in KEYS},
            "leads": "lead_count",
            "cost": "coalesce(cost_total, 0)",
            "won": "won_count",
            "won_value": "coalesce(won_value_total, 0)",
            "not_our_work": "not_our_work_count",
            "out_of_area": "out_of_area_count",
        },
        "created_at",
    ),
    "dashboards_lostday": (
        {
            **{key: key for key in KEYS},
            "reason": "lost_reason",
            "lost": "lead_count",
            "value": "coalesce(value_total, 0)",
        },
        "closed_at",
    ),
}


def _cohort_counts(tenant: Tenant, created: Q) -> QuerySet:
    return (
        Lead.objects.filter(created, tenant=tenant)
        .annotate(day=TruncDate("created_at", tzinfo=tenant.zone))
        .order_by()
        .values("day", *KEYS)
        .annotate(**cohort_aggregates())
    )


def _lost_counts(tenant: Tenant, closed: Q) -> QuerySet:
    return (
        Lead.objects.filter(closed, tenant=tenant, status=LeadStatus.LOST)
        .annotate(day=TruncDate("closed_at", tzinfo=tenant.zone))
        .order_by()
        .values("day", "lost_reason", *KEYS)
        .annotate(**lost_aggregates())
    )


def _write_days(tenant: Tenant, day_table: str, counts: QuerySet) -> None:
    """INSERT … SELECT the day rows of the grouped `counts` (one statement, no rows in Python)."""
    columns, _field = DAY_ROWS[day_table]
    select, params = counts.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {day_table} (tenant_id, day, {', '.join(columns)})"  # noqa: S608  # nosec B608
            f" SELECT %s, day, {', '.join(columns.values())} FROM ({select}) AS counted",
            [tenant.pk, *params],
        )


# What a recount of LeadCohortDay's and LostDay's rows writes: day table -> (its month table, its
# keys, which of them may be NULL, its figures, the figure every row has at least 1 of).
RECOUNTED = {
    "dashboards_leadcohortday": (
        "dashboards_leadcohortmonth",
        KEYS,
        KEYS[1:],
        COHORT_SUMS,
        "leads",
    ),
    "dashboards_lostday": ("dashboards_lostmonth", (*KEYS, "reason"), KEYS[1:], LOST_SUMS, "lost"),
}


def _days_rewritten(tenant: Tenant, day_table: str, days: list[dt.date], counts: QuerySet) -> int:
    """Make `day_table`'s rows of the local `days` the grouped `counts` of those days, writing
    only the rows that changed, and move their months by the change (dashboards.rewrite), in one
    statement; returns how many day rows changed."""
    columns, _field = DAY_ROWS[day_table]
    month_table, keys, nullable, figures, count = RECOUNTED[day_table]
    select, params = named_params(*counts.query.sql_with_params(), "count_")
    counted = ", ".join(f"{expression} AS {column}" for column, expression in columns.items())
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH fresh AS (SELECT day, {counted} FROM ({select}) AS counted),"  # noqa: S608  # nosec B608
            f"{rows_rewritten_sql('days', day_table, 'fresh', keys, figures, nullable)},"
            f"{months_moved_sql('months', month_table, 'days_pairs', keys, figures, count, nullable)}"
            " SELECT count(*) FROM days_pairs WHERE NOT same",
            {**params, "tenant": tenant.pk, "days": days},
        )
        return cursor.fetchone()[0]


def _touch_counts(tenant: Tenant, created: Q) -> QuerySet:
    """The leads created as `created` says, per local day, pipeline, brand, owner and fine bucket
    of their wait to the first touch."""
    return (
        Lead.objects.filter(created, tenant=tenant)
        .annotate(
            day=TruncDate("created_at", tzinfo=tenant.zone),
            bucket=WaitBucket(),
            wait=WaitSeconds(),
        )
        .order_by()
        .values("day", *TOUCH_KEYS, "bucket")
        .annotate(
            leads=Count("created_at"),
            touched=Count("wait"),
            within=Count("created_at", filter=Q(wait__lte=SPEED_WINDOW.total_seconds())),
            shortest=Min("wait"),
            longest=Max("wait"),
        )
    )


def _touch_sql(statement: str, tenant: Tenant, created: Q) -> tuple[str, dict]:
    select, params = named_params(*_touch_counts(tenant, created).query.sql_with_params(), "c")
    sql = statement.format(
        select=select,
        shortest=seconds_json("shortest"),
        longest=seconds_json("longest"),
        **LEAD_DAY_BINS,
    )
    return sql, {**params, "tenant": tenant.pk}


def _touch_build(tenant: Tenant, created: Q) -> None:
    """Write FirstTouchDay's and FirstTouchBin's rows of the leads created as `created` says (the
    tables holding none of those days'), in one statement (no rows in Python)."""
    with connection.cursor() as cursor:
        cursor.execute(*_touch_sql(TOUCH_BUILD_SQL, tenant, created))


def _touch_recount(tenant: Tenant, days: list[dt.date], months_until: dt.date | None) -> set[tuple]:
    """Make FirstTouchDay's and FirstTouchBin's rows of the local `days` the counted ones,
    writing only those that changed, and move FirstTouchMonth's months before `months_until` by
    the change; returns the FirstTouchBin rows that changed as (day, bin, keys…)."""
    sql, params = _touch_sql(TOUCH_RECOUNT_SQL, tenant, moments_on("created_at", days, tenant))
    with connection.cursor() as cursor:
        cursor.execute(sql, {**params, "days": days, "months_until": months_until or dt.date.min})
        return set(cursor.fetchall())


def _ranges_sql(field_name: str, days, tenant: Tenant) -> tuple[str, dict]:
    """`field_name` on one of the local `days` (None: any day), as SQL and its named parameters
    (the statement's others are named too)."""
    if days is None:
        return "TRUE", {}
    conditions: list[str] = []
    params: dict[str, object] = {}
    for index, (first, after) in enumerate(day_runs(days)):
        start, end = f"{field_name}_{index}_start", f"{field_name}_{index}_end"
        conditions.append(f"{field_name} >= %({start})s AND {field_name} < %({end})s")
        params |= {start: local_midnight(first, tenant), end: local_midnight(after, tenant)}
    return " OR ".join(conditions) or "FALSE", params


def _lead_days_count(tenant: Tenant, days=None) -> tuple[int, int]:
    """Write LeadDay's and LeadDayBin's rows of the local `days` (None: every day, the tables
    holding none of the tenant's); of given days only the rows that changed are written. Returns
    how many rows of each were written or deleted (on a build: 0, 0)."""
    created, created_params = _ranges_sql("created_at", days, tenant)
    won, won_params = _ranges_sql("won_at", days, tenant)
    params = {"tenant": tenant.pk, "zone": tenant.time_zone, **created_params, **won_params}
    with connection.cursor() as cursor:
        if days is None:
            # Every day at once (a first build): grouped by sorting, the CUBE and the bins'
            # hundreds of thousands of groups take a fifth less CPU than hashed.
            cursor.execute("SET LOCAL enable_hashagg = off")
            cursor.execute(
                LEAD_DAY_BUILD_SQL.format(created=created, won=won, **LEAD_DAY_BINS), params
            )
            cursor.execute("SET LOCAL enable_hashagg = DEFAULT")
            return 0, 0
        # The counted rows paired with the stored ones by hashing: the planner, which expects a
        # twentieth of the rows the CTEs hold, sorted both sides of a merge join instead, a third
        # of the statement's time.
        cursor.execute("SET LOCAL enable_mergejoin = off")
        cursor.execute(
            LEAD_DAY_RECOUNT_SQL.format(created=created, won=won, **LEAD_DAY_BINS),
            {**params, "days": list(days)},
        )
        written = cursor.fetchone()
        cursor.execute("SET LOCAL enable_mergejoin = DEFAULT")
        return written


# Each month model's rows of the months %(months)s: its day rows summed per key (the table and
# column names are this module's own).
MONTHS_FROM_DAYS_SQL: dict[type[LeadCohortMonth] | type[LostMonth], str] = {
    LeadCohortMonth: month_sums_sql(
        "dashboards_leadcohortmonth", "dashboards_leadcohortday", ", ".join(KEYS), COHORT_SUMS
    ),
    LostMonth: month_sums_sql(
        "dashboards_lostmonth", "dashboards_lostday", ", ".join((*KEYS, "reason")), LOST_SUMS
    ),
}


FIRST_TOUCH_MONTHS_SQL = month_buckets_sql(
    "dashboards_firsttouchbinmonth", "dashboards_firsttouchbin", TOUCH_KEYS
)
# FirstTouchBinMonth's rows of some groups (month, bin and key) only: deleted, then written again.
FIRST_TOUCH_GROUPS_DELETE_SQL, FIRST_TOUCH_GROUPS_SQL = month_group_buckets_sql(
    "dashboards_firsttouchbinmonth", "dashboards_firsttouchbin", TOUCH_KEYS
)


def _months_from_days(tenant: Tenant, months: set[dt.date]) -> None:
    """Write LeadCohortMonth's and LostMonth's rows of `months` as the sums of their day rows (a
    first build: in the database, one grouped statement per table; a month of a million-lead
    tenant holds some 15,000 day rows). A recount moves its months by what it changed instead
    (_days_rewritten)."""
    if not months:
        return
    with connection.cursor() as cursor:
        for model, sql in MONTHS_FROM_DAYS_SQL.items():
            model.objects.filter(tenant=tenant, month__in=months).delete()
            cursor.execute(sql, month_params(tenant.pk, months))


# FirstTouchMonth's rows of the months %(months)s: their day rows summed per key.
FIRST_TOUCH_MONTH_SUMS_SQL = month_sums_sql(
    "dashboards_firsttouchmonth",
    "dashboards_firsttouchday",
    ", ".join(TOUCH_KEYS),
    ["leads", "touched", "within_window", *(f"bin_{n}" for n in range(TOUCH_BINS))],
)


def _touch_months(tenant: Tenant, months) -> None:
    """Write FirstTouchMonth's and FirstTouchBinMonth's rows of `months` (months over) again
    from their days."""
    if not months:
        return
    FirstTouchMonth.objects.filter(tenant=tenant, month__in=months).delete()
    FirstTouchBinMonth.objects.filter(tenant=tenant, month__in=months).delete()
    with connection.cursor() as cursor:
        params = month_params(tenant.pk, months)
        cursor.execute(FIRST_TOUCH_MONTH_SUMS_SQL, params)
        cursor.execute(FIRST_TOUCH_MONTHS_SQL, params)


def _touch_bin_groups(tenant: Tenant, groups: set[tuple]) -> None:
    """Write FirstTouchBinMonth's rows of the groups (a day of the month, bin and keys: those
    whose day rows a recount changed) again from their days."""
    if groups:
        params = month_group_params(tenant.pk, TOUCH_KEYS, groups)
        with connection.cursor() as cursor:
            cursor.execute(FIRST_TOUCH_GROUPS_DELETE_SQL, params)
            cursor.execute(FIRST_TOUCH_GROUPS_SQL, params)


def _touch_months_over(tenant: Tenant, state: PeriodRollup, now: dt.datetime) -> None:
    """The first run after a month ends writes its FirstTouchBinMonth rows (and those of any
    month over since the last run)."""
    this_month = local_date(now, tenant).replace(day=1)
    if state.touch_months_until is not None and state.touch_months_until >= this_month:
        return
    days = FirstTouchBin.objects.filter(tenant=tenant, day__lt=this_month)
    if state.touch_months_until is not None:
        days = days.filter(day__gte=state.touch_months_until)
    _touch_months(tenant, {day.replace(day=1) for day in days.dates("day", "month")})
    state.touch_months_until = this_month
    state.save(update_fields=["touch_months_until"])


def _recount(
    tenant: Tenant,
    cohort_days: set[dt.date],
    lost_days: set[dt.date],
    won_days: set[dt.date],
    touch_months_until: dt.date | None,
) -> None:
    """Count the given local days again from the leads, and their months from the days (the
    first-touch months among those before `touch_months_until`)."""
    for day_table, days, count in (
        ("dashboards_leadcohortday", sorted(cohort_days), _cohort_counts),
        ("dashboards_lostday", sorted(lost_days), _lost_counts),
    ):
        field_name = DAY_ROWS[day_table][1]
        for index in range(0, len(days), RUNS_PER_QUERY):
            batch = days[index : index + RUNS_PER_QUERY]
            _days_rewritten(
                tenant, day_table, batch, count(tenant, moments_on(field_name, batch, tenant))
            )
    days = sorted(cohort_days)
    # The FirstTouchBin rows that changed: a minute's first touches change a few dozen of the
    # thousands the days hold, and only their months' groups are summed again.
    changed_bins: set[tuple] = set()
    for index in range(0, len(days), RUNS_PER_QUERY):
        changed_bins |= _touch_recount(
            tenant, days[index : index + RUNS_PER_QUERY], touch_months_until
        )
    days = sorted(cohort_days | won_days)
    for index in range(0, len(days), RUNS_PER_QUERY):
        _lead_days_count(tenant, days[index : index + RUNS_PER_QUERY])
    if touch_months_until is not None:
        _touch_bin_groups(tenant, {row for row in changed_bins if row[0] < touch_months_until})


def _build(tenant: Tenant, now: dt.datetime) -> int:
    """Every day from the tenant's oldest lead to the end of this month, in one grouped statement
    per table; returns how many months that is (the caller set the planner for aggregates)."""
    for model in (
        LeadCohortDay,
        LeadCohortMonth,
        FirstTouchDay,
        FirstTouchBin,
        FirstTouchMonth,
        FirstTouchBinMonth,
        LostDay,
        LostMonth,
    ):
        model.objects.filter(tenant=tenant).delete()
    LeadDay.objects.filter(tenant=tenant).delete()
    LeadDayBin.objects.filter(tenant=tenant).delete()
    _lead_days_count(tenant)
    oldest = Lead.objects.filter(tenant=tenant).aggregate(oldest=Min("created_at"))["oldest"]
    months: set[dt.date] = set()
    if oldest is not None:
        first = local_date(oldest, tenant).replace(day=1)
        after = next_month(local_date(now, tenant))
        month = first
        while month < after:
            months.add(month)
            month = next_month(month)
        end = local_midnight(after, tenant)
        created = Q(created_at__gte=local_midnight(first, tenant), created_at__lt=end)
        _write_days(tenant, "dashboards_leadcohortday", _cohort_counts(tenant, created))
        _touch_build(tenant, created)
        # A lead closed before its creation (an import) is on a day before the oldest lead's
        # month: those days are built too.
        _write_days(tenant, "dashboards_lostday", _lost_counts(tenant, Q(closed_at__lt=end)))
        months |= {
            day.replace(day=1)
            for day in LostDay.objects.filter(tenant=tenant, day__lt=first).dates("day", "month")
        }
    _months_from_days(tenant, months)
    this_month = local_date(now, tenant).replace(day=1)
    _touch_months(tenant, {month for month in months if month < this_month})
    PeriodRollup.objects.update_or_create(
        tenant=tenant,
        defaults={"built_at": now, "zone": tenant.time_zone, "touch_months_until": this_month},
    )
    return len(months)


def _changes_within(
    tenant: Tenant, changes: list[tuple], most_days: int | None
) -> tuple[list[tuple], set[dt.date], set[dt.date], set[dt.date]]:
    """The changes one run recounts, in order of their cohort day while their days (cohort,
    closing and won days together) number at most `most_days` (None: all), and those days:
    (changes, cohort days, lost days, won days). A change whose days are taken already comes too."""
    picked: list[tuple] = []
    cohort_days: set[dt.date] = set()
    lost_days: set[dt.date] = set()
    won_days: set[dt.date] = set()
    for change in sorted(changes, key=lambda change: change[1]):
        _, created_at, closed_at, won_at = change
        cohort = {local_date(created_at, tenant)}
        lost = {local_date(closed_at, tenant)} if closed_at is not None else set()
        won = {local_date(won_at, tenant)} if won_at is not None else set()
        new = len(cohort - cohort_days) + len(lost - lost_days) + len(won - won_days)
        counted = len(cohort_days) + len(lost_days) + len(won_days)
        if picked and most_days is not None and counted + new > most_days:
            continue
        picked.append(change)
        cohort_days |= cohort
        lost_days |= lost
        won_days |= won
    return picked, cohort_days, lost_days, won_days


@transaction.atomic
def _roll_up(tenant: Tenant, now: dt.datetime | None, most_days: int | None) -> tuple[int, bool]:
    now = now or timezone.now()
    # One sweep per tenant at a time: the first build outlasts beat's minute, and before it there
    # is no PeriodRollup row to lock.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [SWEEP_LOCK, tenant.pk])
        if not cursor.fetchone()[0]:
            return 0, False
    # JIT off and room to group in memory: a minute's changes name days scattered over years,
    # whose recount and months spilled their sorts to disk with the default work_mem.
    planner_for_aggregates()
    state = PeriodRollup.objects.select_for_update().filter(tenant=tenant).first()
    # Only the changes committed before this point are deleted below; later ones stay recorded.
    changes = list(
        PeriodChange.objects.filter(tenant=tenant).values_list(
            "id", "created_at", "closed_at", "won_at"
        )
    )
    if state is None or state.zone != tenant.time_zone:
        counted, done = _build(tenant, now), changes
    else:
        done, cohort_days, lost_days, won_days = _changes_within(tenant, changes, most_days)
        _recount(tenant, cohort_days, lost_days, won_days, state.touch_months_until)
        _touch_months_over(tenant, state, now)
        counted = len(cohort_days) + len(lost_days)
    read = [pk for pk, *_ in done]
    for index in range(0, len(read), DELETE_BATCH):
        PeriodChange.objects.filter(
            tenant=tenant, pk__in=read[index : index + DELETE_BATCH]
        ).delete()
    return counted, len(done) < len(changes)


def period_roll_up(*, tenant: Tenant, now: dt.datetime | None = None) -> int:
    """Recount the days the recorded changes name (on the first run, or after a change of time
    zone, build every day); returns how many days (on a build: months) were counted."""
    counted, _left = _roll_up(tenant, now, most_days=None)
    return counted


def period_roll_up_step(*, tenant: Tenant, now: dt.datetime | None = None) -> tuple[int, bool]:
    """period_roll_up of at most DAYS_PER_RUN days: (days counted, whether changes are left for
    the next step; their days are counted live until then)."""
    return _roll_up(tenant, now, most_days=DAYS_PER_RUN)
