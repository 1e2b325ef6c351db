"""The private iCalendar feed: parsed back with the icalendar library, fetched without a session,
revocable, and useless with another tenant's id."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from followups import calendar_feed
from followups.models import CalendarFeed
from followups.services import followups as services
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

FEED_PAGE = reverse("followups:feed")


def _follow_up(world, member, subject: str, hours: float, **fields):
    with world.active():
        return services.follow_up_create(
            tenant=world.tenant,
            actor=member.user,
            subject=subject,
            contact=world.contact,
            assignee=member,
            scheduled_at=timezone.now() + dt.timedelta(hours=hours),
            **fields,
        )


def _make_link(client, world, member) -> str:
    """The member makes their link on the feed page; returns the .ics path it shows."""
    sign_in(client, member)
    assert client.post(reverse("followups:feed-create")).status_code == 302
    page = client.get(FEED_PAGE).content.decode()
    with world.active():
        feed = CalendarFeed.objects.get(membership=member, revoked_at__isnull=True)
    url = calendar_feed.feed_url(feed)
    assert url in page and calendar_feed.webcal_url(feed) in page
    return reverse("followups:feed-ics", kwargs={"token": calendar_feed.feed_token(feed)})


def _fetch(client, path: str):
    client.logout()  # calendar apps have no session
    return client.get(path)


def _events(response) -> dict[str, object]:
    calendar = Calendar.from_ical(response.content)
    return {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}


def test_the_feed_parses_back_with_one_event_per_follow_up(client, world):
    call = _follow_up(
        world,
        world.rep,
        "Call about the quote",
        26,
        reminders=[(60, "in_app"), (1440, "email")],
        duration_minutes=45,
        description="Ask about the skylight.",
    )
    _follow_up(world, world.rep, "Measure the roof", 50, priority="high")
    _follow_up(world, world.manager, "Someone else's follow-up", 30)
    path = _make_link(client, world, world.rep)
    response = _fetch(client, path)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["VERSION"]) == "2.0" and "Threadline" in str(calendar["PRODID"])
    events = _events(response)
    name = world.contact.display_name
    assert set(events) == {f"Call about the quote · {name}", f"Measure the roof · {name}"}
    event = events[f"Call about the quote · {name}"]
    starts, ends = event.decoded("DTSTART"), event.decoded("DTEND")
    assert starts == call.scheduled_at.replace(microsecond=0)
    assert starts.utcoffset() == dt.timedelta(0)
    assert ends - starts == dt.timedelta(minutes=45)
    assert "DTSTART:" in response.content.decode() and "Z\r\n" in response.content.decode()
    description = str(event["DESCRIPTION"])
    link = reverse("followups:detail", kwargs={"follow_up_pk": call.pk})
    assert name in description and "Ask about the skylight." in description
    assert link in description and link in str(event["URL"])
    assert str(event["STATUS"]) == "CONFIRMED"
    triggers = sorted(alarm.decoded("TRIGGER") for alarm in event.walk("VALARM"))
    assert triggers == [-dt.timedelta(days=1), -dt.timedelta(hours=1)]
    assert int(events[f"Measure the roof · {name}"]["PRIORITY"]) == 1


def test_uids_stay_when_a_follow_up_moves_and_cancelled_ones_say_so(client, world):
    call = _follow_up(world, world.rep, "Call about the quote", 26)
    path = _make_link(client, world, world.rep)
    name = world.contact.display_name
    before = _events(_fetch(client, path))[f"Call about the quote · {name}"]
    with world.active():
        services.follow_up_reschedule(
            tenant=world.tenant,
            actor=world.rep.user,
            follow_up=call,
            scheduled_at=call.scheduled_at + dt.timedelta(days=2),
        )
    after = _events(_fetch(client, path))[f"Call about the quote · {name}"]
    assert str(after["UID"]) == str(before["UID"])
    assert after.decoded("DTSTART") - before.decoded("DTSTART") == dt.timedelta(days=2)
    with world.active():
        services.follow_up_cancel(tenant=world.tenant, actor=world.rep.user, follow_up=call)
    cancelled = _events(_fetch(client, path))[f"Call about the quote · {name}"]
    assert str(cancelled["STATUS"]) == "CANCELLED"


def test_a_regenerated_link_stops_the_old_one_and_a_revoked_one_stops_all(client, world):
    _follow_up(world, world.rep, "Call about the quote", 26)
    old = _make_link(client, world, world.rep)
    sign_in(client, world.rep)
    assert client.post(reverse("followups:feed-regenerate")).status_code == 302
    with world.active():
        feed = CalendarFeed.objects.get(membership=world.rep, revoked_at__isnull=True)
    new = reverse("followups:feed-ics", kwargs={"token": calendar_feed.feed_token(feed)})
    assert new != old
    assert _fetch(client, old).status_code == 404
    assert _fetch(client, new).status_code == 200
    sign_in(client, world.rep)
    assert client.post(reverse("followups:feed-revoke")).status_code == 302
    assert "Make my calendar link" in client.get(FEED_PAGE).content.decode()
    assert _fetch(client, new).status_code == 404


def test_another_tenants_token_is_useless(client, world, other_world):
    _follow_up(world, world.rep, "Ours", 26)
    _follow_up(other_world, other_world.rep, "Theirs", 26)
    ours = _make_link(client, world, world.rep)
    theirs = _make_link(client, other_world, other_world.rep)
    with other_world.active():
        secret = CalendarFeed.objects.get(membership=other_world.rep).token
    # Their secret under our tenant's id finds nothing; their own link shows only theirs.
    forged = reverse("followups:feed-ics", kwargs={"token": f"{world.tenant.pk}-{secret}"})
    assert _fetch(client, forged).status_code == 404
    assert [s.split(" · ")[0] for s in _events(_fetch(client, theirs))] == ["Theirs"]
    assert [s.split(" · ")[0] for s in _events(_fetch(client, ours))] == ["Ours"]
    for junk in ("nothing", "0-abc", f"{world.tenant.pk}-", "99999999-abcdef", "-abc"):
        path = reverse("followups:feed-ics", kwargs={"token": junk})
        assert _fetch(client, path).status_code == 404


def test_a_member_who_left_the_team_has_no_feed(client, world):
    _follow_up(world, world.rep, "Call", 26)
    path = _make_link(client, world, world.rep)
    with world.active():
        world.rep.is_active = False
        world.rep.save(update_fields=["is_active"])
    assert _fetch(client, path).status_code == 404


def test_a_nul_in_the_feeds_path_is_a_bad_request(client, world):
    path = _make_link(client, world, world.rep)
    token = path.rsplit("/", 1)[1].removesuffix(".ics")
    for bad in (f"{token}%00", f"%00{token}", f"{world.tenant.pk}-%00"):
        response = _fetch(client, path.replace(f"{token}.ics", f"{bad}.ics"))
        assert response.status_code == 400
        assert "control character" in response.content.decode()
    assert _fetch(client, path).status_code == 200
