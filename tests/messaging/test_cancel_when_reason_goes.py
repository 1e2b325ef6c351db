"""A message scheduled for a reason that has gone is cancelled when the reason goes, not at send
time: a quote's follow-up once the quote is accepted, a contact's texts once they send STOP, all
of an erased contact's messages. Staff see "Cancelled" with the reason, never "Scheduled"; and the
times the outbox shows them are in the business's time zone, not UTC."""

import datetime as dt
import html
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone, translation

from crm.models import TimelineEvent
from crm.services.erasure import contact_anonymise
from leads.models import Lead
from leads.services.quotes import quote_accept, quote_save_draft, quote_send
from leads.services.stages import lead_mark_lost, lead_move_to_stage
from messaging.models import MessageSource, MessageStatus, OutboundMessage
from messaging.selectors.outbox import decision_reason
from messaging.services import outbox, outbox_send
from messaging.services.keywords import sms_keyword_handle
from tests.conftest import sign_in
from tests.factories import (
    lead_for,
    message_template_for,
    pipeline_for,
    stage_named,
    trigger_for,
)

pytestmark = pytest.mark.django_db

# A Tuesday, 15:00 in Miami (EDT).
AFTERNOON = dt.datetime(2026, 6, 9, 19, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


@pytest.fixture
def miami(world):
    world.tenant.time_zone = "America/New_York"
    world.tenant.save()
    return world


def _quote_sent_trigger(world, pipeline):
    """The demo's "Quote sent: send and follow up": the quote news now, a reminder in 3 days
    (by email and by text)."""
    news = message_template_for(world.tenant, "quote-news", channels=("email",))
    chaser = message_template_for(world.tenant, "quote-follow-up", channels=("email", "sms"))
    return trigger_for(
        world.tenant,
        name="Quote sent: send and follow up",
        stage=stage_named(pipeline, "Quote sent"),
        steps=[
            {"template": news, "channels": ["email"]},
            {
                "template": chaser,
                "channels": ["email", "sms"],
                "channel_choice": "all",
                "delay_minutes": 3 * 24 * 60,
            },
        ],
    )


def _sent_quote(world, lead):
    with world.active(), time_machine.travel(AFTERNOON, tick=False):
        quote = quote_save_draft(
            tenant=world.tenant,
            actor=world.rep.user,
            lead=lead,
            lines=[("Roof replacement", Decimal("1"), Decimal("17300"))],
            valid_until=world.tenant.today() + dt.timedelta(days=30),
        )
        return quote_send(tenant=world.tenant, actor=world.rep.user, quote=quote)


def _chasers(world, lead) -> list[OutboundMessage]:
    with world.active():
        return list(
            OutboundMessage.objects.filter(
                lead=lead, source=MessageSource.TRIGGER, template__key="quote-follow-up"
            ).order_by("channel")
        )


@pytest.fixture
def quoted(miami):
    world = miami
    pipeline = pipeline_for(world.tenant)
    _quote_sent_trigger(world, pipeline)
    lead = lead_for(world, pipeline, owner=world.rep)
    quote = _sent_quote(world, lead)
    with world.active():  # the quote's news goes out at once; its reminder waits 3 days
        for pk in outbox.outbox_claim_due(tenant=world.tenant, now=AFTERNOON):
            outbox_send.message_send(tenant=world.tenant, message_id=pk, now=AFTERNOON)
    chasers = _chasers(world, lead)
    assert [(m.channel, m.status) for m in chasers] == [
        ("email", MessageStatus.SCHEDULED),
        ("sms", MessageStatus.SCHEDULED),
    ]
    return world, lead, quote


def test_accepting_the_quote_cancels_its_follow_up_at_once(quoted):
    world, lead, quote = quoted

    with world.active(), time_machine.travel(AFTERNOON + DAY, tick=False):
        quote_accept(tenant=world.tenant, quote=quote, signed_name="Dana")

    chasers = _chasers(world, lead)
    assert {m.status for m in chasers} == {MessageStatus.CANCELLED}
    assert chasers[0].decisions[-1]["reason"] == (
        f"Cancelled: quote {quote.reference} was accepted"
    )
    with world.active():
        cancelled = TimelineEvent.objects.get(lead_id=lead.pk, kind="message.cancelled")
    assert (
        cancelled.summary == f"2 scheduled messages cancelled: quote {quote.reference} was accepted"
    )
    # Nothing is left for the sweep to send three days on.
    with world.active():
        assert outbox.outbox_claim_due(tenant=world.tenant, now=AFTERNOON + 4 * DAY) == []


def test_a_stop_text_cancels_that_channels_scheduled_texts_but_not_its_answer(quoted):
    world, lead, _quote = quoted

    with world.active(), time_machine.travel(AFTERNOON + DAY, tick=False):
        sms_keyword_handle(tenant=world.tenant, contact=world.contact, channel="sms", body="STOP")

    by_channel = {m.channel: m for m in _chasers(world, lead)}
    assert by_channel["sms"].status == MessageStatus.CANCELLED
    assert by_channel["sms"].decisions[-1]["reason"] == (
        "Cancelled: SMS consent withdrawn (STOP reply)"
    )
    assert by_channel["email"].status == MessageStatus.SCHEDULED  # they stopped texts only
    with world.active():
        answer = OutboundMessage.objects.get(source=MessageSource.SYSTEM)
    assert answer.status != MessageStatus.CANCELLED


def test_erasing_the_contact_cancels_everything_scheduled_for_them(quoted):
    world, lead, _quote = quoted

    with world.active(), time_machine.travel(AFTERNOON + DAY, tick=False):
        contact_anonymise(tenant=world.tenant, membership=world.manager, contact=world.contact)

    chasers = _chasers(world, lead)
    assert {m.status for m in chasers} == {MessageStatus.CANCELLED}
    assert chasers[0].decisions[-1]["reason"] == "Cancelled: the contact was erased"


def test_moving_on_from_the_stage_cancels_its_messages_when_the_lead_moves(quoted):
    world, lead, _quote = quoted

    with world.active(), time_machine.travel(AFTERNOON + DAY, tick=False):
        lead_move_to_stage(
            tenant=world.tenant,
            actor=world.rep.user,
            lead=Lead.objects.get(pk=lead.pk),
            stage=stage_named(lead.pipeline, "Inspection scheduled"),
        )

    chasers = _chasers(world, lead)
    assert {m.status for m in chasers} == {MessageStatus.CANCELLED}
    assert chasers[0].decisions[-1]["reason"] == (
        "Cancelled: the lead moved on to “Inspection scheduled”"
    )


def test_staff_read_cancelled_with_the_reason_and_local_times_on_the_outbox(quoted, client):
    world, lead, quote = quoted
    with world.active(), time_machine.travel(AFTERNOON + DAY, tick=False):
        quote_accept(tenant=world.tenant, quote=quote, signed_name="Dana")
    sign_in(client, world.admin)
    chaser = _chasers(world, lead)[0]

    listing = html.unescape(client.get("/settings/outbox/?status=cancelled").content.decode())
    detail = html.unescape(
        client.get(
            reverse("comms-settings:message", kwargs={"message_pk": chaser.pk})
        ).content.decode()
    )

    assert f"Cancelled: quote {quote.reference} was accepted" in listing
    assert ">Cancelled<" in detail
    # Scheduled 3 days after 15:00 EDT: 15:00 on Friday, in Miami's time, never UTC.
    assert "Scheduled for Fri Jun 12, 15:00 EDT" in detail
    assert "UTC" not in detail
    assert "Jun 12, 2026 3:00:00 PM EDT" in detail  # "Send after"


def test_losing_the_lead_cancels_what_its_stage_scheduled(quoted):
    world, lead, _quote = quoted

    with world.active(), time_machine.travel(AFTERNOON + DAY, tick=False):
        lead_mark_lost(
            tenant=world.tenant,
            actor=world.rep.user,
            lead=Lead.objects.get(pk=lead.pk),
            reason="competitor",
        )

    chasers = _chasers(world, lead)
    assert {m.status for m in chasers} == {MessageStatus.CANCELLED}
    assert chasers[0].decisions[-1]["reason"] == "Cancelled: the lead was lost"


def test_a_scheduled_time_reads_in_the_readers_own_time_zone(quoted):
    """The words follow the zone the request activated (a user's own, once they set one)."""
    world, lead, _quote = quoted
    entry = next(d for d in _chasers(world, lead)[0].decisions if d["decision"] == "scheduled")

    with timezone.override(zoneinfo.ZoneInfo("Europe/Amsterdam")):
        assert decision_reason(entry) == "Scheduled for Fri Jun 12, 21:00 CEST"
    with timezone.override(zoneinfo.ZoneInfo("America/New_York")):
        assert decision_reason(entry) == "Scheduled for Fri Jun 12, 15:00 EDT"


def test_a_cancel_reason_written_by_a_dutch_writer_reads_in_each_readers_language(quoted):
    """The reason is kept as a message, not as the writer's words: the outbox's decision and the
    timeline read in Dutch to a Dutch reader and in English to an English one."""
    world, lead, quote = quoted

    with world.active(), translation.override("nl"), time_machine.travel(AFTERNOON, tick=False):
        quote_accept(tenant=world.tenant, quote=quote, signed_name="Dana")

    [email, _sms] = _chasers(world, lead)
    english = f"Cancelled: quote {quote.reference} was accepted"
    assert email.decisions[-1]["reason"] == english
    with world.active():
        cancelled = TimelineEvent.objects.get(lead_id=lead.pk, kind="message.cancelled")
    with translation.override("nl"):
        assert decision_reason(email.decisions[-1]) == (
            f"Geannuleerd: offerte {quote.reference} is geaccepteerd"
        )
        assert cancelled.shown_summary == (
            f"2 geplande berichten geannuleerd: offerte {quote.reference} is geaccepteerd"
        )
    with translation.override("en"):
        assert decision_reason(email.decisions[-1]) == english
