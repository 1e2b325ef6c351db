"""Creating follow-ups (from the lead page, the contact page, the ticket thread, a template, or a
contact search), the follow-ups section of contact and lead pages, the dashboard widget and the
rep's home page."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from crm.models import Role
from followups.models import FollowUp, FollowUpTemplate, Reminder, Source
from followups.selectors.widgets import follow_up_stats
from followups.services import followups as services
from tests import factories
from tests.conftest import sign_in
from tests.factories import lead_for
from tests.followups.test_pages import follow_up_for

pytestmark = pytest.mark.django_db

CREATE = reverse("followups:create")
NOW = dt.datetime(2025, 3, 12, 15, 0, tzinfo=dt.UTC)  # Wednesday 11:00 in New York


def _form(**values) -> dict:
    data = {
        "subject": "Call about the quote",
        "scheduled_at": "2025-03-14T10:30",
        "duration_minutes": "30",
        "priority": "high",
    }
    data.update(values)
    return data


@time_machine.travel(NOW, tick=False)
def test_from_a_lead_page_the_contact_and_lead_are_filled_in(client, world):
    other_rep = factories.MembershipFactory(tenant=world.tenant, role=Role.REP)
    lead = lead_for(world, owner=other_rep)
    sign_in(client, world.manager)
    lead_page = reverse("leads:detail", kwargs={"lead_pk": lead.pk})
    response = client.get(CREATE, {"lead": lead.pk, "next": lead_page})
    form = response.context["form"]
    assert response.context["contact"] == world.contact
    assert form.initial["lead"] == lead.pk
    assert form.initial["assignee"] == other_rep.pk  # the lead's owner
    assert lead.reference in response.content.decode()
    with world.active():
        call = services.follow_up_type_get(tenant=world.tenant, key="call")
    response = client.post(
        f"{CREATE}?lead={lead.pk}",
        _form(
            contact=world.contact.pk,
            lead=lead.pk,
            type=call.pk,
            assignee=other_rep.pk,
            reminder_offsets=["1440", "60"],
            reminder_channels=["in_app", "email"],
            next=lead_page,
        ),
    )
    assert response.status_code == 302 and response["Location"] == lead_page
    with world.active():
        follow_up = FollowUp.objects.get()
        reminders = set(
            Reminder.objects.filter(follow_up=follow_up).values_list("offset_minutes", "channel")
        )
        lead.refresh_from_db()
    assert follow_up.lead_id == lead.pk and follow_up.contact_id == world.contact.pk
    assert follow_up.assignee_id == other_rep.pk
    assert follow_up.created_by_id == world.manager.user_id
    # 10:30 in New York is 14:30 UTC on March 14 (daylight time).
    assert follow_up.scheduled_at == dt.datetime(2025, 3, 14, 14, 30, tzinfo=dt.UTC)
    assert reminders == {(1440, "in_app"), (1440, "email"), (60, "in_app"), (60, "email")}
    assert lead.next_follow_up_at == follow_up.scheduled_at


@time_machine.travel(NOW, tick=False)
def test_from_a_ticket_the_contact_ticket_and_its_lead_are_filled_in(client, world):
    from tickets.models import Inbox, Ticket

    lead = lead_for(world, owner=world.rep)
    with world.active():
        inbox = Inbox.objects.create(tenant=world.tenant, name="Sales", brand=world.brand)
        ticket = Ticket.objects.create(
            tenant=world.tenant,
            inbox=inbox,
            contact=world.contact,
            lead=lead,
            number=1001,
            subject="Leaking gutter",
            assignee=world.rep,
        )
    sign_in(client, world.rep)
    response = client.get(CREATE, {"ticket": ticket.pk})
    assert response.context["contact"] == world.contact
    assert response.context["form"].initial["ticket"] == ticket.pk
    assert response.context["form"].initial["lead"] == lead.pk
    with world.active():
        call = services.follow_up_type_get(tenant=world.tenant, key="call")
    client.post(
        f"{CREATE}?ticket={ticket.pk}",
        _form(contact=world.contact.pk, ticket=ticket.pk, type=call.pk, assignee=world.rep.pk),
    )
    with world.active():
        assert FollowUp.objects.get().ticket == ticket
    # The thread's sidebar links here.
    thread = client.get(reverse("tickets:detail", kwargs={"ticket_pk": ticket.pk}))
    assert f"{CREATE}?ticket={ticket.pk}" in thread.content.decode()


@time_machine.travel(NOW, tick=False)
def test_without_a_contact_the_form_finds_one_by_name(client, world):
    with world.active():
        contact = factories.ContactFactory(tenant=world.tenant, first_name="Quincy")
        call = services.follow_up_type_get(tenant=world.tenant, key="call")
    sign_in(client, world.rep)
    response = client.get(CREATE, {"contact_q": "quin"})
    html = response.content.decode()
    assert 'type="radio" name="contact"' in html and "Quincy" in html
    refused = client.post(f"{CREATE}?contact_q=quin", _form(type=call.pk, assignee=world.rep.pk))
    assert "Choose the customer" in refused.content.decode()
    response = client.post(
        f"{CREATE}?contact_q=quin",
        _form(contact=contact.pk, type=call.pk, assignee=world.rep.pk),
    )
    assert response.status_code == 302
    with world.active():
        follow_up = FollowUp.objects.get()
    assert follow_up.contact_id == contact.pk
    assert response["Location"] == reverse(
        "followups:detail", kwargs={"follow_up_pk": follow_up.pk}
    )
    # No reminder ticked: none is made.
    with world.active():
        assert not Reminder.objects.filter(follow_up=follow_up).exists()


@time_machine.travel(NOW, tick=False)
def test_a_template_fills_in_the_form(client, world):
    with world.active():
        meeting = services.follow_up_type_get(tenant=world.tenant, key="meeting")
        template = FollowUpTemplate.objects.create(
            tenant=world.tenant,
            name="Post-inspection call",
            type=meeting,
            subject="How did the inspection go?",
            priority="high",
            days_after=2,
            at_time=dt.time(9, 15),
            reminder_offsets=[1440, 30],
        )
    sign_in(client, world.rep)
    response = client.get(CREATE, {"contact": world.contact.pk, "template": template.pk})
    initial = response.context["form"].initial
    assert initial["subject"] == "How did the inspection go?"
    assert initial["type"] == meeting.pk and initial["priority"] == "high"
    assert timezone.localtime(initial["scheduled_at"], world.tenant.zone).replace(
        tzinfo=None
    ) == dt.datetime(2025, 3, 14, 9, 15)
    assert initial["reminder_offsets"] == [1440, 30]
    client.post(
        f"{CREATE}?contact={world.contact.pk}",
        _form(
            contact=world.contact.pk,
            type=meeting.pk,
            assignee=world.rep.pk,
            template=template.pk,
        ),
    )
    with world.active():
        assert FollowUp.objects.get().source == Source.TEMPLATE


@time_machine.travel(NOW, tick=False)
def test_the_form_refuses_the_past_and_another_customers_lead(client, world):
    lead = lead_for(world, owner=world.rep)
    with world.active():
        stranger = factories.ContactFactory(tenant=world.tenant)
        call = services.follow_up_type_get(tenant=world.tenant, key="call")
    sign_in(client, world.rep)
    response = client.post(
        f"{CREATE}?contact={stranger.pk}",
        _form(
            contact=stranger.pk,
            type=call.pk,
            assignee=world.rep.pk,
            scheduled_at="2025-03-01T10:00",
            lead=lead.pk,
            reminder_offsets=["60"],
        ),
    )
    errors = response.context["form"].errors
    assert "Pick a time from now on." in errors["scheduled_at"]
    assert "lead" in errors  # not among this contact's leads
    assert "Choose how to be reminded." in errors["reminder_channels"]
    with world.active():
        assert not FollowUp.objects.exists()


def test_another_tenants_contact_lead_or_ticket_cannot_start_a_follow_up(
    client, world, other_world
):
    foreign_lead = lead_for(other_world, owner=other_world.rep)
    sign_in(client, world.rep)
    assert client.get(CREATE, {"contact": other_world.contact.pk}).status_code == 404
    assert client.get(CREATE, {"lead": foreign_lead.pk}).status_code == 404
    with world.active():
        call = services.follow_up_type_get(tenant=world.tenant, key="call")
    client.post(
        CREATE,
        _form(
            contact=other_world.contact.pk,
            type=call.pk,
            assignee=world.rep.pk,
            scheduled_at="2031-03-14T10:30",
        ),
    )
    with other_world.active():
        assert not FollowUp.objects.exists()


# --- Entry points and the sections on contact and lead pages ----------------------------------


def test_lead_contact_and_ticket_pages_link_to_a_new_follow_up_and_load_the_section(client, world):
    lead = lead_for(world, owner=world.rep)
    sign_in(client, world.rep)
    lead_page = client.get(reverse("leads:detail", kwargs={"lead_pk": lead.pk})).content.decode()
    assert f"{CREATE}?lead={lead.pk}" in lead_page
    assert reverse("followups:lead-panel", kwargs={"lead_pk": lead.pk}) in lead_page
    contact_url = reverse("contacts:detail", kwargs={"contact_pk": world.contact.pk})
    contact_page = client.get(contact_url).content.decode()
    assert f"{CREATE}?contact={world.contact.pk}" in contact_page
    assert (
        reverse("followups:contact-panel", kwargs={"contact_pk": world.contact.pk}) in contact_page
    )


def test_the_sections_list_upcoming_then_past_follow_ups(client, world):
    lead = lead_for(world, owner=world.rep)
    follow_up_for(world, subject="For the lead", lead=lead)
    follow_up_for(world, subject="Contact only")
    done = follow_up_for(world, subject="Done before", lead=lead)
    with world.active():
        services.follow_up_complete(
            tenant=world.tenant, actor=None, follow_up=done, outcome="successful"
        )
    sign_in(client, world.rep)
    lead_panel = client.get(
        reverse("followups:lead-panel", kwargs={"lead_pk": lead.pk}), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert lead_panel.lstrip().startswith('<section class="card fu-panel"')
    assert "For the lead" in lead_panel and "Done before" in lead_panel
    assert "Contact only" not in lead_panel
    assert lead_panel.index("For the lead") < lead_panel.index("Done before")
    contact_panel = client.get(
        reverse("followups:contact-panel", kwargs={"contact_pk": world.contact.pk})
    ).content.decode()
    assert "<html" in contact_panel  # without htmx: a page of its own
    assert "For the lead" in contact_panel and "Contact only" in contact_panel


def test_another_tenants_sections_are_not_found(client, world, other_world):
    foreign_lead = lead_for(other_world, owner=other_world.rep)
    sign_in(client, world.rep)
    contact_panel = reverse(
        "followups:contact-panel", kwargs={"contact_pk": other_world.contact.pk}
    )
    assert client.get(contact_panel).status_code == 404
    lead_panel = reverse("followups:lead-panel", kwargs={"lead_pk": foreign_lead.pk})
    assert client.get(lead_panel).status_code == 404


# --- The widget and the rep's home ------------------------------------------------------------


def test_the_widget_counts_today_overdue_this_week_pending_and_on_time(world):
    with time_machine.travel(NOW - dt.timedelta(days=5), tick=False):
        early = follow_up_for(world, subject="Done on time", at=NOW - dt.timedelta(days=3))
        late = follow_up_for(world, subject="Done late", at=NOW - dt.timedelta(days=2))
        overdue = follow_up_for(world, subject="Overdue", at=NOW - dt.timedelta(days=1))
        dropped = follow_up_for(world, subject="Cancelled", at=NOW - dt.timedelta(days=2))
    with world.active():
        # Completed within its 30 minutes: on time; an hour after its end: late.
        services.follow_up_complete(
            tenant=world.tenant,
            actor=None,
            follow_up=early,
            outcome="successful",
            now=early.scheduled_at + dt.timedelta(minutes=30),
        )
        services.follow_up_complete(
            tenant=world.tenant,
            actor=None,
            follow_up=late,
            outcome="successful",
            now=late.scheduled_at + dt.timedelta(minutes=90),
        )
        services.follow_up_cancel(tenant=world.tenant, actor=None, follow_up=dropped)
        # The missed sweep has been by: still overdue, no longer pending.
        FollowUp.objects.filter(pk=overdue.pk).update(status="missed", missed_at=NOW)
    with time_machine.travel(NOW, tick=False):
        follow_up_for(world, subject="Later today", at=NOW + dt.timedelta(hours=4))
        follow_up_for(world, subject="Friday", at=NOW + dt.timedelta(days=2))
        follow_up_for(world, subject="Next week", at=NOW + dt.timedelta(days=7))
        follow_up_for(world, subject="Someone else's", assignee=world.manager)
        with world.active():
            stats = follow_up_stats(tenant=world.tenant, zone=world.tenant.zone, assignee=world.rep)
            team = follow_up_stats(tenant=world.tenant, zone=world.tenant.zone)
    assert stats.today == 1
    assert stats.overdue == 1
    assert stats.this_week == 3  # the overdue one (Tuesday), today's and Friday's
    assert stats.pending == 3
    # Due in the last 30 days, not cancelled: on time, late, overdue.
    assert (stats.on_time, stats.due_recently, stats.on_time_rate) == (1, 3, 33)
    assert team.pending == 4


def test_the_widgets_on_time_window_reaches_back_by_the_slots_end(world):
    """Due recently is about the slot's end: a day-long visit that began 30 days and 12 hours
    ago ended inside the 30 days; a half-hour call 30 days and 1 hour ago did not."""
    window = dt.timedelta(days=30)
    with time_machine.travel(NOW - dt.timedelta(days=40), tick=False):
        all_day = follow_up_for(
            world,
            subject="Roof inspection",
            at=NOW - window - dt.timedelta(hours=12),
            duration_minutes=24 * 60,
        )
        follow_up_for(world, subject="Old call", at=NOW - window - dt.timedelta(hours=1))
    with world.active():
        services.follow_up_complete(
            tenant=world.tenant,
            actor=None,
            follow_up=all_day,
            outcome="successful",
            now=all_day.scheduled_at + dt.timedelta(hours=20),
        )
        stats = follow_up_stats(tenant=world.tenant, zone=world.tenant.zone, now=NOW)
    assert (stats.due_recently, stats.on_time) == (1, 1)
    assert stats.overdue == 1  # the old call is still to do


def test_a_follow_up_lasts_at_most_a_day(world):
    with pytest.raises(ValidationError, match="at most a day"):
        follow_up_for(world, duration_minutes=24 * 60 + 1)
