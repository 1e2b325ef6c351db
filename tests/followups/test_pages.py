"""The follow-up pages: the list (filters, saved filters, keyset pages, fixed query count, bulk),
quick actions from a row (htmx and without JavaScript), the page of one follow-up, permissions
and tenant isolation."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from crm.models import Notification, Role
from followups.models import FollowUp, FollowUpNote, Outcome, SavedFollowUpFilter, Status
from followups.services import followups as services
from tests import factories
from tests.conftest import queries_for, sign_in
from tests.factories import lead_for

pytestmark = pytest.mark.django_db

LIST = reverse("followups:list")
NOW = dt.datetime(2025, 3, 12, 15, 0, tzinfo=dt.UTC)  # a Wednesday, 11:00 in New York


def follow_up_for(world, *, assignee=None, contact=None, at=None, **fields) -> FollowUp:
    """A follow-up made the way staff make one (through the service)."""
    with world.active():
        return services.follow_up_create(
            tenant=world.tenant,
            actor=fields.pop("actor", None),
            subject=fields.pop("subject", "Call about the roof"),
            contact=contact or world.contact,
            assignee=assignee or world.rep,
            scheduled_at=at or timezone.now() + dt.timedelta(days=1),
            reminders=fields.pop("reminders", []),
            **fields,
        )


def subjects(response) -> set[str]:
    return {follow_up.subject for follow_up in response.context["rows"]}


def url(name: str, follow_up: FollowUp) -> str:
    return reverse(f"followups:{name}", kwargs={"follow_up_pk": follow_up.pk})


# --- The list ---------------------------------------------------------------------------------


def test_a_rep_starts_on_their_own_follow_ups_and_a_manager_on_the_teams(client, world):
    other_rep = factories.MembershipFactory(tenant=world.tenant, role=Role.REP)
    follow_up_for(world, subject="Mine")
    follow_up_for(world, subject="Theirs", assignee=other_rep)
    sign_in(client, world.rep)
    assert subjects(client.get(LIST)) == {"Mine"}
    assert subjects(client.get(LIST, {"assignee": "all"})) == {"Mine", "Theirs"}
    assert subjects(client.get(LIST, {"assignee": other_rep.pk})) == {"Theirs"}
    sign_in(client, world.manager)
    assert subjects(client.get(LIST)) == {"Mine", "Theirs"}


def test_filters_by_status_type_priority_dates_search_contact_and_lead(client, world):
    with time_machine.travel(NOW, tick=False):
        other_contact = factories.ContactFactory(tenant=world.tenant, first_name="Zelda")
        lead = lead_for(world, owner=world.rep)
        with world.active():
            email_type = services.follow_up_type_get(tenant=world.tenant, key="email")
        follow_up_for(world, subject="Today call", at=NOW + dt.timedelta(hours=2), lead=lead)
        overdue = follow_up_for(
            world,
            subject="Overdue email",
            at=NOW - dt.timedelta(hours=3),
            type=email_type,
            priority="high",
        )
        follow_up_for(
            world, subject="Next month", at=NOW + dt.timedelta(days=30), contact=other_contact
        )
        done = follow_up_for(world, subject="Done already", at=NOW + dt.timedelta(hours=1))
        with world.active():
            services.follow_up_complete(
                tenant=world.tenant, actor=None, follow_up=done, outcome=Outcome.SUCCESSFUL
            )
            # As the missed sweep leaves it: still to do, so the list starts with it.
            FollowUp.objects.filter(pk=overdue.pk).update(status=Status.MISSED, missed_at=NOW)
        sign_in(client, world.rep)

        def found(**params):
            return subjects(client.get(LIST, params))

        assert found() == {"Today call", "Overdue email", "Next month"}
        assert found(status="open") == {"Today call", "Next month"}
        assert found(status="missed") == {"Overdue email"}
        assert found(status="completed") == {"Done already"}
        assert found(status="all") == {"Today call", "Overdue email", "Next month", "Done already"}
        assert found(type=email_type.pk) == {"Overdue email"}
        assert found(priority="high") == {"Overdue email"}
        assert found(when="today") == {"Today call", "Overdue email"}
        assert found(when="overdue") == {"Overdue email"}
        assert found(when="week") == {"Today call", "Overdue email"}
        assert found(date_from="2025-04-01") == {"Next month"}
        assert found(date_to="2025-03-11") == set()
        assert found(date_from="2025-03-12", date_to="2025-03-12") == {
            "Today call",
            "Overdue email",
        }
        assert found(q="overdue") == {"Overdue email"}
        assert found(q="zel") == {"Next month"}
        assert found(contact=other_contact.pk) == {"Next month"}
        assert found(lead=lead.pk) == {"Today call"}
        page = client.get(LIST, {"lead": lead.pk}).content.decode()
        assert f"Lead: {lead.reference}" in page


def test_an_unknown_filter_value_is_ignored_not_an_error(client, world):
    follow_up_for(world, subject="Mine")
    sign_in(client, world.rep)
    response = client.get(LIST, {"status": "bogus", "date_from": "not-a-date", "type": "999999"})
    assert response.status_code == 200
    assert subjects(response) == {"Mine"}


def test_the_list_pages_with_a_cursor_on_time_and_shows_each_once(client, world):
    start = timezone.now() + dt.timedelta(days=1)
    for index in range(60):
        # Pairs share a time: the id breaks the tie.
        follow_up_for(world, subject=f"F{index}", at=start + dt.timedelta(minutes=index // 2))
    sign_in(client, world.rep)
    first = client.get(LIST)
    page = first.context["page"]
    assert len(page.items) == 50 and page.has_next
    second = client.get(LIST, {"after": page.next_cursor}, HTTP_HX_REQUEST="true")
    # The rows the page adds, as the browser gets them (the partial has no template context).
    added = [int(pk) for pk in re.findall(r'<tbody class="fu-row[^"]*" id="fu-(\d+)"', second.text)]
    seen = [f.pk for f in page.items] + added
    assert len(seen) == len(set(seen)) == 60
    with world.active():
        times = dict(FollowUp.objects.filter(pk__in=seen).values_list("pk", "scheduled_at"))
    assert [times[pk] for pk in seen] == sorted(times.values())


def test_the_pages_run_the_same_number_of_queries_for_3_or_30_follow_ups(client, world):
    lead = lead_for(world, owner=world.rep)
    other_rep = factories.MembershipFactory(tenant=world.tenant, role=Role.REP)
    pages = [reverse(f"followups:{name}") for name in ("list", "calendar", "board")]
    pages.append(f"{reverse('followups:calendar')}?view=week")

    def add(count):
        for index in range(count):
            follow_up = follow_up_for(
                world,
                subject=f"Follow-up {index}",
                assignee=other_rep if index % 2 else world.rep,
                lead=lead if index % 3 else None,
                at=timezone.now() + dt.timedelta(hours=index + 1),
            )
            if index % 4 == 0:
                with world.active():
                    services.follow_up_start(tenant=world.tenant, actor=None, follow_up=follow_up)

    sign_in(client, world.manager)
    add(3)
    few = [queries_for(client, page) for page in pages]
    add(27)
    many = [queries_for(client, page) for page in pages]
    assert few == many
    # Each: BEGIN, the membership with its user (which sets both walls), the filters' choices (the
    # team, the types, and the list's saved filters: one statement), the follow-ups (the board:
    # every column's cards in one statement; no column is full, so nothing to count), COMMIT.
    assert many == [5, 5, 5, 5], many


def test_saved_filters_are_personal(client, world):
    sign_in(client, world.rep)
    response = client.post(
        reverse("followups:filter-save"), {"name": "Overdue calls", "query": "when=overdue"}
    )
    assert response.status_code == 302 and response["Location"] == f"{LIST}?when=overdue"
    with world.active():
        saved = SavedFollowUpFilter.objects.get()
        assert saved.membership == world.rep
    assert ">Overdue calls</a>" in client.get(LIST).content.decode()
    # Saving the same name again replaces it.
    client.post(reverse("followups:filter-save"), {"name": "Overdue calls", "query": "when=today"})
    with world.active():
        assert SavedFollowUpFilter.objects.get().query == "when=today"
    sign_in(client, world.manager)
    assert ">Overdue calls</a>" not in client.get(LIST).content.decode()
    delete = reverse("followups:filter-delete", kwargs={"follow_up_filter_pk": saved.pk})
    assert client.post(delete).status_code == 404
    sign_in(client, world.rep)
    assert client.post(delete).status_code == 302
    with world.active():
        assert not SavedFollowUpFilter.objects.exists()


# --- Bulk -------------------------------------------------------------------------------------


def test_bulk_changes_status_assignee_time_and_priority(client, world):
    other_rep = factories.MembershipFactory(tenant=world.tenant, role=Role.REP)
    follow_ups = [follow_up_for(world, subject=f"F{i}") for i in range(3)]
    ids = [f.pk for f in follow_ups[:2]]
    sign_in(client, world.manager)
    bulk = reverse("followups:bulk")
    client.post(bulk, {"follow_ups": ids, "priority": "high", "next": f"{LIST}?assignee=all"})
    client.post(bulk, {"follow_ups": ids, "assignee": other_rep.pk})
    client.post(bulk, {"follow_ups": ids, "scheduled_at": "2031-05-06T09:30"})
    response = client.post(bulk, {"follow_ups": ids, "status": "completed"})
    assert response.status_code == 302
    with world.active():
        changed = list(FollowUp.objects.filter(pk__in=ids))
        untouched = FollowUp.objects.get(pk=follow_ups[2].pk)
    for follow_up in changed:
        assert follow_up.priority == "high"
        assert follow_up.assignee_id == other_rep.pk
        # Read in the member's zone (the tenant's: New York).
        assert (
            timezone.localtime(follow_up.scheduled_at, world.tenant.zone).strftime("%Y-%m-%d %H:%M")
            == "2031-05-06 09:30"
        )
        assert follow_up.status == Status.COMPLETED and follow_up.outcome == Outcome.OTHER
    assert untouched.priority == "medium" and untouched.status == Status.PENDING


def test_a_reps_bulk_change_leaves_other_reps_follow_ups_alone(client, world):
    other_rep = factories.MembershipFactory(tenant=world.tenant, role=Role.REP)
    mine = follow_up_for(world, subject="Mine")
    theirs = follow_up_for(world, subject="Theirs", assignee=other_rep)
    sign_in(client, world.rep)
    client.post(
        reverse("followups:bulk"), {"follow_ups": [mine.pk, theirs.pk], "status": "cancelled"}
    )
    with world.active():
        assert FollowUp.objects.get(pk=mine.pk).status == Status.PENDING  # form refused both
    client.post(reverse("followups:bulk"), {"follow_ups": [mine.pk], "status": "cancelled"})
    with world.active():
        assert FollowUp.objects.get(pk=mine.pk).status == Status.CANCELLED
        assert FollowUp.objects.get(pk=theirs.pk).status == Status.PENDING


def test_bulk_needs_a_change_and_another_tenants_ids_are_refused(client, world, other_world):
    mine = follow_up_for(world)
    foreign = follow_up_for(other_world)
    sign_in(client, world.manager)
    response = client.post(reverse("followups:bulk"), {"follow_ups": [mine.pk]}, follow=True)
    assert "Choose what to change." in response.content.decode()
    client.post(reverse("followups:bulk"), {"follow_ups": [foreign.pk], "status": "cancelled"})
    with other_world.active():
        assert FollowUp.objects.get(pk=foreign.pk).status == Status.PENDING


# --- Quick actions ----------------------------------------------------------------------------


def test_completing_from_a_row_returns_the_updated_row(client, world):
    follow_up = follow_up_for(world, subject="Ask about the permit")
    sign_in(client, world.rep)
    response = client.post(
        url("complete", follow_up),
        {"outcome": "successful", "notes": "Permit approved", "from": "row", "next": LIST},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert html.lstrip().startswith(f'<tbody class="fu-row" id="fu-{follow_up.pk}"')
    assert "Completed." in html and "Successful" in html
    with world.active():
        follow_up.refresh_from_db()
    assert follow_up.status == Status.COMPLETED and follow_up.outcome_notes == "Permit approved"


def test_a_refused_action_comes_back_with_its_reason(client, world):
    follow_up = follow_up_for(world)
    sign_in(client, world.rep)
    response = client.post(
        url("complete", follow_up), {"outcome": "", "from": "row"}, HTTP_HX_REQUEST="true"
    )
    assert "This field is required." in response.content.decode()
    response = client.post(
        url("reschedule", follow_up),
        {"to": "pick", "at": "", "from": "row"},
        HTTP_HX_REQUEST="true",
    )
    assert "Pick the new date and time." in response.content.decode()
    with world.active():
        services.follow_up_cancel(tenant=world.tenant, actor=None, follow_up=follow_up)
    response = client.post(
        url("reschedule", follow_up), {"to": "tomorrow", "from": "row"}, HTTP_HX_REQUEST="true"
    )
    assert "cannot be moved" in response.content.decode()


def test_actions_without_javascript_redirect_back_to_a_safe_page(client, world):
    follow_up = follow_up_for(world)
    sign_in(client, world.rep)
    back = f"{LIST}?when=today"
    response = client.post(url("note", follow_up), {"body": "Prefers mornings", "next": back})
    assert response.status_code == 302 and response["Location"] == back
    response = client.post(url("note", follow_up), {"body": "x", "next": "https://evil.example/"})
    assert response["Location"] == url("detail", follow_up)
    with world.active():
        assert FollowUpNote.objects.filter(follow_up=follow_up).count() == 2


def test_reschedule_to_tomorrow_and_next_week_keeps_the_local_time_across_dst(client, world):
    # 9:30 in New York on Friday March 7, 2025; DST starts on Sunday March 9.
    at = dt.datetime(2025, 3, 7, 14, 30, tzinfo=dt.UTC)
    with time_machine.travel(dt.datetime(2025, 3, 8, 17, 0, tzinfo=dt.UTC), tick=False):
        follow_up = follow_up_for(world, at=at)
        sign_in(client, world.rep)
        client.post(url("reschedule", follow_up), {"to": "tomorrow"})
        with world.active():
            follow_up.refresh_from_db()
        local = timezone.localtime(follow_up.scheduled_at, world.tenant.zone)
        assert (local.date(), local.time()) == (dt.date(2025, 3, 9), dt.time(9, 30))
        assert follow_up.scheduled_at == dt.datetime(2025, 3, 9, 13, 30, tzinfo=dt.UTC)
        client.post(url("reschedule", follow_up), {"to": "next_week"})
        with world.active():
            follow_up.refresh_from_db()
        local = timezone.localtime(follow_up.scheduled_at, world.tenant.zone)
        assert (local.date(), local.time()) == (dt.date(2025, 3, 15), dt.time(9, 30))


def test_a_picked_time_is_read_in_the_members_own_time_zone(client, world):
    with world.active():
        user = world.rep.user
    user.time_zone = "Europe/Paris"
    user.save(update_fields=["time_zone"])
    follow_up = follow_up_for(world)
    sign_in(client, world.rep)
    client.post(url("reschedule", follow_up), {"to": "pick", "at": "2031-07-01T09:00"})
    with world.active():
        follow_up.refresh_from_db()
    assert follow_up.scheduled_at == dt.datetime(2031, 7, 1, 7, 0, tzinfo=dt.UTC)


def test_cancel_with_a_reason_delegate_and_note(client, world):
    other_rep = factories.MembershipFactory(tenant=world.tenant, role=Role.REP)
    follow_up = follow_up_for(world, subject="Site visit")
    sign_in(client, world.rep)
    client.post(url("delegate", follow_up), {"assignee": other_rep.pk})
    with world.active():
        follow_up.refresh_from_db()
        assert follow_up.assignee_id == other_rep.pk
        assert Notification.objects.filter(
            recipient=other_rep.user, title__contains="Site visit"
        ).exists()
    # Handed over (and not made by the rep: no author here), it is the other rep's to change.
    assert client.post(url("cancel", follow_up), {"reason": "x"}).status_code == 403
    sign_in(client, world.manager)
    client.post(url("cancel", follow_up), {"reason": "Customer moved away"})
    with world.active():
        follow_up.refresh_from_db()
    assert follow_up.status == Status.CANCELLED
    assert follow_up.outcome_notes == "Customer moved away"


def test_a_rep_cannot_act_on_another_reps_follow_up(client, world):
    other_rep = factories.MembershipFactory(tenant=world.tenant, role=Role.REP)
    theirs = follow_up_for(world, assignee=other_rep)
    made_by_me = follow_up_for(world, assignee=other_rep, actor=world.rep.user)
    sign_in(client, world.rep)
    for name, data in (
        ("complete", {"outcome": "successful"}),
        ("reschedule", {"to": "tomorrow"}),
        ("cancel", {}),
        ("delegate", {"assignee": world.rep.pk}),
        ("note", {"body": "hi"}),
        ("start", {}),
    ):
        assert client.post(url(name, theirs), data).status_code == 403, name
    # They can read it, and change one they made themselves.
    assert client.get(url("detail", theirs)).status_code == 200
    assert client.post(url("start", made_by_me)).status_code == 302


def test_the_actions_menu_loads_its_forms(client, world):
    follow_up = follow_up_for(world)
    sign_in(client, world.rep)
    response = client.get(
        url("actions", follow_up), {"from": "row", "next": LIST}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    for name in ("complete", "reschedule", "cancel", "delegate", "note"):
        assert url(name, follow_up) in html
    assert f'hx-target="#fu-{follow_up.pk}"' in html
    moves = client.get(url("actions", follow_up), {"from": "calendar", "part": "reschedule"})
    html = moves.content.decode()
    assert url("reschedule", follow_up) in html and url("complete", follow_up) not in html


# --- One follow-up ----------------------------------------------------------------------------


def test_the_page_shows_details_notes_reminders_and_history(client, world):
    lead = lead_for(world, owner=world.rep)
    follow_up = follow_up_for(
        world,
        subject="Inspection call",
        lead=lead,
        reminders=[(1440, "email"), (60, "in_app")],
        actor=world.rep.user,
    )
    with world.active():
        services.follow_up_add_note(
            tenant=world.tenant, actor=world.rep.user, follow_up=follow_up, body="Gate code 1234"
        )
        services.follow_up_reschedule(
            tenant=world.tenant,
            actor=world.rep.user,
            follow_up=follow_up,
            scheduled_at=follow_up.scheduled_at + dt.timedelta(hours=2),
        )
    sign_in(client, world.rep)
    html = client.get(url("detail", follow_up)).content.decode()
    assert "Inspection call" in html and lead.reference in html
    assert "Gate code 1234" in html
    assert "1 day before" in html and "1 hour before" in html
    assert "moved from" in html  # the history, from the timeline
    assert url("complete", follow_up) in html


def test_the_page_says_how_long_it_lasts_as_people_say_it(client, world):
    follow_up = follow_up_for(world, actor=world.rep.user)
    with world.active():
        follow_up.duration_minutes = 90
        follow_up.save(update_fields=["duration_minutes"])
    sign_in(client, world.rep)
    html = client.get(url("detail", follow_up)).content.decode()
    assert "1 hour 30 minutes" in html and "90 min" not in html


def test_another_tenants_follow_up_is_not_found(client, world, other_world):
    foreign = follow_up_for(other_world)
    sign_in(client, world.manager)
    assert client.get(url("detail", foreign)).status_code == 404
    assert client.get(url("actions", foreign)).status_code == 404
    assert client.post(url("complete", foreign), {"outcome": "successful"}).status_code == 404
