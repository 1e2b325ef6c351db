"""Rollups the dashboard reads instead of scanning history at read time.

Stage conversion needs, for every stage visit that ended, where the lead went next: at a million
leads that is hundreds of thousands of index probes per month shown. A beat task
(dashboards.tasks.roll_up_stage_flow) writes one row per tenant-local day, stage, owner and brand
every minute (today's rows are added to until the day is over, then counted again whole); the
page sums those rows and computes live only the visits of the minute since.

The anomalies section counts calls and customer messages over up to sixty weeks (a year and the
eight weeks before it): dashboards.tasks.roll_up_activity keeps them per day, pipeline, brand and
person in ActivityDay.
"""

import datetime as dt

from django.conf import settings
from django.db import models

from crm.models import Brand, Membership
from crm.tenancy.models import TenantOwnedModel
from leads.models import Pipeline, Stage


class StageFlowDay(TenantOwnedModel):
    """One day's stage visits that began, and those that ended and where the lead went next."""

    day = models.DateField(help_text="The tenant's local date.")
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(
        Membership,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The lead's owner when the day was rolled up.",
    )
    brand = models.ForeignKey(Brand, null=True, on_delete=models.SET_NULL, related_name="+")
    entered = models.PositiveIntegerField(default=0)
    left = models.PositiveIntegerField(default=0)
    moved_on = models.PositiveIntegerField(
        default=0, help_text="Of those that left: to a later stage of the same pipeline."
    )
    time_in_stage = models.DurationField(
        default=dt.timedelta, help_text="Summed over the visits that ended."
    )

    class Meta:
        indexes = [models.Index(fields=["tenant", "day"], name="stage_flow_day_by_day")]


class StageFlowMonth(TenantOwnedModel):
    """The sum of a finished month's StageFlowDay rows (dashboards.services.rollups writes it when
    the month's last day is stored whole): a year reads its finished months here and only the
    current month's days, a tenth of the rows."""

    month = models.DateField(help_text="The first day of the tenant's local month.")
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(Membership, null=True, on_delete=models.SET_NULL, related_name="+")
    brand = models.ForeignKey(Brand, null=True, on_delete=models.SET_NULL, related_name="+")
    entered = models.PositiveIntegerField(default=0)
    left = models.PositiveIntegerField(default=0)
    moved_on = models.PositiveIntegerField(default=0)
    time_in_stage = models.DurationField(default=dt.timedelta)

    class Meta:
        indexes = [models.Index(fields=["tenant", "month"], name="stage_flow_month_by_month")]


class ActivityDay(TenantOwnedModel):
    """One day's calls logged and customer messages, by the lead's pipeline, the brand and the
    person: who logged the call or wrote the message, or for a message received, the ticket's
    assignee when the day was rolled up."""

    day = models.DateField(help_text="The tenant's local date.")
    pipeline = models.ForeignKey(Pipeline, null=True, on_delete=models.SET_NULL, related_name="+")
    brand = models.ForeignKey(
        Brand,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="A call's lead's brand; a message's inbox's brand.",
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    calls = models.PositiveIntegerField(default=0)
    messages_sent = models.PositiveIntegerField(default=0)
    messages_received = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["tenant", "day"], name="activity_day_by_day")]


class ActivityRollup(TenantOwnedModel):
    """How far a tenant's activity is rolled up: every day up to `rolled_through` included."""

    rolled_through = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="activity_rollup_one"),
        ]


class StageFlowRollup(TenantOwnedModel):
    """How far a tenant's stage flow is rolled up: every finished day up to `rolled_through`
    included, whole, and the days after it (today) with the visits that began before
    `counted_through` (added to by the minute's sweep; null: those days are not stored, as
    before migration 0013)."""

    rolled_through = models.DateField()
    counted_through = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="stage_flow_rollup_one"),
        ]


# --- The figures of a period (dashboards.services.period_rollups) ---------------------------------
# Keyed by the filters a manager picks (pipeline, brand, owner) and what the reports group by
# (source, lost reason). Plain ids, not foreign keys: a row is recounted whenever a lead it counts
# changes, so it never outlives the pipeline, brand, member or source it names.


class _LeadCohortFigures(TenantOwnedModel):
    """The leads created on a day (or in a month): what the sources report sums."""

    pipeline_id = models.BigIntegerField()
    brand_id = models.BigIntegerField(null=True)
    owner_id = models.BigIntegerField(null=True)
    source_id = models.BigIntegerField(null=True)
    leads = models.PositiveIntegerField(default=0)
    cost = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    won = models.PositiveIntegerField(default=0)
    won_value = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    not_our_work = models.PositiveIntegerField(default=0)
    out_of_area = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class LeadCohortDay(_LeadCohortFigures):
    day = models.DateField(help_text="The tenant's local date the leads were created.")

    class Meta:
        indexes = [models.Index(fields=["tenant", "day"], name="lead_cohort_day_by_day")]


class LeadCohortMonth(_LeadCohortFigures):
    """The sum of a month's LeadCohortDay rows: a year reads twelve months of them."""

    month = models.DateField(help_text="The first day of the tenant's local month.")

    class Meta:
        indexes = [models.Index(fields=["tenant", "month"], name="lead_cohort_month_by_month")]


class _LostFigures(TenantOwnedModel):
    """The leads lost (and still lost) on a day or in a month, with what was on the table."""

    pipeline_id = models.BigIntegerField()
    brand_id = models.BigIntegerField(null=True)
    owner_id = models.BigIntegerField(null=True)
    source_id = models.BigIntegerField(null=True)
    reason = models.CharField(max_length=16)
    lost = models.PositiveIntegerField(default=0)
    value = models.DecimalField(max_digits=16, decimal_places=2, default=0)

    class Meta:
        abstract = True


class LostDay(_LostFigures):
    day = models.DateField(help_text="The tenant's local date the leads were closed as lost.")

    class Meta:
        indexes = [models.Index(fields=["tenant", "day"], name="lost_day_by_day")]


class LostMonth(_LostFigures):
    month = models.DateField(help_text="The first day of the tenant's local month.")

    class Meta:
        indexes = [models.Index(fields=["tenant", "month"], name="lost_month_by_month")]


class PeriodRollup(TenantOwnedModel):
    """A tenant's period rollups are built (every day up to `built_at`, and since then every day
    a change was recorded for) in the time zone `zone`; a change of zone builds them again."""

    built_at = models.DateTimeField()
    zone = models.CharField(max_length=64)
    touch_months_until = models.DateField(
        null=True,
        help_text="FirstTouchBinMonth holds every month before this one (a first day): the "
        "months over when the sweep last ran.",
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="period_rollup_one")]


class PeriodChange(TenantOwnedModel):
    """A lead (or one of its quotes) changed in a way the period figures show: written by database
    triggers on leads_lead and leads_quote (migration dashboards/0007), so that every write path
    (services, bulk updates, deletes, a member or source removed) is seen. The days it names are
    counted live until the sweep recounts them and deletes the row."""

    created_at = models.DateTimeField(help_text="The lead's creation: its cohort's day.")
    closed_at = models.DateTimeField(null=True, help_text="When it was lost, if it was.")
    won_at = models.DateTimeField(null=True, help_text="When it was won, if it was.")

    class Meta:
        indexes = [models.Index(fields=["tenant", "id"], name="period_change_by_tenant")]


class TeamDay(TenantOwnedModel):
    """One local day of the team section's period figures, by pipeline, brand and person, so any
    period, filter or rep's own view sums rows instead of counting follow-ups and SLA events
    (dashboards.services.team_rollup keeps them; dashboards.selectors.team reads them).

    Follow-ups are those scheduled that day and not cancelled, by assignee and their lead's
    pipeline and brand. SLA answers and first-response clocks are those recorded that day, by the
    ticket's assignee, its lead's pipeline and its inbox's brand; the first-response waits are
    counted per bin in `response_bin_0`…`response_bin_31` (dashboards.selectors.histograms),
    their fine buckets kept in TeamResponseBin. Every day is stored, future days too (a follow-up
    done early counts on time); today's rows are counted again by every sweep, as of its time
    (TeamRollup.today_counted_at).
    """

    day = models.DateField(help_text="The tenant's local date.")
    pipeline = models.ForeignKey(Pipeline, null=True, on_delete=models.SET_NULL, related_name="+")
    brand = models.ForeignKey(Brand, null=True, on_delete=models.SET_NULL, related_name="+")
    person = models.ForeignKey(Membership, null=True, on_delete=models.SET_NULL, related_name="+")
    follow_ups_on_time = models.PositiveIntegerField(default=0)
    follow_ups_late = models.PositiveIntegerField(default=0)
    follow_ups_open = models.PositiveIntegerField(
        default=0, help_text="Still to do: overdue once the day is over."
    )
    follow_ups_overdue = models.PositiveIntegerField(
        default=0,
        help_text="Of those still to do, the ones scheduled before the row was counted: read on "
        "today's row only (a past day's are all overdue).",
    )
    follow_ups_missed = models.PositiveIntegerField(default=0)
    sla_met = models.PositiveIntegerField(default=0)
    sla_late = models.PositiveIntegerField(default=0)
    first_responses = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["tenant", "day"], name="team_day_by_day")]


class TeamResponseBin(TenantOwnedModel):
    """The first-response waits of one TeamDay row in one bin (its `response_bin_<n>` count), as
    {bucket: [count, shortest, longest]} in seconds; a bucket is a whole minute below a day, a
    whole hour after (what the page shows). A read fetches only the bins that hold a median
    (dashboards.selectors.histograms)."""

    day = models.DateField()
    bin = models.PositiveSmallIntegerField()
    pipeline = models.ForeignKey(Pipeline, null=True, on_delete=models.SET_NULL, related_name="+")
    brand = models.ForeignKey(Brand, null=True, on_delete=models.SET_NULL, related_name="+")
    person = models.ForeignKey(Membership, null=True, on_delete=models.SET_NULL, related_name="+")
    buckets = models.JSONField(default=dict)

    class Meta:
        indexes = [models.Index(fields=["tenant", "bin", "day"], name="team_response_bin_by_bin")]


class TeamResponseMonthBin(TenantOwnedModel):
    """TeamResponseBin's rows of one finished month summed (`month`: its first day), so a
    year's medians read twelve rows per key instead of 365. Written with the month's day rows
    whenever a sweep counts one of its days again, once the month is over (the month of the
    rollup's `live_day` and later are read from their days)."""

    month = models.DateField()
    bin = models.PositiveSmallIntegerField()
    pipeline = models.ForeignKey(Pipeline, null=True, on_delete=models.SET_NULL, related_name="+")
    brand = models.ForeignKey(Brand, null=True, on_delete=models.SET_NULL, related_name="+")
    person = models.ForeignKey(Membership, null=True, on_delete=models.SET_NULL, related_name="+")
    buckets = models.JSONField(default=dict)

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "bin", "month"], name="team_response_month_by_bin")
        ]


class TeamMonth(TenantOwnedModel):
    """TeamDay's rows of one finished month summed (`month`: its first day), so a year's team
    figures sum twelve rows per key instead of 365. Written with TeamResponseMonthBin whenever a
    sweep counts one of the month's days again once the month is over; the month of the
    rollup's `live_day` and later are read from their days. Its days are all past, so what was
    still to do on them (`follow_ups_open`) is overdue."""

    month = models.DateField()
    pipeline = models.ForeignKey(Pipeline, null=True, on_delete=models.SET_NULL, related_name="+")
    brand = models.ForeignKey(Brand, null=True, on_delete=models.SET_NULL, related_name="+")
    person = models.ForeignKey(Membership, null=True, on_delete=models.SET_NULL, related_name="+")
    follow_ups_on_time = models.PositiveIntegerField(default=0)
    follow_ups_late = models.PositiveIntegerField(default=0)
    follow_ups_open = models.PositiveIntegerField(default=0)
    follow_ups_missed = models.PositiveIntegerField(default=0)
    sla_met = models.PositiveIntegerField(default=0)
    sla_late = models.PositiveIntegerField(default=0)
    first_responses = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["tenant", "month"], name="team_month_by_month")]


class TeamRollup(TenantOwnedModel):
    """How far a tenant's TeamDay rows are kept: every day before `live_day` (the local day that
    was today at the last sweep) and after it; `live_day` itself as of `today_counted_at` (its
    follow-ups whole, its SLA events up to then), the days after it that have begun read live;
    with the changes seen up to `changes_seen_at` and SLA events up to id `sla_events_seen`."""

    live_day = models.DateField()
    changes_seen_at = models.DateTimeField()
    sla_events_seen = models.BigIntegerField(default=0)
    today_counted_at = models.DateTimeField(
        null=True, help_text="When the sweep counted live_day's rows (none: read live)."
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="team_rollup_one")]


class TeamDayChanged(TenantOwnedModel):
    """A local day whose TeamDay rows the next sweep counts again, for a change the sweep cannot
    see from the rows as they are now (a follow-up moved away from that day)."""

    day = models.DateField()


class MomentFigures(TenantOwnedModel):
    """The figures of the moment counted once a minute for the whole tenant, with every dimension
    the page filters on (dashboards.services.moment keeps them, dashboards.selectors.moment reads
    them): a request picks and sums a few hundred cells instead of counting open leads.

    Each is a list of rows: `aging` [pipeline, stage, owner, brand, green, orange, red];
    `open_leads` [pipeline, brand, owner, count]; `never_contacted` [pipeline, brand, owner,
    count]; `neglected` [pipeline, brand, owner, leads, customers] where a null pipeline or brand
    means any (customers are counted once across pipelines, so each combination is stored).
    """

    counted_at = models.DateTimeField()
    aging = models.JSONField(default=list)
    open_leads = models.JSONField(default=list)
    never_contacted = models.JSONField(default=list)
    neglected = models.JSONField(default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="moment_figures_one")]


# --- Minutes to first touch (dashboards.services.period_rollups keeps them) ------------------------
# A median cannot be summed, so the waits to the first touch are kept as a histogram in two
# levels: FirstTouchDay's `bin_0`…`bin_31` count the touched leads per coarse bin (five minutes
# below an hour, then wider: dashboards.selectors.histograms.wait_bin), summed
# by plain SQL for any period; FirstTouchBin holds each bin's fine buckets (what the page shows: a
# whole minute below a day, a whole hour after), of which a read fetches only the bin or two that
# hold the median.

TOUCH_BINS = 32


class FirstTouchDay(TenantOwnedModel):
    """The leads created on a tenant-local day, by pipeline, brand and owner (as the period
    rollups: plain ids, recounted whenever a lead of the day changes): how many, how many were
    touched and within the speed-to-lead window, and the touched ones per bin of their wait."""

    day = models.DateField(help_text="The tenant's local date the leads were created.")
    pipeline_id = models.BigIntegerField()
    brand_id = models.BigIntegerField(null=True)
    owner_id = models.BigIntegerField(null=True)
    leads = models.PositiveIntegerField(default=0)
    touched = models.PositiveIntegerField(default=0)
    within_window = models.PositiveIntegerField(
        default=0, help_text="Touched within dashboards.selectors.first_touch.SPEED_WINDOW."
    )

    class Meta:
        indexes = [models.Index(fields=["tenant", "day"], name="first_touch_day_by_day")]


class FirstTouchMonth(TenantOwnedModel):
    """FirstTouchDay's rows of one month over summed (`month`: its first day), written and read
    with FirstTouchBinMonth (the period sweep, PeriodRollup.touch_months_until), so a year's
    speed to lead sums twelve rows per key instead of 365."""

    month = models.DateField()
    pipeline_id = models.BigIntegerField()
    brand_id = models.BigIntegerField(null=True)
    owner_id = models.BigIntegerField(null=True)
    leads = models.PositiveIntegerField(default=0)
    touched = models.PositiveIntegerField(default=0)
    within_window = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["tenant", "month"], name="first_touch_month_by_month")]


for _bin in range(TOUCH_BINS):
    FirstTouchDay.add_to_class(f"bin_{_bin}", models.PositiveIntegerField(default=0))
    FirstTouchMonth.add_to_class(f"bin_{_bin}", models.PositiveIntegerField(default=0))


class FirstTouchBin(TenantOwnedModel):
    """One bin of a FirstTouchDay row: its fine buckets as {bucket: [count, shortest, longest]}
    (minutes; seconds)."""

    day = models.DateField()
    bin = models.PositiveSmallIntegerField()
    pipeline_id = models.BigIntegerField()
    brand_id = models.BigIntegerField(null=True)
    owner_id = models.BigIntegerField(null=True)
    buckets = models.JSONField(default=dict)

    class Meta:
        indexes = [models.Index(fields=["tenant", "bin", "day"], name="first_touch_bin_by_bin")]


class FirstTouchBinMonth(TenantOwnedModel):
    """FirstTouchBin's rows of one month over summed (`month`: its first day): written by the
    period sweep's first run after the month ends and again whenever it counts one of the
    month's days again (PeriodRollup.touch_months_until), so the speed-to-lead medians of a year
    read twelve rows per key instead of 365; a month with a day read live is read from its
    days. This month's rows are not kept: summing them every minute cost 0.3 s at a million
    leads."""

    month = models.DateField()
    bin = models.PositiveSmallIntegerField()
    pipeline_id = models.BigIntegerField()
    brand_id = models.BigIntegerField(null=True)
    owner_id = models.BigIntegerField(null=True)
    buckets = models.JSONField(default=dict)

    class Meta:
        indexes = [models.Index(fields=["tenant", "bin", "month"], name="first_touch_month_by_bin")]


for _bin in range(TOUCH_BINS):
    TeamDay.add_to_class(f"response_bin_{_bin}", models.PositiveIntegerField(default=0))
    TeamMonth.add_to_class(f"response_bin_{_bin}", models.PositiveIntegerField(default=0))


# --- The anomalies' days (dashboards.services.period_rollups keeps them) ---------------------------

# LeadDay.any_of: GROUPING(pipeline_id, brand_id, owner_id), a bit set for each key the row sums
# over ("any pipeline" and so on), so that every filter a manager picks reads one row a day.
ANY_PIPELINE, ANY_BRAND, ANY_OWNER = 4, 2, 1


class LeadDay(TenantOwnedModel):
    """A tenant-local day's new leads (created that day), how many were touched and their waits
    to the first touch per coarse bin (`bin_0`…`bin_31`, as FirstTouchDay's), and the leads won
    that day, for each combination of pipeline, brand and owner a page can filter on, "any"
    included (`any_of`): the anomalies' weeks sum seven of them, and read the fine buckets of
    the bins that hold each week's median from LeadDayBin."""

    day = models.DateField(help_text="The tenant's local date.")
    any_of = models.PositiveSmallIntegerField()
    pipeline_id = models.BigIntegerField(null=True)
    brand_id = models.BigIntegerField(null=True)
    owner_id = models.BigIntegerField(null=True)
    leads = models.PositiveIntegerField(default=0)
    touched = models.PositiveIntegerField(default=0)
    won = models.PositiveIntegerField(default=0)

    class Meta:
        # Every filter is an equality (an "any" key is null): the index alone picks the rows.
        indexes = [
            models.Index(
                fields=["tenant", "any_of", "pipeline_id", "brand_id", "owner_id", "day"],
                name="lead_day_by_filter_and_day",
            ),
            # The sweep deletes a day's rows to count it again: with the day fifth in the index
            # above, each day of a recount read the tenant's whole index (dashboards/0019).
            models.Index(fields=["tenant", "day"], name="lead_day_by_day"),
        ]


for _bin in range(TOUCH_BINS):
    LeadDay.add_to_class(f"bin_{_bin}", models.PositiveIntegerField(default=0))


class LeadDayBin(TenantOwnedModel):
    """One bin of a LeadDay row: its fine buckets as {bucket: [count, shortest, longest]}
    (minutes; seconds)."""

    day = models.DateField()
    any_of = models.PositiveSmallIntegerField()
    pipeline_id = models.BigIntegerField(null=True)
    brand_id = models.BigIntegerField(null=True)
    owner_id = models.BigIntegerField(null=True)
    bin = models.PositiveSmallIntegerField()
    buckets = models.JSONField(default=dict)

    class Meta:
        indexes = [
            models.Index(
                fields=["tenant", "any_of", "pipeline_id", "brand_id", "owner_id", "bin", "day"],
                name="lead_day_bin_by_filter_and_bin",
            ),
            models.Index(fields=["tenant", "day"], name="lead_day_bin_by_day"),
        ]
