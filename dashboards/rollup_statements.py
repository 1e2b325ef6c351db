"""The statements that write the first-touch and anomaly rollups' day rows (FirstTouchDay and
FirstTouchBin, LeadDay and LeadDayBin) in one grouped INSERT … SELECT each: a first build, or a
recount of some days that writes only the rows that changed (dashboards.services.period_rollups
runs them)."""

from dashboards.models import TOUCH_BINS
from dashboards.rewrite import months_moved_sql, rows_rewritten_sql
from dashboards.selectors.histograms import BIN_FLOORS

TOUCH_KEYS = ("pipeline_id", "brand_id", "owner_id")


# LeadDay's and LeadDayBin's rows of the leads created or won in the given ranges, in one
# statement: every combination of pipeline, brand and owner ("any" of each included: GROUPING's
# bits, as dashboards.models.ANY_PIPELINE… name them), with the touched leads per coarse bin and
# each bin's fine buckets (dashboards.selectors.first_touch.WaitBucket and
# dashboards.selectors.histograms.wait_bin, in SQL). A won lead counts on the day it was won.
# The rows are the CTEs lead_day and lead_day_bin; LEAD_DAY_BUILD_SQL or LEAD_DAY_RECOUNT_SQL
# writes them.
LEAD_DAY_ROWS = """
WITH event AS (
    SELECT (created_at AT TIME ZONE %(zone)s)::date AS day, pipeline_id, brand_id, owner_id,
           date_part('epoch', first_touch_at - created_at) AS wait, 1 AS created, 0 AS won
    FROM leads_lead WHERE tenant_id = %(tenant)s AND ({created})
    UNION ALL
    SELECT (won_at AT TIME ZONE %(zone)s)::date, pipeline_id, brand_id, owner_id, NULL, 0, 1
    FROM leads_lead WHERE tenant_id = %(tenant)s AND status = 'won' AND ({won})
), bucketed AS (
    SELECT *, (CASE WHEN floor(wait / 60) < 1440 THEN floor(wait / 60)
                    ELSE floor(wait / 3600) * 60 END)::integer AS bucket
    FROM event
), grouped AS (
    SELECT day, GROUPING(pipeline_id, brand_id, owner_id) AS any_of, pipeline_id, brand_id,
           owner_id, bucket,
           greatest(0, width_bucket(bucket, ARRAY[{bin_floors}]) - 1) AS bin,
           sum(created) AS leads, count(wait) AS touched, sum(won) AS won,
           min(wait) AS shortest, max(wait) AS longest
    FROM bucketed
    GROUP BY day, bucket, CUBE (pipeline_id, brand_id, owner_id)
), lead_day AS (
    SELECT day, any_of, pipeline_id, brand_id, owner_id, sum(leads) AS leads,
           sum(touched) AS touched, sum(won) AS won, {bin_sums}
    FROM grouped
    GROUP BY day, any_of, pipeline_id, brand_id, owner_id
), lead_day_bin AS (
    SELECT day, any_of, pipeline_id, brand_id, owner_id, bin,
           jsonb_object_agg(bucket, jsonb_build_array(touched, shortest, longest)) AS buckets
    FROM grouped
    WHERE bucket IS NOT NULL
    GROUP BY day, any_of, pipeline_id, brand_id, owner_id, bin
)"""
LEAD_DAY_KEYS = ("any_of", "pipeline_id", "brand_id", "owner_id")
LEAD_DAY_FIGURES = ("leads", "touched", "won", *(f"bin_{index}" for index in range(TOUCH_BINS)))
_DAY_COLUMNS = ", ".join(("day", *LEAD_DAY_KEYS, *LEAD_DAY_FIGURES))
_BIN_COLUMNS = ", ".join(("day", *LEAD_DAY_KEYS, "bin", "buckets"))
# Every day's rows written (a first build: the tables hold none of the tenant's).
LEAD_DAY_BUILD_SQL = f"""{LEAD_DAY_ROWS}, days AS (
    INSERT INTO dashboards_leadday (tenant_id, {_DAY_COLUMNS})
    SELECT %(tenant)s, {_DAY_COLUMNS} FROM lead_day
)
INSERT INTO dashboards_leaddaybin (tenant_id, {_BIN_COLUMNS})
SELECT %(tenant)s, {_BIN_COLUMNS} FROM lead_day_bin
"""  # noqa: S608  # nosec B608
# The rows of the days %(days)s made the counted ones, writing only those that changed; returns
# how many of each table's rows were written or deleted.
LEAD_DAY_RECOUNT_SQL = f"""{LEAD_DAY_ROWS},
{rows_rewritten_sql("days", "dashboards_leadday", "lead_day", LEAD_DAY_KEYS, LEAD_DAY_FIGURES, LEAD_DAY_KEYS[1:])},
{rows_rewritten_sql("bins", "dashboards_leaddaybin", "lead_day_bin", (*LEAD_DAY_KEYS, "bin"), ("buckets",), LEAD_DAY_KEYS[1:])}
SELECT (SELECT count(*) FROM days_pairs WHERE NOT same),
       (SELECT count(*) FROM bins_pairs WHERE NOT same)
"""  # noqa: S608  # nosec B608
LEAD_DAY_BINS = {
    "bin_floors": ", ".join(str(minutes) for minutes in BIN_FLOORS),
    "bins": ", ".join(f"bin_{index}" for index in range(TOUCH_BINS)),
    "bin_sums": ", ".join(
        f"coalesce(sum(touched) FILTER (WHERE bin = {index}), 0) AS bin_{index}"
        for index in range(TOUCH_BINS)
    ),
}


# FirstTouchDay's and FirstTouchBin's rows (the CTEs touch_day and touch_bin) from the leads
# grouped per day, pipeline, brand, owner and fine bucket ({select}: _touch_counts's), the bins as
# LEAD_DAY_ROWS's. The seconds in the buckets are written as json.dumps wrote them when these rows
# were put together in Python. TOUCH_BUILD_SQL or _touch_recount_sql writes them.
TOUCH_ROWS = """
WITH grouped AS (
    SELECT *, greatest(0, width_bucket(bucket, ARRAY[{bin_floors}]) - 1) AS bin
    FROM ({select}) AS counted
), touch_day AS (
    SELECT day, pipeline_id, brand_id, owner_id, sum(leads) AS leads, sum(touched) AS touched,
           sum(within) AS within_window, {bin_sums}
    FROM grouped
    GROUP BY day, pipeline_id, brand_id, owner_id
), touch_bin AS (
    SELECT day, bin, pipeline_id, brand_id, owner_id,
           jsonb_object_agg(bucket, jsonb_build_array(touched, {shortest}, {longest})) AS buckets
    FROM grouped
    WHERE bucket IS NOT NULL
    GROUP BY day, bin, pipeline_id, brand_id, owner_id
)"""
TOUCH_FIGURES = ("leads", "touched", "within_window", *(f"bin_{n}" for n in range(TOUCH_BINS)))
_TOUCH_DAY_COLUMNS = ", ".join(("day", *TOUCH_KEYS, *TOUCH_FIGURES))
_TOUCH_BIN_COLUMNS = ", ".join(("day", "bin", *TOUCH_KEYS, "buckets"))
# Every day's rows written (a first build), in day order, so that a month's rows lie together, as
# the sweep's later ones do.
TOUCH_BUILD_SQL = f"""{TOUCH_ROWS}, days AS (
    INSERT INTO dashboards_firsttouchday (tenant_id, {_TOUCH_DAY_COLUMNS})
    SELECT %(tenant)s, {_TOUCH_DAY_COLUMNS} FROM touch_day ORDER BY day
)
INSERT INTO dashboards_firsttouchbin (tenant_id, {_TOUCH_BIN_COLUMNS})
SELECT %(tenant)s, {_TOUCH_BIN_COLUMNS} FROM touch_bin ORDER BY day
"""  # noqa: S608  # nosec B608
# The rows of the days %(days)s made the counted ones, writing only those that changed, and
# FirstTouchMonth's months before %(months_until)s moved by the change; returns the FirstTouchBin
# rows that changed (day, bin and keys): their months' buckets are summed again (they do not
# subtract).
TOUCH_RECOUNT_SQL = f"""{TOUCH_ROWS},
{rows_rewritten_sql("days", "dashboards_firsttouchday", "touch_day", TOUCH_KEYS, TOUCH_FIGURES, TOUCH_KEYS[1:])},
{months_moved_sql("months", "dashboards_firsttouchmonth", "days_pairs", TOUCH_KEYS, TOUCH_FIGURES, "leads", TOUCH_KEYS[1:], before="%(months_until)s")},
{rows_rewritten_sql("bins", "dashboards_firsttouchbin", "touch_bin", ("bin", *TOUCH_KEYS), ("buckets",), TOUCH_KEYS[1:])}
SELECT day, bin, {", ".join(TOUCH_KEYS)} FROM bins_pairs WHERE NOT same
"""  # noqa: S608  # nosec B608
