"""Lead services: stage visits, automatic moves, lost/reopen, assignment, speed to lead."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from crm.models import Notification, TimelineEvent
from leads.models import Lead, LeadEvent, LeadStatus, LostReason, StageVisit
from leads.services.activity import lead_log_call
from leads.services.speed_to_lead import leads_alert_untouched
from leads.services.stages import (
    lead_handle_event,
    lead_mark_lost,
    lead_move_to_next_stage,
    lead_move_to_stage,
    lead_reopen,
)
from tests import factories
from tests.factories import lead_for, pipeline_for, stage_named

pytestmark = pytest.mark.django_db


def test_a_new_lead_starts_in_the_first_stage_with_an_open_visit(world):
    lead = lead_for(world, owner=world.rep, estimated_value=Decimal("18000"))
    with world.active():
        lead.refresh_from_db()
        assert lead.stage.name == "New lead"
        assert lead.number == 1001
        assert lead.reference == "L-1001"
        visits = list(StageVisit.objects.filter(lead=lead))
        assert [(v.stage.name, v.left_at) for v in visits] == [("New lead", None)]
        kinds = list(TimelineEvent.objects.filter(lead_id=lead.pk).values_list("kind", flat=True))
        assert "lead.created" in kinds and "lead.assigned" in kinds


def test_lead_numbers_count_up_per_tenant(world, other_world):
    first = lead_for(world, owner=world.rep)
    second = lead_for(world, owner=world.rep)
    elsewhere = lead_for(other_world, owner=other_world.rep)
    assert (first.number, second.number, elsewhere.number) == (1001, 1002, 1001)


def test_moving_closes_the_visit_and_records_who_moved_it(world):
    pipeline = pipeline_for(world.tenant)
    lead = lead_for(world, pipeline, owner=world.rep)
    with world.active():
        lead_move_to_stage(
            tenant=world.tenant,
            actor=world.rep.user,
            lead=lead,
            stage=stage_named(pipeline, "Inspection scheduled"),
        )
        visits = list(StageVisit.objects.filter(lead=lead).order_by("entered_at", "id"))
        assert [v.stage.name for v in visits] == ["New lead", "Inspection scheduled"]
        assert visits[0].left_at is not None and visits[0].left_by == world.rep.user
        assert visits[1].left_at is None and visits[1].entered_by == world.rep.user
        event = TimelineEvent.objects.filter(lead_id=lead.pk, kind="lead.stage_changed").get()
        assert event.summary == "Moved to Inspection scheduled from New lead"


def test_next_stage_skips_archived_stages(world):
    pipeline = pipeline_for(world.tenant)
    contacted = stage_named(pipeline, "Contacted")
    with world.active():
        contacted.is_archived = True
        contacted.save()
    lead = lead_for(world, pipeline, owner=world.rep)
    with world.active():
        lead = lead_move_to_next_stage(tenant=world.tenant, actor=None, lead=lead)
        assert lead.stage.name == "Inspection scheduled"


def test_a_won_stage_marks_the_lead_won_and_keeps_it_won_through_production(world):
    pipeline = pipeline_for(world.tenant)
    lead = lead_for(world, pipeline, owner=world.rep)
    with world.active():
        lead = lead_move_to_stage(
            tenant=world.tenant, actor=None, lead=lead, stage=stage_named(pipeline, "Won")
        )
        assert lead.status == LeadStatus.WON and lead.won_at is not None
        lead = lead_move_to_next_stage(tenant=world.tenant, actor=None, lead=lead)
        assert lead.stage.name == "Scheduled" and lead.status == LeadStatus.WON


def test_the_lost_stage_is_reached_only_with_a_reason(world):
    pipeline = pipeline_for(world.tenant)
    lead = lead_for(world, pipeline, owner=world.rep)
    with world.active(), pytest.raises(ValidationError):
        lead_move_to_stage(
            tenant=world.tenant, actor=None, lead=lead, stage=stage_named(pipeline, "Lost")
        )
    with world.active(), pytest.raises(ValidationError):
        lead_mark_lost(
            tenant=world.tenant, actor=None, lead=lead, reason=LostReason.OTHER, note=" "
        )


def test_mark_lost_then_reopen_returns_to_the_stage_it_was_lost_from(world):
    pipeline = pipeline_for(world.tenant)
    lead = lead_for(world, pipeline, owner=world.rep)
    with world.active():
        quote_stage = stage_named(pipeline, "Quote sent")
        lead_move_to_stage(tenant=world.tenant, actor=None, lead=lead, stage=quote_stage)
        lead = lead_mark_lost(
            tenant=world.tenant, actor=None, lead=lead, reason=LostReason.PRICE, note="Too dear"
        )
        assert (lead.status, lead.stage.name, lead.lost_reason) == ("lost", "Lost", "price")
        lead = lead_reopen(tenant=world.tenant, actor=None, lead=lead)
        assert (lead.status, lead.stage_id, lead.lost_reason) == ("open", quote_stage.pk, "")


def test_events_move_a_lead_forward_but_never_back(world):
    pipeline = pipeline_for(world.tenant)
    lead = lead_for(world, pipeline, owner=world.rep)
    with world.active():
        assert lead_handle_event(tenant=world.tenant, lead=lead, event=LeadEvent.QUOTE_SENT)
        lead.refresh_from_db()
        assert lead.stage.name == "Quote sent"
        # "First contact" moves to Contacted, which is behind: nothing happens.
        assert not lead_handle_event(tenant=world.tenant, lead=lead, event=LeadEvent.FIRST_TOUCH)
        lead.refresh_from_db()
        assert lead.stage.name == "Quote sent"


def test_a_move_an_event_made_says_why_in_the_readers_language(world):
    from django.utils import translation

    from crm.kit.stored_text import stored_render

    pipeline = pipeline_for(world.tenant)
    lead = lead_for(world, pipeline, owner=world.rep)
    with world.active():
        assert lead_handle_event(tenant=world.tenant, lead=lead, event=LeadEvent.QUOTE_SENT)
        moved = TimelineEvent.objects.filter(
            tenant=world.tenant, lead_id=lead.pk, kind="lead.stage_changed"
        ).latest("pk")
    assert moved.summary.endswith("(quote sent)")
    assert moved.detail["reason"] == "quote sent"
    with translation.override("nl"):
        assert stored_render(moved.summary, moved.summary_params).endswith("(offerte verstuurd)")


def test_the_first_outbound_touch_stops_the_speed_to_lead_clock_once(world):
    pipeline = pipeline_for(world.tenant)
    lead = lead_for(world, pipeline, owner=world.rep)
    with world.active():
        lead_log_call(tenant=world.tenant, actor=world.rep.user, lead=lead, outcome="reached")
        lead.refresh_from_db()
        first = lead.first_touch_at
        assert first is not None
        assert lead.stage.name == "Contacted"  # the pipeline moves leads on their first touch
        lead_log_call(tenant=world.tenant, actor=world.rep.user, lead=lead, outcome="voicemail")
        lead.refresh_from_db()
        assert lead.first_touch_at == first
        assert TimelineEvent.objects.filter(lead_id=lead.pk, kind="lead.first_touch").count() == 1


def test_untouched_leads_alert_the_owner_then_the_managers_once_each(world):
    lead = lead_for(world, owner=world.rep)
    created = lead.created_at
    with world.active():
        assert (
            leads_alert_untouched(tenant=world.tenant, now=created + dt.timedelta(minutes=10)) == 0
        )
        assert (
            leads_alert_untouched(tenant=world.tenant, now=created + dt.timedelta(minutes=16)) == 1
        )
        assert Notification.objects.filter(recipient=world.rep.user, level="warning").count() == 1
        assert (
            leads_alert_untouched(tenant=world.tenant, now=created + dt.timedelta(minutes=20)) == 0
        )
        assert (
            leads_alert_untouched(tenant=world.tenant, now=created + dt.timedelta(minutes=61)) == 1
        )
        managers = Notification.objects.filter(level="urgent").values_list("recipient", flat=True)
        assert set(managers) == {world.manager.user_id, world.admin.user_id}


def test_location_compares_the_property_state_with_the_tenants(world):
    with world.active():
        place = factories.PropertyFactory(tenant=world.tenant, state="GA")
    lead = lead_for(world, owner=world.rep, place=place)
    assert lead.location == "out_of_state"
    assert lead_for(world, owner=world.rep).location == "in_state"


def test_the_lead_is_found_by_name_email_phone_and_address(world):
    lead = lead_for(world, owner=world.rep)
    from leads.selectors.search import search_query

    with world.active():
        email = world.contact.emails.first().email
        phone = world.contact.phones.first().number
        for text in (
            world.contact.first_name[:3],
            email.split("@")[0],
            phone.as_national,
            str(phone)[-4:],
            world.property.address_line1.split()[1],
            lead.reference,
        ):
            found = Lead.objects.filter(search_vector=search_query(text))
            assert lead in found, text


def test_priority_score_parts_add_up(world):
    source = factories.LeadSourceFactory(tenant=world.tenant, priority_points=7)
    lead = lead_for(
        world,
        owner=world.rep,
        source=source,
        estimated_value=Decimal("12500"),
        lead_type="commercial",
    )
    with world.active():
        lead.refresh_from_db()
        from leads.scoring import score_parts

        parts = score_parts(
            lead,
            tenant=world.tenant,
            now=timezone.now(),
            untouched_after=dt.timedelta(minutes=15),
        )
        labels = {part.label: part.points for part in parts}
        assert labels == {
            "Time in stage: on time": 0,
            "In-state": 10,
            "Commercial": 15,
            f"Source: {source.name}": 7,
            "Value 12,500": 12,
        }
        assert lead.priority_score == 44
        assert lead.cost == Decimal("25.00")  # the source's usual cost
