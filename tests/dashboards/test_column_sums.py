"""dashboards.aggregates.ColumnSums: several columns summed as one array equal their Sum
annotations, per group and over every row, and a sum of no rows is None."""

import datetime as dt
import random

from django.db.models import Sum

from dashboards.aggregates import ColumnSums
from dashboards.models import TeamDay
from dashboards.selectors.team import RESPONSE_BINS
from tests.factories import MembershipFactory


def test_the_array_holds_each_columns_sum(world):
    rng = random.Random(3)
    people = [world.rep, MembershipFactory(tenant=world.tenant)]
    with world.active():
        for n in range(12):
            TeamDay.objects.create(
                tenant=world.tenant,
                day=dt.date(2026, 3, 1) + dt.timedelta(days=n),
                person=people[n % 2],
                **{name: rng.randrange(0, 1000) for name in RESPONSE_BINS},
            )
        rows = TeamDay.objects.filter(tenant=world.tenant)
        grouped = rows.values("person_id").order_by("person_id")
        as_arrays = list(grouped.annotate(bins=ColumnSums(*RESPONSE_BINS)))
        as_sums = list(grouped.annotate(**{name: Sum(name) for name in RESPONSE_BINS}))
        assert [row["bins"] for row in as_arrays] == [
            [row[name] for name in RESPONSE_BINS] for row in as_sums
        ]
        assert len(as_arrays) == 2
        whole = rows.aggregate(bins=ColumnSums(*RESPONSE_BINS))["bins"]
        assert whole == [sum(row[name] for row in as_sums) for name in RESPONSE_BINS]
        assert rows.none().aggregate(bins=ColumnSums("response_bin_0"))["bins"] is None
        assert rows.filter(day__year=1999).aggregate(bins=ColumnSums("response_bin_0", "sla_met"))[
            "bins"
        ] == [None, None]
