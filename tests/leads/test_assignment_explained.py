"""The round robin explains every decision: who was eligible, who was skipped and why, kept on the
lead, shown on its page and in the unassigned queue, and carried by the managers' alert; the lead
cap counts what a rep is working (open sales leads by default), as the assignment settings say."""

import pytest
from django.urls import reverse
from django.utils import translation

from crm.models import Membership, Notification, Role, TimeOff
from leads.assignment_text import describe_decision
from leads.models import AssignmentRule, CapacityCounts, Lead, LeadSettings, LeadType, Stage
from leads.services.assignment import lead_assign
from tests import factories
from tests.conftest import sign_in
from tests.factories import lead_for

pytestmark = pytest.mark.django_db

ALWAYS = {day: [["00:00", "23:59"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
NEVER = {day: [] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def _rep(world, name: str, **profile):
    profile.setdefault("weekly_availability", ALWAYS)
    user = factories.UserFactory(full_name=name)
    return factories.MembershipFactory(tenant=world.tenant, role=Role.REP, user=user, **profile)


def _retire_world_rep(world):
    with world.active():
        world.rep.is_active = False
        world.rep.save()


def _won_in_production(world, lead):
    with world.active():
        stage = Stage.objects.get(pipeline=lead.pipeline, name="In production")
        Lead.objects.filter(pk=lead.pk).update(status="won", stage=stage)


def test_an_assignment_names_the_skipped_reps_with_their_reasons(world, client):
    _retire_world_rep(world)
    alex = _rep(world, "Alex Kim", capacity=2)
    for _ in range(2):
        lead_for(world, owner=alex)
    jo = _rep(world, "Jo Park")
    today = world.tenant.today()
    with world.active():
        TimeOff.objects.create(tenant=world.tenant, membership=jo, starts_on=today, ends_on=today)
    _rep(world, "Casey Commercial", expertise="commercial")
    _rep(world, "Gus Georgia", territories=["GA", "Atlanta"])
    _rep(world, "Nora Night", weekly_availability=NEVER)
    sam = _rep(world, "Sam Lee")
    lea = _rep(world, "Lea Ruiz")

    lead = lead_for(world, lead_type=LeadType.RESIDENTIAL)

    assert lead.owner == sam
    text = describe_decision(lead.assignment_decision)
    assert text.startswith("Assigned to Sam Lee by round robin: ")
    assert "Alex Kim over capacity" not in text  # two of two is at, not over
    assert "Alex Kim at capacity (2/2 open sales leads)" in text
    assert "Jo Park off today" in text
    assert "Casey Commercial wrong expertise (commercial only)" in text
    assert "Gus Georgia wrong territory (Miami, FL, 33145 is outside GA, Atlanta)" in text
    assert "Nora Night not working now" in text
    assert "Eligible: Sam Lee, Lea Ruiz (Sam Lee had waited longest)." in text
    with world.active():
        stored = Lead.objects.get(pk=lead.pk).assignment_decision
        timeline = lead.timeline.get(kind="lead.assigned")
    assert stored["outcome"] == "assigned" and stored["eligible"] == ["Sam Lee", "Lea Ruiz"]
    # The timeline keeps 300 characters of it, and the whole decision in its detail.
    assert timeline.summary == text[:299].rstrip() + "…"
    assert timeline.detail["decision"] == stored
    # The lead page says it under the owner.
    sign_in(client, world.manager)
    page = client.get(reverse("leads:detail", kwargs={"lead_pk": lead.pk})).content.decode()
    assert "Jo Park off today" in page and "Alex Kim at capacity (2/2 open sales leads)" in page
    assert lea.pk  # the next lead goes to Lea: she waited longest now
    assert lead_for(world).owner == lea


def test_the_cap_counts_open_sales_leads_not_won_jobs_in_production(world):
    _retire_world_rep(world)
    rosa = _rep(world, "Rosa Delgado", capacity=1)
    job = lead_for(world, owner=rosa)
    _won_in_production(world, job)

    # The crew is building Rosa's won job: she still takes a new lead.
    assert lead_for(world).owner == rosa

    # A tenant that counts the jobs too keeps her at her cap (one open lead, one job: 2/1).
    with world.active():
        LeadSettings.objects.create(
            tenant=world.tenant, capacity_counts=CapacityCounts.OPEN_AND_WON
        )
    queued = lead_for(world)
    assert queued.owner is None
    assert "Rosa Delgado over capacity (2/1 open leads and jobs)" in describe_decision(
        queued.assignment_decision
    )


def test_a_lead_nobody_can_take_waits_with_its_reason_for_the_managers(world, client):
    _retire_world_rep(world)
    _rep(world, "Alex Kim", capacity=0)
    lead = lead_for(world)
    assert lead.owner is None
    reason = "No one was assigned: Alex Kim at capacity (0/0 open sales leads)."
    assert describe_decision(lead.assignment_decision) == reason
    with world.active():
        bodies = set(
            Notification.objects.filter(title__contains="needs an owner").values_list(
                "body", flat=True
            )
        )
        queued = lead.timeline.get(kind="lead.queued").summary
    assert bodies == {f"{lead.contact.display_name}: {reason}"}
    assert reason in queued
    # The unassigned queue and the lead page show why.
    sign_in(client, world.manager)
    listing = client.get(reverse("leads:list"), {"scope": "unassigned"}).content.decode()
    assert reason in listing
    page = client.get(reverse("leads:detail", kwargs={"lead_pk": lead.pk})).content.decode()
    assert reason in page


def test_a_lead_no_rule_matches_says_so(world):
    with world.active():
        AssignmentRule.objects.create(
            tenant=world.tenant, name="Commercial", lead_type=LeadType.COMMERCIAL
        )
    lead = lead_for(world, lead_type=LeadType.RESIDENTIAL)
    assert lead.owner is None
    assert describe_decision(lead.assignment_decision) == (
        "No one was assigned: no active assignment rule matches this lead (residential, no source)."
    )


def test_a_rule_names_itself_in_the_explanation(world):
    _retire_world_rep(world)
    specialist = _rep(world, "Tess Tile")
    with world.active():
        rule = AssignmentRule.objects.create(tenant=world.tenant, name="Tile roofs")
        rule.members.set([specialist])
    lead = lead_for(world)
    assert describe_decision(lead.assignment_decision) == (
        "Assigned to Tess Tile by round robin under rule “Tile roofs”."
    )


def test_a_managers_change_replaces_the_round_robins_explanation(world):
    _retire_world_rep(world)
    _rep(world, "Sam Lee")
    lead = lead_for(world)
    assert lead.assignment_decision["outcome"] == "assigned"
    other = _rep(world, "Ola Berg")
    with world.active():
        lead_assign(tenant=world.tenant, actor=world.manager.user, lead=lead, owner=other)
        stored = Lead.objects.get(pk=lead.pk).assignment_decision
        assert describe_decision(stored) == f"Assigned to Ola Berg by {world.manager.user}."
        lead_assign(tenant=world.tenant, actor=world.manager.user, lead=lead, owner=None)
        stored = Lead.objects.get(pk=lead.pk).assignment_decision
    assert describe_decision(stored) == f"Unassigned by {world.manager.user}."


def test_the_assignment_settings_page_sets_what_the_cap_counts(world, client):
    sign_in(client, world.admin)
    url = reverse("lead-settings:assignment")
    page = client.get(url).content.decode()
    assert "Open sales leads (not won jobs in production or after-care)" in page
    response = client.post(url, {"capacity_counts": CapacityCounts.OPEN_AND_WON})
    assert response.status_code == 302
    with world.active():
        assert LeadSettings.objects.get().capacity_counts == CapacityCounts.OPEN_AND_WON
    assert client.post(url, {"capacity_counts": "everything"}).status_code == 200
    # A rep may not.
    sign_in(client, world.rep)
    assert client.post(url, {"capacity_counts": CapacityCounts.OPEN_SALES}).status_code in (
        302,
        403,
    )
    with world.active():
        assert LeadSettings.objects.get().capacity_counts == CapacityCounts.OPEN_AND_WON


def test_the_next_lead_preview_names_who_is_skipped_now(world, client):
    _retire_world_rep(world)
    jo = _rep(world, "Jo Park")
    _rep(world, "Sam Lee")
    today = world.tenant.today()
    with world.active():
        TimeOff.objects.create(tenant=world.tenant, membership=jo, starts_on=today, ends_on=today)
    sign_in(client, world.admin)
    page = client.get(reverse("lead-settings:assignment")).content.decode()
    assert "Skipped now:" in page and "Jo Park off today" in page


def test_the_explanation_reads_in_each_readers_language_whoever_wrote_it(world):
    """Written while a Dutch member works, kept as messages: the timeline and the managers' alert
    read in Dutch to a Dutch reader and in English to an English one, reasons, lists and plurals
    included."""
    _retire_world_rep(world)
    jo = _rep(world, "Jo Park")
    today = world.tenant.today()
    with world.active():
        TimeOff.objects.create(tenant=world.tenant, membership=jo, starts_on=today, ends_on=today)
    _rep(world, "Sam Lee")
    lea = _rep(world, "Lea Ruiz")
    with translation.override("nl"):
        assigned = lead_for(world)
    with world.active():
        event = assigned.timeline.get(kind="lead.assigned")
    english = (
        "Assigned to Sam Lee by round robin: Jo Park off today. "
        "Eligible: Sam Lee, Lea Ruiz (Sam Lee had waited longest)."
    )
    assert event.summary == english
    with translation.override("nl"):
        assert event.shown_summary == (
            "Toegewezen aan Sam Lee via round robin: Jo Park vandaag vrij. "
            "In aanmerking: Sam Lee, Lea Ruiz (Sam Lee wachtte het langst)."
        )
        assert describe_decision(assigned.assignment_decision) == event.shown_summary
    with translation.override("en"):
        assert event.shown_summary == english

    # Nobody can take the next one: the queue's event and the managers' alert.
    with world.active():
        Membership.objects.filter(tenant=world.tenant, role=Role.REP).update(capacity=1)
    lead_for(world, owner=lea)
    with translation.override("nl"):
        queued = lead_for(world)
    assert queued.owner is None
    with world.active():
        waiting = queued.timeline.get(kind="lead.queued")
        [alert] = Notification.objects.filter(
            recipient=world.manager.user, title__contains=queued.reference
        )
    with translation.override("nl"):
        assert waiting.shown_summary.startswith(
            "Wacht in de wachtrij van de managers. Niemand toegewezen: "
        )
        assert "op het leadplafond (1/1 open verkooplead)" in waiting.shown_summary
        assert alert.shown_title == f"Nieuwe lead {queued.reference} heeft een eigenaar nodig"
        assert alert.shown_body.startswith(f"{queued.contact.display_name}: Niemand toegewezen: ")
    assert "at capacity (1/1 open sales lead)" in waiting.summary
