"""Regular status updates for active jobs: the rhythm follows the stage, the tenant's interval and
the contact's own frequency; the sweep sends each due update once on the right channel with the
news since the last one; the lead page's panel, "Send update now" and the managers' overdue list;
appointments edited on the lead."""

import datetime as dt
import html
import io
import re

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from automation.services import updates
from crm.models import ConsentStatus, Notification, TimelineEvent
from crm.services.consent import consent_record
from followups.models import Source
from followups.services.followups import follow_up_create
from leads.models import Lead
from leads.services.activity import lead_add_note
from leads.services.configuration import stage_update
from leads.services.stages import lead_mark_lost, lead_move_to_stage, lead_reopen
from messaging.models import (
    CommsSettings,
    ContactCommsProfile,
    MessageSource,
    OutboundMessage,
    SandboxDelivery,
)
from messaging.services import outbox, outbox_send
from tests.conftest import queries_for, sign_in
from tests.factories import (
    ContactEmailFactory,
    ContactFactory,
    ContactPhoneFactory,
    MembershipFactory,
    lead_for,
    message_template_for,
    pipeline_for,
    stage_named,
)

pytestmark = pytest.mark.django_db

# Tuesday afternoon in Miami (EDT), inside every channel's quiet-hours window; 14 days later too.
START = dt.datetime(2026, 6, 8, 19, 0, tzinfo=dt.UTC)
AFTERNOON = START + dt.timedelta(days=1)
DAY = dt.timedelta(days=1)
HX = {"HTTP_HX_REQUEST": "true"}

UPDATE_TEXT = (
    "Now: {{ stage_label }}.{% for update in recent_updates %}\n- {{ update }}{% endfor %}"
    "\nNext: {{ next_step }}."
)


@pytest.fixture
def miami(world):
    world.tenant.time_zone = "America/New_York"
    world.tenant.save()
    return world


def _update_template(world, channels=("email", "sms")):
    return message_template_for(
        world.tenant,
        "biweekly-update",
        channels=channels,
        subject="Update on {{ order_number }}",
        text=UPDATE_TEXT,
    )


def _lead(world, *, owner=None, contact=None):
    with time_machine.travel(START, tick=False):
        return lead_for(
            world,
            pipeline_for(world.tenant),
            owner=owner or world.rep,
            contact=contact or world.contact,
        )


def _move(world, lead, stage_name, at):
    with world.active(), time_machine.travel(at, tick=False):
        return lead_move_to_stage(
            tenant=world.tenant,
            actor=world.rep.user,
            lead=lead,
            stage=stage_named(lead.pipeline, stage_name),
        )


def _active_lead(world, at=AFTERNOON, **options):
    """A lead that entered production ("Scheduled") at `at`."""
    return _move(world, _lead(world, **options), "Scheduled", at)


def _reload(world, lead) -> Lead:
    with world.active():
        return Lead.objects.select_related("stage", "contact").get(pk=lead.pk)


def _sweep(world, at) -> int:
    with world.active(), time_machine.travel(at, tick=False):
        return updates.customer_updates_sweep(tenant=world.tenant, now=at)


def _send_due(world, at) -> list[str]:
    with world.active(), time_machine.travel(at, tick=False):
        ids = outbox.outbox_claim_due(tenant=world.tenant, now=at)
        return [outbox_send.message_send(tenant=world.tenant, message_id=pk, now=at) for pk in ids]


def _note(world, lead, body, at):
    with world.active(), time_machine.travel(at, tick=False):
        lead_add_note(tenant=world.tenant, actor=world.rep.user, lead=lead, body=body)


def _frequency(world, contact, frequency):
    with world.active():
        ContactCommsProfile.objects.update_or_create(
            tenant=world.tenant, contact=contact, defaults={"update_frequency": frequency}
        )
        updates.contact_update_rhythm(tenant=world.tenant, contact=contact)


def _another_contact(world, **fields):
    with world.active():
        contact = ContactFactory(tenant=world.tenant, **fields)
        ContactEmailFactory(tenant=world.tenant, contact=contact)
        ContactPhoneFactory(tenant=world.tenant, contact=contact)
        return contact


# --- The rhythm ----------------------------------------------------------------------------------


def test_entering_production_starts_the_rhythm_and_moving_on_inside_it_keeps_it(miami):
    world = miami
    lead = _lead(world)
    _move(world, lead, "Won", AFTERNOON - DAY)
    assert _reload(world, lead).next_update_due_at is None

    _move(world, lead, "Scheduled", AFTERNOON)
    assert _reload(world, lead).next_update_due_at == AFTERNOON + 14 * DAY

    # Another production or after-care stage does not restart the clock.
    _move(world, lead, "In production", AFTERNOON + 3 * DAY)
    _move(world, lead, "Paid", AFTERNOON + 5 * DAY)
    assert _reload(world, lead).next_update_due_at == AFTERNOON + 14 * DAY


def test_the_rhythm_stops_in_sales_when_lost_or_closed_and_restarts_on_return(miami):
    world = miami
    lead = _active_lead(world)
    _move(world, lead, "Quote sent", AFTERNOON + DAY)
    assert _reload(world, lead).next_update_due_at is None

    back = AFTERNOON + 2 * DAY
    _move(world, lead, "In production", back)
    assert _reload(world, lead).next_update_due_at == back + 14 * DAY

    with world.active(), time_machine.travel(back + DAY, tick=False):
        lead_mark_lost(tenant=world.tenant, actor=world.rep.user, lead=lead, reason="price")
    assert _reload(world, lead).next_update_due_at is None

    reopened = back + 2 * DAY
    with world.active(), time_machine.travel(reopened, tick=False):
        lead_reopen(tenant=world.tenant, actor=world.rep.user, lead=lead)
    assert _reload(world, lead).next_update_due_at == reopened + 14 * DAY

    # A terminal after-care stage ends the job's life: no more updates.
    _move(world, lead, "Review requested", reopened + DAY)
    assert _reload(world, lead).next_update_due_at is None


def test_the_tenants_interval_and_each_contacts_frequency_set_the_rhythm(miami):
    world = miami
    with world.active():
        CommsSettings.objects.update_or_create(
            tenant=world.tenant, defaults={"update_interval_days": 10}
        )
    lead = _active_lead(world)
    assert _reload(world, lead).next_update_due_at == AFTERNOON + 10 * DAY

    for frequency, days in (("weekly", 7), ("monthly", 30), ("biweekly", 14), ("default", 10)):
        _frequency(world, world.contact, frequency)
        assert _reload(world, lead).next_update_due_at == AFTERNOON + days * DAY, frequency

    _frequency(world, world.contact, "never")
    assert _reload(world, lead).next_update_due_at is None
    _update_template(world)
    assert _sweep(world, AFTERNOON + 60 * DAY) == 0
    with world.active():
        assert not OutboundMessage.objects.exists()


# --- The sweep and what an update says ------------------------------------------------------------


def test_the_sweep_sends_each_due_update_once_with_the_news_since_the_last(miami):
    world = miami
    _update_template(world)
    lead = _active_lead(world)
    _move(world, lead, "In production", AFTERNOON + 2 * DAY)
    _note(world, lead, "Crew lead says the decking is rotten", AFTERNOON + 3 * DAY)
    first = AFTERNOON + 14 * DAY

    assert _sweep(world, first - dt.timedelta(minutes=5)) == 0
    assert _sweep(world, first) == 1
    assert _sweep(world, first) == 0  # a second run at the same time sends nothing

    with world.active():
        message = OutboundMessage.objects.get(lead=lead)
        assert (message.source, message.channel, message.template.key) == (
            MessageSource.UPDATE,
            "email",
            "biweekly-update",
        )
        news = message.context["variables"]["recent_updates"]
        assert "Jun 11: Work in progress" in news
        assert not any("decking" in line for line in news)
        assert not any("In production" in line for line in news)  # the team's own stage name
    assert _send_due(world, first) == ["sent"]
    with world.active():
        delivery = SandboxDelivery.objects.get(message=message)
        assert delivery.subject == f"Update on {lead.reference}"
        assert delivery.body_text.startswith("Now: Work in progress.")
        assert "- Jun 11: Work in progress" in delivery.body_text
        assert delivery.body_text.endswith("Next: Work completed.")
        assert "decking" not in delivery.body_text
        lead = _reload(world, lead)
        assert lead.last_update_sent_at == first
        assert lead.next_update_due_at == first + 14 * DAY
        event = TimelineEvent.objects.get(lead_id=lead.pk, kind="update.sent")
        assert event.customer_visible
        assert event.summary == "Status update sent by Email: Work in progress"

    # The next update tells only what happened after this one.
    _move(world, lead, "Completed", first + 2 * DAY)
    _note(world, lead, "Invoice needs the permit fee", first + 3 * DAY)
    assert _sweep(world, first + 14 * DAY) == 1
    with world.active():
        second = OutboundMessage.objects.filter(lead=lead).latest("created_at")
        assert second.context["variables"]["recent_updates"] == ["Jun 25: Work completed"]


def _label_stage(world, pipeline, name, labels):
    with world.active():
        stage_update(
            tenant=world.tenant,
            actor=world.admin.user,
            stage=stage_named(pipeline, name),
            customer_labels=labels,
        )


def test_an_update_names_the_steps_in_the_customers_language(miami):
    world = miami
    _update_template(world)
    dutch = _another_contact(world, language="nl")
    lead = _active_lead(world, contact=dutch)
    _label_stage(world, lead.pipeline, "Scheduled", {"nl": "In de planning"})
    _label_stage(world, lead.pipeline, "In production", {"nl": "Onze ploeg is bezig"})
    sent_at = AFTERNOON + DAY

    with world.active(), time_machine.travel(sent_at, tick=False):
        message = updates.customer_update_send(tenant=world.tenant, lead=lead, now=sent_at)

    # The day too as a Dutch reader writes it ("11 jun", not "Jun 11").
    assert re.fullmatch(
        r"\d{1,2} [a-z]{3}: In de planning", message.context["variables"]["recent_updates"][-1]
    )
    assert _send_due(world, sent_at) == ["sent"]
    with world.active():
        body = SandboxDelivery.objects.get(message=message).body_text
    assert body.startswith("Now: In de planning.")
    assert body.endswith("Next: Onze ploeg is bezig.")


def test_without_a_label_in_their_language_a_customer_reads_the_teams_label(miami):
    world = miami
    _update_template(world)
    portuguese = _another_contact(world, language="pt")  # no pages or labels in Portuguese
    lead = _active_lead(world, contact=portuguese)
    _label_stage(world, lead.pipeline, "Scheduled", {"es": "Trabajo programado"})

    with world.active():
        content = updates.customer_update_content(
            tenant=world.tenant, lead=_reload(world, lead), since=None
        )

    assert content.stage_label == "Work scheduled"


def test_an_appointment_booked_on_the_lead_is_news_for_the_customer(miami, client):
    world = miami
    _update_template(world)
    lead = _active_lead(world)
    sign_in(client, world.rep)
    with time_machine.travel(AFTERNOON + DAY, tick=False):
        response = client.post(
            reverse("leads:edit", kwargs={"lead_pk": lead.pk}),
            {"title": "Roof replacement", "lead_type": "residential", "cost": "0",
             "appointment_at": "2026-06-16T10:30"},
        )  # fmt: skip
    assert response.status_code == 302
    lead = _reload(world, lead)
    # Typed in the business's time zone (EDT), stored in UTC.
    assert lead.appointment_at == dt.datetime(2026, 6, 16, 14, 30, tzinfo=dt.UTC)
    with world.active():
        event = TimelineEvent.objects.get(lead_id=lead.pk, kind="lead.appointment_booked")
        assert event.customer_visible
        assert event.summary == "Appointment booked for Tue Jun 16, 10:30 AM"
        changed = TimelineEvent.objects.get(lead_id=lead.pk, kind="lead.updated")
        assert "appointment" not in changed.summary
    page = client.get(reverse("leads:detail", kwargs={"lead_pk": lead.pk})).content.decode()
    assert "Tue Jun 16, 2026 10:30 AM" in page

    _sweep(world, AFTERNOON + 14 * DAY)
    with world.active():
        news = OutboundMessage.objects.get(lead=lead).context["variables"]["recent_updates"]
    assert "Jun 10: Appointment booked for Tue Jun 16, 10:30 AM" in news


# --- Channels ------------------------------------------------------------------------------------


def test_the_update_goes_by_the_preferred_channel_when_the_contact_can_get_it(miami):
    world = miami
    _update_template(world, channels=("email", "sms"))
    texter = _another_contact(world, preferred_channel="sms")
    opted_out = _another_contact(world, preferred_channel="sms")
    whatsapper = _another_contact(world, preferred_channel="whatsapp")
    with world.active():
        consent_record(
            tenant=world.tenant,
            contact=opted_out,
            channel="sms",
            status=ConsentStatus.WITHDRAWN,
            source="STOP",
        )
    leads = {
        name: _active_lead(world, contact=contact)
        for name, contact in (("sms", texter), ("opted out", opted_out), ("no wording", whatsapper))
    }

    assert _sweep(world, AFTERNOON + 14 * DAY) == 3
    with world.active():
        channels = {
            name: OutboundMessage.objects.get(lead=lead).channel for name, lead in leads.items()
        }
    # SMS for the texter; email when the contact opted out of SMS, or the template has no
    # WhatsApp wording.
    assert channels == {"sms": "sms", "opted out": "email", "no wording": "email"}


# --- No template ----------------------------------------------------------------------------------


def test_without_a_template_admins_hear_once_a_day_and_the_button_says_why(miami):
    world = miami
    lead = _active_lead(world)
    due = AFTERNOON + 14 * DAY

    assert _sweep(world, due) == 0
    assert _sweep(world, due + dt.timedelta(minutes=5)) == 0
    with world.active():
        told = Notification.objects.filter(kind=updates.MISSING_TEMPLATE_KIND)
        assert [n.recipient_id for n in told] == [world.admin.user_id]
        assert "biweekly-update" in told[0].body
    assert _reload(world, lead).next_update_due_at == due  # still due: the list shows it late

    assert _sweep(world, due + 2 * DAY) == 0
    with world.active():
        assert Notification.objects.filter(kind=updates.MISSING_TEMPLATE_KIND).count() == 2

    with world.active(), pytest.raises(ValidationError, match="biweekly-update"):
        updates.customer_update_send(tenant=world.tenant, lead=lead, now=due)


def test_a_template_chosen_in_the_settings_is_used_over_the_default_key(miami):
    world = miami
    _update_template(world)
    chosen = message_template_for(world.tenant, "job-news", channels=("email",))
    with world.active():
        CommsSettings.objects.update_or_create(
            tenant=world.tenant, defaults={"update_template": chosen}
        )
    lead = _active_lead(world)
    _sweep(world, AFTERNOON + 14 * DAY)
    with world.active():
        assert OutboundMessage.objects.get(lead=lead).template == chosen


# --- Pages ---------------------------------------------------------------------------------------


def _panel(client, lead):
    return client.get(reverse("automation:lead-messages", kwargs={"lead_pk": lead.pk}), **HX)


def test_the_lead_page_loads_the_panel_with_rhythm_messages_and_follow_ups(miami, client):
    world = miami
    _update_template(world)
    lead = _active_lead(world)
    with world.active():
        follow_up_create(
            tenant=world.tenant,
            actor=None,
            subject="Call about the skylight",
            contact=lead.contact,
            lead=lead,
            assignee=world.rep,
            scheduled_at=AFTERNOON + 7 * DAY,
            source=Source.TRIGGER,
            key="test:call",
        )
    sign_in(client, world.rep)

    detail = client.get(reverse("leads:detail", kwargs={"lead_pk": lead.pk})).content.decode()
    assert f'hx-get="/leads/{lead.pk}/messages/"' in detail

    panel = html.unescape(_panel(client, lead).content.decode())
    assert "Customer messages" in panel and "None yet" in panel
    assert "overdue" in panel  # its first update was due weeks ago
    assert "Send update now" in panel
    assert "Call about the skylight" in panel
    assert "No messages to this customer" in panel

    _sweep(world, AFTERNOON + 14 * DAY)
    panel = html.unescape(_panel(client, lead).content.decode())
    assert "Biweekly update" in panel and "Scheduled now" in panel
    # Without htmx the panel is a page of its own.
    full = client.get(reverse("automation:lead-messages", kwargs={"lead_pk": lead.pk}))
    assert "<html" in full.content.decode()


def test_the_panel_costs_the_same_queries_for_one_message_or_many(miami, client):
    world = miami
    _update_template(world)
    lead = _active_lead(world)
    sign_in(client, world.admin)
    url = reverse("automation:lead-messages", kwargs={"lead_pk": lead.pk})
    _sweep(world, AFTERNOON + 14 * DAY)
    few = queries_for(client, url, **HX)
    for weeks in range(4, 16, 2):
        _sweep(world, AFTERNOON + weeks * 7 * DAY)
    with world.active():
        assert OutboundMessage.objects.filter(lead=lead).count() == 7
    assert queries_for(client, url, **HX) == few


def test_reps_send_updates_for_their_own_leads_managers_for_any(miami, client):
    world = miami
    _update_template(world)
    other_rep = MembershipFactory(tenant=world.tenant, role="rep")
    theirs = _active_lead(world, owner=other_rep)
    mine = _active_lead(world, contact=_another_contact(world))
    url = "automation:send-update"

    sign_in(client, world.rep)
    assert "Send update now" not in _panel(client, theirs).content.decode()
    assert client.post(reverse(url, kwargs={"lead_pk": theirs.pk})).status_code == 403
    response = client.post(reverse(url, kwargs={"lead_pk": mine.pk}))
    assert response.url == reverse("leads:detail", kwargs={"lead_pk": mine.pk}) + (
        "#customer-messages"
    )
    with world.active():
        assert OutboundMessage.objects.filter(lead=mine, source="update").count() == 1
    # A second one the same day is refused, with the reason.
    response = client.post(reverse(url, kwargs={"lead_pk": mine.pk}), follow=True)
    assert "already got a status update today" in html.unescape(response.content.decode())

    sign_in(client, world.manager)
    assert client.post(reverse(url, kwargs={"lead_pk": theirs.pk})).status_code == 302
    with world.active():
        assert OutboundMessage.objects.filter(lead=theirs, source="update").count() == 1
        assert _reload(world, theirs).last_update_sent_at is not None

    # A job still in sales gets no status update.
    in_sales = _lead(world, contact=_another_contact(world))
    response = client.post(reverse(url, kwargs={"lead_pk": in_sales.pk}), follow=True)
    assert "active jobs only" in response.content.decode()


def test_managers_see_overdue_updates_and_those_due_this_week(miami, client):
    world = miami
    late = _active_lead(world)  # due weeks ago
    soon = _active_lead(world, contact=_another_contact(world, first_name="Soon"))
    later = _active_lead(world, contact=_another_contact(world, first_name="Later"))
    with world.active():
        Lead.objects.filter(pk=soon.pk).update(next_update_due_at=dt.datetime.now(dt.UTC) + 3 * DAY)
        Lead.objects.filter(pk=later.pk).update(
            next_update_due_at=dt.datetime.now(dt.UTC) + 20 * DAY
        )
    url = reverse("automation:updates")

    sign_in(client, world.rep)
    assert client.get(url).status_code == 403

    sign_in(client, world.manager)
    overdue = client.get(url)
    assert [lead.pk for lead in overdue.context["page"].items] == [late.pk]
    assert "late</span>" in overdue.content.decode()
    week = client.get(url, {"when": "soon"})
    assert [lead.pk for lead in week.context["page"].items] == [late.pk, soon.pk]
    leads_page = client.get(reverse("leads:list")).content.decode()
    assert f'href="{url}"' in leads_page


def test_the_overdue_list_pages_in_a_fixed_number_of_queries(miami, client):
    world = miami
    url = reverse("automation:updates")
    sign_in(client, world.manager)
    for owner in (world.rep, world.manager):
        _active_lead(world, owner=owner, contact=_another_contact(world))
    few = queries_for(client, url)
    for index in range(10):
        owner = MembershipFactory(tenant=world.tenant, role="rep") if index % 2 else None
        _active_lead(world, owner=owner, contact=_another_contact(world))
    assert queries_for(client, url) == few
    assert len(client.get(url).context["page"].items) == 12


def test_send_now_from_the_list_goes_back_to_the_list(miami, client):
    world = miami
    _update_template(world)
    lead = _active_lead(world)
    sign_in(client, world.manager)
    back = reverse("automation:updates") + "?when=overdue"
    response = client.post(
        reverse("automation:send-update", kwargs={"lead_pk": lead.pk}), {"next": back}
    )
    assert response.url == back
    assert client.get(back).context["page"].items == []


def test_the_management_command_plans_jobs_that_were_active_before(world):
    lead = lead_for(world, owner=world.rep)
    with world.active():
        stage = stage_named(lead.pipeline, "In production")
        Lead.objects.filter(pk=lead.pk).update(stage=stage, next_update_due_at=None)
    out = io.StringIO()

    call_command("refresh_update_rhythms", stdout=out)

    assert "planned for 1 jobs" in out.getvalue()
    with world.active():
        assert Lead.objects.get(pk=lead.pk).next_update_due_at is not None
