"""Rollups the dashboard reads instead of scanning history at read time.

Stage conversion needs, for every stage visit that ended, where the lead went next: at a million
leads that is hundreds of thousands of index probes per month shown. A beat task
(dashboards.tasks.roll_up_stage_flow) writes one row per tenant-local day, stage, owner and brand
once the day is over; the page sums those rows and computes only the days not rolled up yet live.

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
    """How far a tenant's stage flow is rolled up: every day up to `rolled_through` included."""

    rolled_through = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="stage_flow_rollup_one"),
        ]
