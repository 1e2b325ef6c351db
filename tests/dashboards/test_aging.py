"""Aging at a glance and leads not contacted in time, against a world whose times are known.

NOW is Wednesday 11 March 2026, 15:00 UTC (11:00 in New York, the tenant's zone; Monday to
Friday are business days). Residential roofing: "New lead" turns orange after 1 hour and red
after 4; "Quote sent" orange after 3 business days and red after 7.

| lead | owner      | stage       | entered    | colour | first touch |
| L1   | rep        | New lead    | NOW - 30 m | green  | —           |
| L2   | rep        | New lead    | NOW - 2 h  | orange | —           |
| L3   | rep2       | New lead    | NOW - 5 h  | red    | —           |
| L4   | unassigned | New lead    | NOW - 1 h  | orange (at the cutoff exactly) | — |
| L5   | rep        | Quote sent  | NOW - 20 d | red    | —  (neglected: 14 days untouched) |
| L6   | rep2       | Quote sent  | NOW - 1 d  | green  | NOW - 23 h |
| L7   | rep        | Quote sent  | NOW - 16 d | red    | —  (neglected, same customer as L5) |
| L8   | rep        | New lead    | NOW - 6 h  | lost: not counted |
| L9   | rep        | Commercial: New lead | NOW - 3 h | orange (another pipeline) |
"""

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine

from crm.models import Role
from dashboards.selectors.aging import aging_figures, uncontacted_figures
from dashboards.tables import Cell
from followups.selectors.neglect import neglected_lead_ids
from followups.services.neglect import neglect_sweep
from leads.models import Lead, LeadStatus, LostReason
from leads.pipeline_templates import COMMERCIAL_ROOFING
from leads.services.activity import lead_record_touch
from leads.services.leads import lead_create
from leads.services.stages import lead_mark_lost
from tests.conftest import sign_in
from tests.dashboards.scopes import scope_for
from tests.factories import ContactFactory, MembershipFactory, pipeline_for, stage_named

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 11, 15, 0, tzinfo=dt.UTC)
MONTH = (dt.datetime(2026, 3, 1, 5, 0, tzinfo=dt.UTC), dt.datetime(2026, 4, 1, 4, 0, tzinfo=dt.UTC))


def ago(**delta) -> dt.datetime:
    return NOW - dt.timedelta(**delta)


@pytest.fixture
def aging_world(world):
    world.rep.user.full_name = "Amy First"
    world.rep.user.save(update_fields=["full_name"])
    rep2 = MembershipFactory(tenant=world.tenant, role=Role.REP, user__full_name="Zoe Second")
    residential = pipeline_for(world.tenant)
    commercial = pipeline_for(world.tenant, COMMERCIAL_ROOFING)
    new_lead = stage_named(residential, "New lead")
    quote_sent = stage_named(residential, "Quote sent")
    other_customer = ContactFactory(tenant=world.tenant)

    def lead(owner, stage, entered, contact=None, pipeline=residential):
        return lead_create(
            tenant=world.tenant,
            actor=None,
            contact=contact or other_customer,
            pipeline=pipeline,
            stage=stage,
            owner=owner,
            assign_automatically=False,
            announce=False,
            notify_owner=False,
            now=entered,
        )

    with world.active(), time_machine.travel(NOW, tick=False):
        leads = {
            "L1": lead(world.rep, new_lead, ago(minutes=30)),
            "L2": lead(world.rep, new_lead, ago(hours=2)),
            "L3": lead(rep2, new_lead, ago(hours=5)),
            "L4": lead(None, new_lead, ago(hours=1)),
            "L5": lead(world.rep, quote_sent, ago(days=20), contact=world.contact),
            "L6": lead(rep2, quote_sent, ago(days=1)),
            "L7": lead(world.rep, quote_sent, ago(days=16), contact=world.contact),
            "L8": lead(world.rep, new_lead, ago(hours=6)),
            "L9": lead(
                world.rep,
                stage_named(commercial, "New lead"),
                ago(hours=3),
                pipeline=commercial,
            ),
        }
        lead_record_touch(tenant=world.tenant, lead=leads["L6"], channel="phone", at=ago(hours=23))
        lead_mark_lost(
            tenant=world.tenant,
            actor=None,
            lead=leads["L8"],
            reason=LostReason.PRICE,
            now=ago(hours=1),
        )
        neglect_sweep(tenant=world.tenant, now=NOW)
    world.rep2 = rep2
    world.residential, world.commercial = residential, commercial
    world.new_lead, world.quote_sent = new_lead, quote_sent
    world.leads = leads
    return world


def _figures(world, **filters):
    with world.active():
        return aging_figures(scope_for(world, *MONTH, **filters), now=NOW)


def _counts(counts) -> tuple[int, int, int]:
    return counts.green, counts.orange, counts.red


def test_open_leads_by_stage_are_counted_by_colour(aging_world):
    figures = _figures(aging_world)
    by_stage = {(row.pipeline_name, row.name): _counts(row.counts) for row in figures.stages}
    assert by_stage[("Residential roofing", "New lead")] == (1, 2, 1)
    assert by_stage[("Residential roofing", "Quote sent")] == (1, 0, 2)
    assert by_stage[("Residential roofing", "Contacted")] == (0, 0, 0)
    assert by_stage[("Commercial roofing", "New lead")] == (0, 1, 0)
    assert ("Residential roofing", "Review requested") not in by_stage  # terminal: no aging
    assert ("Residential roofing", "Lost") not in by_stage
    assert _counts(figures.totals) == (2, 3, 3)


def test_open_leads_by_rep_with_the_unassigned_last(aging_world):
    figures = _figures(aging_world)
    assert [(name, _counts(counts)) for _, name, counts in figures.reps] == [
        ("Amy First", (1, 2, 2)),
        ("Zoe Second", (1, 0, 1)),
        ("Unassigned", (0, 1, 0)),
    ]


def test_a_pipeline_filter_and_a_rep_scope_narrow_the_counts(aging_world):
    residential = _figures(aging_world, pipeline=aging_world.residential)
    assert _counts(residential.totals) == (2, 2, 3)
    assert {row.pipeline_name for row in residential.stages} == {"Residential roofing"}

    own = _figures(aging_world, rep=aging_world.rep2)
    assert _counts(own.totals) == (1, 0, 1)
    assert [name for _, name, _ in own.reps] == ["Zoe Second"]


def test_the_finest_table_has_a_row_per_stage_and_rep(aging_world):
    table = _figures(aging_world, pipeline=aging_world.residential).table()
    rows = [[str(cell) for cell in row] for row in table.rows]
    rep = "Amy First"
    assert rows == [
        ["Residential roofing", "New lead", rep, "1", "1", "0"],
        ["Residential roofing", "New lead", "Zoe Second", "0", "0", "1"],
        ["Residential roofing", "New lead", "Unassigned", "0", "1", "0"],
        ["Residential roofing", "Quote sent", rep, "0", "0", "2"],
        ["Residential roofing", "Quote sent", "Zoe Second", "1", "0", "0"],
    ]


def test_each_count_links_to_the_lead_list_showing_exactly_those_leads(client, aging_world):
    figures = _figures(aging_world)
    stage_row = next(row for row in figures.stage_table().rows if row[1] == "New lead")
    orange = stage_row[3]
    assert isinstance(orange, Cell) and orange.value == 2 and orange.tone == "orange"
    query = parse_qs(urlsplit(orange.url).query)
    assert query == {
        "status": ["open"],
        "scope": ["team"],
        "pipeline": [str(aging_world.residential.pk)],
        "stage": [str(aging_world.new_lead.pk)],
        "aging": ["orange"],
    }
    unassigned_row = figures.rep_table().rows[-1]
    sign_in(client, aging_world.manager)
    with time_machine.travel(NOW, tick=False):
        listed = client.get(orange.url).context["rows"]
        unassigned = client.get(unassigned_row[2].url).context["rows"]
    assert {row.lead.pk for row in listed} == {
        aging_world.leads["L2"].pk,
        aging_world.leads["L4"].pk,
    }
    assert [row.lead.pk for row in unassigned] == [aging_world.leads["L4"].pk]


def test_the_stage_table_lists_stages_with_open_leads_and_zeros_are_not_links(aging_world):
    table = _figures(aging_world).stage_table()
    assert [(row[0], row[1]) for row in table.rows] == [
        ("Residential roofing", "New lead"),
        ("Residential roofing", "Quote sent"),
        ("Commercial roofing", "New lead"),
    ]
    quote_sent = table.rows[1]
    assert (quote_sent[3].value, quote_sent[3].url) == (0, "")


def test_leads_and_customers_not_contacted_in_time_by_rep(aging_world):
    with aging_world.active():
        figures = uncontacted_figures(scope_for(aging_world, *MONTH), now=NOW)
    rows = {
        row.name: (row.never_contacted, row.neglected_leads, row.neglected_customers)
        for row in figures.rows
    }
    # Never contacted after 15 minutes: rep L1, L2, L5, L7, L9; rep2 L3 (L6 was touched);
    # unassigned L4. Neglected: rep's L5 and L7, both of one customer.
    assert rows == {
        "Amy First": (5, 2, 1),
        "Zoe Second": (1, 0, 0),
        "Unassigned": (1, 0, 0),
    }
    assert figures.table().headers[1] == "New leads not contacted after 15 min"


def test_a_lead_touched_after_it_was_flagged_is_no_longer_neglected(aging_world):
    later = NOW + dt.timedelta(minutes=1)
    with aging_world.active(), time_machine.travel(later, tick=False):
        lead_record_touch(
            tenant=aging_world.tenant, lead=aging_world.leads["L5"], channel="phone", at=later
        )
        figures = uncontacted_figures(scope_for(aging_world, *MONTH), now=NOW)
    row = figures.rows[0]
    assert (row.never_contacted, row.neglected_leads, row.neglected_customers) == (4, 1, 1)


def test_a_flagged_lead_that_is_lost_is_no_longer_neglected(aging_world):
    # Lost without a touch recorded (as an import would close it): the flag stays open until
    # the next sweep, but a lost lead is not neglected, on the dashboard or on the lead pages.
    with aging_world.active():
        lead = aging_world.leads["L7"]
        Lead.objects.filter(pk=lead.pk).update(
            status=LeadStatus.LOST, lost_reason=LostReason.PRICE, closed_at=NOW
        )
        figures = uncontacted_figures(scope_for(aging_world, *MONTH), now=NOW)
        showing = neglected_lead_ids(
            tenant=aging_world.tenant, lead_ids=[lead.pk, aging_world.leads["L5"].pk]
        )
    row = figures.rows[0]
    assert (row.name, row.neglected_leads, row.neglected_customers) == ("Amy First", 1, 1)
    assert showing == {aging_world.leads["L5"].pk}
