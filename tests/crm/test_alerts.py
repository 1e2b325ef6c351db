"""Alerts people can live with: repeated alerts grouped in one bell item (and one email), durations
as people say them, times in the reader's zone, each member's own zone and digest, and one
business calendar (public holidays, the admin's closed days) for SLAs and aging."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from crm.business_calendar import BusinessCalendar
from crm.kit.formatting import duration
from crm.models import ClosedDay, Notification, NotificationItem, User
from crm.selectors.calendar import business_calendar
from crm.services.notifications import (
    Alert,
    notification_create,
    notification_mark_read,
    notifications_create_many,
)
from leads.aging import cutoff
from leads.models import Lead
from leads.services.speed_to_lead import leads_alert_untouched
from messaging.models import MessageChannel, OutboundMessage, StaffNotificationKind
from tests.conftest import sign_in
from tests.factories import lead_for

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


COPIES = "messaging.tasks.schedule_staff_copies"


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=NEW_YORK)


def _alert(world, title, *, recipient=None, kind="follow_up_due", group="", url=""):
    return notification_create(
        tenant=world.tenant,
        recipient=(recipient or world.rep).user,
        title=title,
        url=url,
        kind=kind,
        group=group,
    )


def _bell_items(world, membership) -> list[Notification]:
    return list(
        Notification.objects.filter(tenant=world.tenant, recipient=membership.user)
        .exclude(pk=world.notification.pk)
        .order_by("pk")
    )


# --- grouping -------------------------------------------------------------------------------


def test_repeated_alerts_of_a_kind_are_one_bell_item_whose_count_and_list_grow(world):
    with world.active():
        for number in range(25):
            _alert(world, f"Missed follow-up: Call {number}", group="follow_up_missed")
        [group] = _bell_items(world, world.rep)
        items = list(group.items.order_by("created_at", "pk").values_list("title", flat=True))
    assert group.count == 25
    assert group.title == "25 follow-ups were missed today"
    assert group.body == "Latest: Missed follow-up: Call 24"
    assert items == [f"Missed follow-up: Call {number}" for number in range(25)]


def test_another_kind_recipient_day_or_a_read_group_starts_a_new_item(world):
    with world.active(), time_machine.travel(at(2026, 3, 10, 9, 0), tick=False):
        first = _alert(world, "Missed follow-up: Call A", group="follow_up_missed")
        _alert(world, "Ticket T-1 assigned to you", kind="ticket_assigned")
        _alert(world, "Missed follow-up: Call B", recipient=world.manager, group="follow_up_missed")
        assert Notification.objects.get(pk=first.pk).count == 1
        _alert(world, "Missed follow-up: Call C", group="follow_up_missed")
        assert Notification.objects.get(pk=first.pk).count == 2
        notification_mark_read(tenant=world.tenant, user=world.rep.user, notification_id=first.pk)
        after_reading = _alert(world, "Missed follow-up: Call D", group="follow_up_missed")
    assert after_reading.pk != first.pk and after_reading.count == 1
    # The next day in the reader's zone (New York): a new item, even though D is unread.
    with world.active(), time_machine.travel(at(2026, 3, 11, 0, 5), tick=False):
        next_day = _alert(world, "Missed follow-up: Call E", group="follow_up_missed")
    assert next_day.pk != after_reading.pk
    # A kind without its own group title still reads sensibly.
    with world.active():
        _alert(world, "Something odd", kind="odd_kind")
        grouped = _alert(world, "Something odder", kind="odd_kind")
    assert grouped.title == "Something odder (and 1 more)"


def test_a_batch_finds_each_recipients_open_group_by_their_own_day(world):
    """One statement reads every recipient's open groups of the batch: a group begun before the
    latest of their day starts is joined only by the recipient whose today it began in."""
    # At 20:00 UTC on March 10 the rep's day (Auckland) began at 11:00 UTC, the manager's (Los
    # Angeles) at 07:00 UTC: a group begun at 10:00 UTC is the manager's today, the rep's yesterday.
    world.rep.user.time_zone = "Pacific/Auckland"
    world.manager.user.time_zone = "America/Los_Angeles"
    User.objects.bulk_update([world.rep.user, world.manager.user], ["time_zone"])
    began = dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC)

    def alert(membership, title):
        return Alert(
            recipient=membership.user, title=title, kind="follow_up_due", group="follow_up_missed"
        )

    with world.active(), time_machine.travel(began, tick=False):
        rep_yesterday, manager_today = notifications_create_many(
            tenant=world.tenant,
            alerts=[alert(world.rep, "Missed: A"), alert(world.manager, "Missed: A")],
        )
    with world.active(), time_machine.travel(began + dt.timedelta(hours=10), tick=False):
        rep_new, manager_grown = notifications_create_many(
            tenant=world.tenant,
            alerts=[alert(world.rep, "Missed: B"), alert(world.manager, "Missed: B")],
        )
        manager_grown.refresh_from_db()
    assert rep_new.pk != rep_yesterday.pk and rep_new.count == 1
    assert manager_grown.pk == manager_today.pk and manager_grown.count == 2
    assert manager_grown.title == "2 follow-ups were missed today"


def test_unassigned_leads_give_the_managers_one_grouped_needs_an_owner_alert(world):
    with world.active():
        world.rep.weekly_availability = {d: [] for d in ("mon", "tue", "wed", "thu", "fri")}
        world.rep.save()
    leads = [lead_for(world) for _ in range(3)]
    assert all(lead.owner is None for lead in leads)
    with world.active():
        needs_owner = Notification.objects.filter(
            tenant=world.tenant, recipient=world.manager.user, group_key="lead_needs_owner"
        )
        [group] = list(needs_owner)
        titles = set(group.items.values_list("title", flat=True))
    assert (group.count, group.title) == (3, "3 new leads need an owner")
    assert titles == {f"New lead {lead.reference} needs an owner" for lead in leads}


def test_a_group_gets_one_email_copy_listing_its_alerts(
    client, world, django_capture_on_commit_callbacks, run_queued
):
    sign_in(client, world.rep)
    client.post(reverse("comms:notification-preferences"), {"follow_up_due__email": "on"})
    with world.active(), django_capture_on_commit_callbacks(execute=True):
        for number in range(5):
            _alert(
                world,
                f"Missed follow-up: Call {number}",
                group="follow_up_missed",
                url=f"/follow-ups/{number}/",
            )
    # The copy is written by a task of the messages queue, not in the alert's transaction.
    with world.active():
        assert not OutboundMessage.objects.filter(tenant=world.tenant).exists()
    # One task per alert's commit; the first writes the group's one copy (its idempotency key),
    # the others find it there.
    assert run_queued(COPIES) == [1, 0, 0, 0, 0]
    with world.active():
        copies = list(OutboundMessage.objects.filter(tenant=world.tenant))
    assert len(copies) == 1
    [email] = copies
    assert email.channel == MessageChannel.EMAIL
    assert email.subject == "5 follow-ups were missed today"
    for number in range(5):
        assert f"- Missed follow-up: Call {number}" in email.body_text
        assert f"/follow-ups/{number}/" in email.body_text


def test_a_batch_of_alerts_leaves_what_one_call_each_would_with_one_email_per_group(
    client, world, django_capture_on_commit_callbacks, django_assert_max_num_queries, run_queued
):
    sign_in(client, world.rep)
    client.post(reverse("comms:notification-preferences"), {"follow_up_due__email": "on"})
    with world.active():
        opened = _alert(world, "Missed follow-up: Call 0", group="follow_up_missed")
    alerts = [
        *(
            Alert(
                recipient=world.rep.user,
                title=f"Missed follow-up: Call {number}",
                url=f"/follow-ups/{number}/",
                level="urgent" if number == 2 else "warning",
                kind="follow_up_due",
                group="follow_up_missed",
            )
            for number in range(1, 4)
        ),
        Alert(recipient=world.manager.user, title="Rep missed: Call 1", kind="follow_up_due"),
        Alert(recipient=world.manager.user, title="Rep missed: Call 2", kind="follow_up_due"),
        Alert(recipient=world.manager.user, title="Not grouped A"),
        Alert(recipient=world.manager.user, title="Not grouped B"),
    ]
    # One statement finds and locks the open groups, one inserts the new notifications, one the
    # items, one updates the group that was open (and the savepoint's two): not one each.
    with (
        world.active(),
        django_capture_on_commit_callbacks(execute=True),
        django_assert_max_num_queries(6),
    ):
        made = notifications_create_many(tenant=world.tenant, alerts=alerts)
    assert run_queued(COPIES) == [1]  # one task for the batch
    with world.active():
        [grown] = _bell_items(world, world.rep)
        manager_items = _bell_items(world, world.manager)
        copies = list(OutboundMessage.objects.filter(tenant=world.tenant))
        grown_items = list(grown.items.order_by("pk").values_list("title", flat=True))
    assert len(made) == 4 and made[0].pk == grown.pk == opened.pk
    assert (grown.count, grown.title, grown.level) == (
        4,
        "4 follow-ups were missed today",
        "urgent",
    )
    assert grown.body == "Latest: Missed follow-up: Call 3"
    assert grown_items == [f"Missed follow-up: Call {number}" for number in range(4)]
    assert [(n.title, n.count) for n in manager_items] == [
        ("2 follow-ups are due", 2),
        ("Not grouped A", 1),
        ("Not grouped B", 1),
    ]
    # The rep asked for email copies: the grown group is one email, listing every alert.
    [email] = copies
    assert email.subject == "4 follow-ups were missed today"
    assert all(f"/follow-ups/{number}/" in email.body_text for number in range(1, 4))


def test_the_bell_and_the_notifications_page_show_the_group_with_its_items(client, world):
    with world.active():
        for number in range(3):
            group = _alert(
                world, f"Ticket T-{number} assigned to you", kind="ticket_assigned", url="/t/"
            )
    sign_in(client, world.rep)
    bell = client.get(reverse("notifications:bell")).content.decode()
    assert "3 tickets assigned to you today" in bell
    page = client.get(reverse("notifications:list")).content.decode()
    assert "3 tickets assigned to you today" in page and "Show all 3 alerts" in page
    assert all(f"Ticket T-{number} assigned to you" in page for number in range(3))
    # Opening the group from the bell marks it read and lists every alert.
    response = client.post(reverse("notifications:read", kwargs={"notification_pk": group.pk}))
    detail = reverse("notifications:detail", kwargs={"notification_pk": group.pk})
    assert response.status_code == 302 and response.url == detail
    page = client.get(detail).content.decode()
    assert all(f"Ticket T-{number} assigned to you" in page for number in range(3))
    # Not someone else's.
    sign_in(client, world.manager)
    assert client.get(detail).status_code == 404


def test_missed_follow_ups_reach_the_manager_as_one_grouped_alert(world):
    from followups.services import followups as services
    from followups.services import missed

    call_at = dt.datetime(2026, 3, 10, 14, 0, tzinfo=dt.UTC)
    with world.active():
        with time_machine.travel(call_at - dt.timedelta(days=1), tick=False):
            for number in range(25):
                services.follow_up_create(
                    tenant=world.tenant,
                    actor=world.rep.user,
                    subject=f"Call {number}",
                    contact=world.contact,
                    assignee=world.rep,
                    scheduled_at=call_at + dt.timedelta(minutes=number),
                    duration_minutes=15,
                    reminders=[],
                )
        assert (
            missed.follow_ups_mark_missed(tenant=world.tenant, now=call_at + dt.timedelta(hours=2))
            == 25
        )
        [manager_group] = _bell_items(world, world.manager)
        assert NotificationItem.objects.filter(notification=manager_group).count() == 25
    assert manager_group.title == "25 follow-ups were missed today"


# --- durations and zones ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "said"),
    [
        (16937, "11 days"),
        (dt.timedelta(days=2, hours=5), "2 days"),
        (dt.timedelta(days=1, hours=4), "1 day 4 hours"),
        (dt.timedelta(days=1), "1 day"),
        (600, "10 hours"),
        (200, "3 hours 20 minutes"),
        (60, "1 hour"),
        (1, "1 minute"),
        (7, "7 minutes"),
        (dt.timedelta(seconds=20), "less than a minute"),
        (-5, "0 minutes"),
    ],
)
def test_durations_read_as_people_say_them(value, said):
    assert duration(value) == said


def test_short_durations_for_table_cells():
    assert duration(16937, short=True) == "11d 18h"
    assert duration(75, short=True) == "1h 15m"


def test_an_untouched_lead_alert_says_days_not_thousands_of_minutes(world):
    lead = lead_for(world)
    with world.active():
        Lead.objects.filter(pk=lead.pk).update(created_at=lead.created_at - dt.timedelta(days=11))
        leads_alert_untouched(tenant=world.tenant)
        alerts = Notification.objects.filter(tenant=world.tenant, kind="lead_untouched")
        titles = [n.title for n in alerts if not n.is_group] + list(
            NotificationItem.objects.filter(notification__in=alerts).values_list("title", flat=True)
        )
    assert titles and all(" min" not in title for title in titles), titles
    assert any("11 days" in title for title in titles), titles


def test_every_staff_page_shows_times_in_the_readers_own_zone(client, world):
    sign_in(client, world.rep)
    page = client.get(reverse("notifications:list")).content.decode()
    assert ' EST"' in page or ' EDT"' in page  # the team's zone (New York)
    User.objects.filter(pk=world.rep.user_id).update(time_zone="Asia/Tokyo")
    page = client.get(reverse("notifications:list")).content.decode()
    assert ' JST"' in page


# --- my preferences ---------------------------------------------------------------------------


def test_a_member_sets_their_zone_and_digest_on_my_preferences(client, world):
    sign_in(client, world.rep)
    url = reverse("comms:notification-preferences")
    page = client.get(url).content.decode()
    assert "My preferences" in page and "Daily digest email" in page
    response = client.post(
        reverse("comms:my-preferences"), {"time_zone": "Europe/Amsterdam", "digest": "9"}
    )
    assert response.status_code == 302
    world.rep.refresh_from_db()
    world.rep.user.refresh_from_db()
    assert (world.rep.user.time_zone, world.rep.digest_enabled, world.rep.digest_hour) == (
        "Europe/Amsterdam",
        True,
        9,
    )
    client.post(reverse("comms:my-preferences"), {"time_zone": "", "digest": "off"})
    world.rep.refresh_from_db()
    world.rep.user.refresh_from_db()
    assert (world.rep.user.time_zone, world.rep.digest_enabled) == ("", False)
    response = client.post(
        reverse("comms:my-preferences"), {"time_zone": "Mars/Base", "digest": "team"}
    )
    assert response.status_code == 400


def test_the_account_menu_links_my_preferences(client, world):
    sign_in(client, world.rep)
    page = client.get(reverse("notifications:list")).content.decode()
    assert reverse("comms:notification-preferences") in page and "My preferences" in page


# --- one business calendar ------------------------------------------------------------------


def test_public_holidays_are_not_business_days_for_the_sla_clock(world):
    with world.active():
        calendar = business_calendar(world.tenant)
        # Thursday 24 December 16:00 plus two business hours: Christmas (Friday) is closed.
        due = calendar.add_business_minutes(at(2026, 12, 24, 16, 0), 120)
        assert due == at(2026, 12, 28, 9, 0)
        assert (
            calendar.business_minutes_between(at(2026, 12, 24, 16, 0), at(2026, 12, 28, 9, 0))
            == 120
        )
    # The bare weekly hours (no holidays) would have said Christmas morning.
    bare = BusinessCalendar(hours=world.tenant.business_hours, zone=NEW_YORK)
    assert bare.add_business_minutes(at(2026, 12, 24, 16, 0), 120) == at(2026, 12, 25, 9, 0)


def test_lead_aging_skips_public_holidays_too(world):
    with world.active():
        # Monday 16 November, three business days back: Fri 13, Thu 12, (Veterans Day) Tue 10.
        assert cutoff(world.tenant, at(2026, 11, 16, 10, 0), 3, "business_days") == at(
            2026, 11, 10, 10, 0
        )


def test_an_admin_adds_a_closed_day_that_sla_and_aging_both_skip(client, world):
    sign_in(client, world.admin)
    url = reverse("settings:calendar")
    page = client.get(url).content.decode()
    assert "Christmas Day" in page or "Thanksgiving" in page
    response = client.post(url, {"date": "2026-12-28", "name": "Inventory day"})
    assert response.status_code == 302
    with world.active():
        [closed] = ClosedDay.objects.filter(tenant=world.tenant)
        tenant = type(world.tenant).objects.get(pk=world.tenant.pk)
        calendar = business_calendar(tenant)
        assert calendar.add_business_minutes(at(2026, 12, 24, 16, 0), 120) == at(2026, 12, 29, 9, 0)
        # Wednesday 30 December, two business days back: Tue 29, (Mon 28 closed, Christmas) Thu 24.
        assert cutoff(tenant, at(2026, 12, 30, 10, 0), 2, "business_days") == at(
            2026, 12, 24, 10, 0
        )
    assert "Inventory day" in client.get(url).content.decode()
    assert client.post(url, {"date": "2026-12-28", "name": "Again"}).status_code == 400
    client.post(reverse("settings:closed-day-delete", kwargs={"closed_day_pk": closed.pk}))
    with world.active():
        assert not ClosedDay.objects.filter(tenant=world.tenant).exists()
    # Turning public holidays off makes Christmas a business day again.
    client.post(reverse("settings:calendar-holidays"), {})
    with world.active():
        tenant = type(world.tenant).objects.get(pk=world.tenant.pk)
        assert not tenant.public_holidays
        assert business_calendar(tenant).add_business_minutes(at(2026, 12, 24, 16, 0), 120) == at(
            2026, 12, 25, 9, 0
        )


def test_only_admins_manage_closed_days(client, world):
    sign_in(client, world.rep)
    assert client.get(reverse("settings:calendar")).status_code in (302, 403)
    client.post(reverse("settings:calendar"), {"date": "2026-12-28", "name": "Nope"})
    with world.active():
        assert not ClosedDay.objects.filter(tenant=world.tenant).exists()


def test_an_unknown_country_or_state_has_no_holidays_but_works():
    from crm.business_calendar import public_holidays

    assert public_holidays("US", "Miami-Dade")(dt.date(2026, 12, 25)) == "Christmas Day"
    assert public_holidays("ZZ")(dt.date(2026, 12, 25)) is None
    assert public_holidays("NL")(dt.date(2026, 4, 27)) == "King's Day"


@pytest.mark.parametrize("locale", ["C", "C.UTF-8", "nl_NL.UTF-8", "de_DE.UTF-8"])
def test_holiday_names_do_not_depend_on_the_process_locale(monkeypatch, locale):
    """gettext reads these variables when the holidays package is given no language; Python 3.12
    and later no longer read C.UTF-8 as English, so the names changed with the Python version."""
    from crm.business_calendar import public_holidays

    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", locale)

    assert public_holidays("NL")(dt.date(2026, 4, 27)) == "King's Day"
    assert public_holidays("US", "FL")(dt.date(2026, 12, 25)) == "Christmas Day"


def test_kinds_and_their_group_titles_agree():
    from crm.services.notifications import GROUP_TITLES

    assert set(StaffNotificationKind.values) <= set(GROUP_TITLES)


def test_the_calendar_is_kept_between_requests_until_a_closed_day_changes(
    world, django_assert_num_queries
):
    """A page reads the tenant afresh on every request: the calendar is kept in the process, and
    another process's closed day reaches it through the tenant's calendar_version."""
    from crm.selectors import calendar as calendar_selectors
    from crm.services.calendar import closed_day_add

    def fresh_tenant():
        return type(world.tenant).objects.get(pk=world.tenant.pk)

    with world.active():
        business_calendar(fresh_tenant())
        tenant = fresh_tenant()
        with django_assert_num_queries(0):
            before = business_calendar(tenant)
        assert before.is_business_day(dt.date(2026, 12, 28))
        closed_day_add(tenant=tenant, actor=world.admin, date=dt.date(2026, 12, 28), name="Stock")
        # What another process still holds: the calendar of the old version.
        calendar_selectors._KEPT[tenant.pk] = (("stale",), before)
        assert not business_calendar(fresh_tenant()).is_business_day(dt.date(2026, 12, 28))
