"""The billing tests' shared job: a won roof with an accepted, taxed, scheduled quote."""

import datetime as dt
from decimal import Decimal

import pytest

from leads.models import Lead, QuoteStatus
from leads.services.quotes import quote_save_draft
from leads.services.stages import lead_move_to_stage
from leads.services.tax_rates import tax_rate_save
from tests.factories import lead_for, pipeline_for, stage_named

D = Decimal


@pytest.fixture
def job(world):
    return won_job(world)


def won_job(world):
    """A won roof: $1,000 at 21 % and $500 at 9 % less 10 %, a 30 % deposit, one 30 % progress
    payment; its quote accepted."""
    pipeline = pipeline_for(world.tenant)
    lead = lead_for(world, pipeline, owner=world.rep, title="Roof")
    with world.active():
        high = tax_rate_save(
            tenant=world.tenant, actor=world.admin.user, name="BTW 21 %", percent=D("21")
        )
        low = tax_rate_save(
            tenant=world.tenant, actor=world.admin.user, name="BTW 9 %", percent=D("9")
        )
        quote = quote_save_draft(
            tenant=world.tenant,
            actor=world.rep.user,
            lead=lead,
            valid_until=world.tenant.today() + dt.timedelta(days=30),
            lines=[("Charger", D("1"), D("1000"), high), ("Insulation", D("1"), D("500"), low)],
            discount_kind="percent",
            discount_value=D("10"),
            deposit_kind="percent",
            deposit_value=D("30"),
            progress_percents=[D("30")],
        )
        type(quote).objects.filter(pk=quote.pk).update(status=QuoteStatus.ACCEPTED)
        lead_move_to_stage(
            tenant=world.tenant,
            actor=world.manager.user,
            lead=Lead.objects.get(pk=lead.pk),
            stage=stage_named(pipeline, "Won"),
        )
        quote.refresh_from_db()
    return lead, quote
