"""The figures of the moment read from what the minute sweep counted for the whole tenant
(dashboards.selectors.moment) equal those counted for the scope itself, for every pipeline, brand
and rep filter; the page reads them without counting open leads."""

import pytest
import time_machine

from crm.tenancy.sweeps import sweep_inline
from dashboards.models import MomentFigures
from dashboards.selectors.aging import aging_figures, uncontacted_figures
from dashboards.selectors.moment import (
    moment_aging,
    moment_get,
    moment_open_leads,
    moment_uncontacted,
)
from dashboards.selectors.team import _open_leads
from dashboards.services.moment import moment_keep
from dashboards.tasks import count_the_moment
from leads.models import Lead
from tests.dashboards.scopes import scope_for
from tests.dashboards.test_aging import MONTH, NOW
from tests.dashboards.test_aging import aging_world as aging_world_fixture
from tests.factories import BrandFactory

pytestmark = pytest.mark.django_db
aging_world = aging_world_fixture


def _tables(figures) -> list:
    return [[str(cell) for cell in row] for table in figures for row in table.rows]


def test_the_moment_reads_what_counting_counts(aging_world):
    world = aging_world
    with world.active():
        other_brand = BrandFactory(tenant=world.tenant)
        Lead.objects.filter(pk__in=[world.leads["L2"].pk, world.leads["L5"].pk]).update(
            brand=other_brand
        )
        moment_keep(tenant=world.tenant, now=NOW)
        moment = moment_get(tenant=world.tenant)
        for filters in (
            {},
            {"pipeline": world.residential},
            {"pipeline": world.commercial},
            {"brand": other_brand},
            {"brand": world.brand},
            {"rep": world.rep},
            {"rep": world.rep2, "pipeline": world.residential},
            {"rep": world.rep, "brand": other_brand},
        ):
            scope = scope_for(world, *MONTH, **filters)
            counted, read = aging_figures(scope, now=NOW), moment_aging(scope, moment)
            assert _tables([counted.stage_table(), counted.rep_table(), counted.table()]) == (
                _tables([read.stage_table(), read.rep_table(), read.table()])
            ), filters
            counted = uncontacted_figures(scope, now=NOW)
            assert _tables([counted.table()]) == _tables(
                [moment_uncontacted(scope, moment).table()]
            ), filters
            assert _open_leads(scope) == moment_open_leads(scope, moment), filters


def test_the_beat_task_counts_every_tenant(aging_world, other_world):
    with time_machine.travel(NOW, tick=False):
        assert sweep_inline(count_the_moment) == 2
    with aging_world.active():
        assert MomentFigures.objects.get(tenant=aging_world.tenant).counted_at == NOW
