"""The daily digest: at 07:00 and the team's minute past it in each member's own time zone, once
per local day, through the outbox as a staff email; members with nothing to read get none."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.models import DIGEST_SPREAD_MINUTES, Membership, Tenant, User, digest_minute
from crm.tenancy.sweeps import fan_out
from followups.models import DigestSent, NeglectFlag
from followups.selectors.digest import LISTED, digest_for, members_due
from followups.services import followups as services
from followups.services.configuration import follow_up_settings_save
from followups.services.digest import digest_render, digests_send_due
from followups.tasks import send_daily_digests
from leads.aging import AgingClock
from leads.models import Lead, Stage
from messaging.models import MessageChannel, MessageSource, OutboundMessage
from tests.conftest import sign_in
from tests.factories import lead_for, pipeline_for

pytestmark = pytest.mark.django_db

# Tuesday 9 June 2026: New York is UTC-4 (EDT), Amsterdam UTC+2 (CEST).
DAY = dt.date(2026, 6, 9)


def utc(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC)


@pytest.fixture
def zones(world):
    """The rep works in New York (the team's zone), the manager in Amsterdam; each has one
    follow-up later today. The admin has nothing on their list."""
    User.objects.filter(pk=world.rep.user_id).update(time_zone="America/New_York")
    User.objects.filter(pk=world.manager.user_id).update(time_zone="Europe/Amsterdam")
    with world.active(), time_machine.travel(utc(1), tick=False):
        for member, at, subject in (
            (world.rep, utc(15), "Call Maria about the tile sample"),
            (world.manager, utc(12), "Review the Harbor Point bid"),
        ):
            services.follow_up_create(
                tenant=world.tenant,
                actor=member.user,
                subject=subject,
                contact=world.contact,
                assignee=member,
                scheduled_at=at,
            )
    return world


def _run(world, at: dt.datetime) -> int:
    """The sweep at `at` plus the team's minute past the hour (each team has its own)."""
    at += dt.timedelta(minutes=digest_minute(world.tenant.pk))
    with world.active(), time_machine.travel(at, tick=False):
        return digests_send_due(tenant=world.tenant, now=at)


def _digests(world) -> list[OutboundMessage]:
    with world.active():
        return list(
            OutboundMessage.objects.filter(source=MessageSource.DIGEST)
            .select_related("recipient_user")
            .order_by("created_at", "pk")
        )


def test_each_member_gets_theirs_at_their_own_seven_oclock_once(zones):
    world = zones
    assert _run(world, utc(4, 45)) == 0  # 06:45 in Amsterdam
    assert _run(world, utc(5, 0)) == 1  # 07:00 in Amsterdam
    assert _run(world, utc(5, 15)) == 0
    assert [m.recipient_user_id for m in _digests(world)] == [world.manager.user_id]
    assert _run(world, utc(10, 45)) == 0  # 06:45 in New York
    assert _run(world, utc(11, 0)) == 1  # 07:00 in New York
    assert _run(world, utc(11, 15)) == 0
    assert _run(world, utc(13, 0)) == 0
    manager_digest, rep_digest = _digests(world)
    assert rep_digest.recipient_user_id == world.rep.user_id
    assert rep_digest.channel == MessageChannel.EMAIL
    assert rep_digest.to_address == world.rep.user.email
    assert rep_digest.subject.startswith("Your day, Tue Jun 9: 1 follow-up today")
    # Times read in the member's own zone: 15:00 UTC is 11:00 in New York, 12:00 UTC is 14:00 in
    # Amsterdam.
    assert "11:00 · Call Maria about the tile sample" in rep_digest.body_text
    assert "14:00 · Review the Harbor Point bid" in manager_digest.body_text
    assert "Call Maria about the tile sample" in rep_digest.body_html
    # The admin had nothing to read: no email, and the day is done for them too.
    with world.active():
        assert DigestSent.objects.filter(membership=world.admin, day=DAY).exists()
        assert DigestSent.objects.count() == 3


def test_the_next_day_brings_the_next_digest_and_a_late_beat_still_sends_it(zones):
    world = zones
    _run(world, utc(5, 0))
    _run(world, utc(11, 0))
    tomorrow = DAY + dt.timedelta(days=1)
    # The beat was down at 07:00 in Amsterdam; at 09:30 the digest still goes (overdue now).
    assert _run(world, utc(7, 30, tomorrow)) == 1
    # In New York, after the morning window nothing goes any more that day.
    assert _run(world, utc(16, 0, tomorrow)) == 0
    assert len(_digests(world)) == 3
    late = _digests(world)[-1]
    assert late.recipient_user_id == world.manager.user_id
    assert "OVERDUE (1)" in late.body_text and "Review the Harbor Point bid" in late.body_text


def test_an_admin_chooses_the_hour(zones):
    world = zones
    with world.active():
        follow_up_settings_save(
            tenant=world.tenant,
            actor=world.admin.user,
            neglect_after_days=14,
            manager_alert_after_days=3,
            digest_hour=8,
        )
    assert _run(world, utc(5, 0)) == 0
    assert _run(world, utc(6, 0)) == 1  # 08:00 in Amsterdam


def test_the_digest_lists_overdue_neglected_and_red_leads(world):
    pipeline = pipeline_for(world.tenant)
    with world.active():
        Stage.objects.filter(pipeline=pipeline).update(
            delay_unit="hours", orange_after=2, red_after=4
        )
    with time_machine.travel(utc(1, day=DAY - dt.timedelta(days=20)), tick=False):
        lead = lead_for(world, pipeline, owner=world.rep, title="Tile roof")
    with world.active(), time_machine.travel(utc(1), tick=False):
        services.follow_up_create(
            tenant=world.tenant,
            actor=world.rep.user,
            subject="Send the revised quote",
            contact=world.contact,
            assignee=world.rep,
            scheduled_at=utc(1) - dt.timedelta(days=2),
        )
        NeglectFlag.objects.create(
            tenant=world.tenant,
            contact=world.contact,
            lead=lead,
            owner=world.rep,
            last_touch_at=utc(1) - dt.timedelta(days=20),
            flagged_at=utc(1) - dt.timedelta(days=5),
            manager_alerted_at=utc(1) - dt.timedelta(days=2),
        )
    assert _run(world, utc(11, 0)) == 3  # the rep, the manager and the admin (team view)
    by_recipient = {m.recipient_user_id: m for m in _digests(world)}
    rep = by_recipient[world.rep.user_id].body_text
    assert "OVERDUE (1)" in rep and "Send the revised quote" in rep
    assert "NEGLECTED CUSTOMERS (1)" in rep and lead.reference in rep
    assert "YOUR LATE LEADS (1)" in rep
    manager = by_recipient[world.manager.user_id].body_text
    assert "ACROSS THE TEAM" in manager and "check on the rep" in manager
    assert world.rep.user.full_name in manager


def test_the_red_leads_are_the_live_leads_whose_stage_colour_is_red(world):
    """The digest reads a member's red leads from the aging index (the windows without the
    stages' join, the first twenty's keys before their rows): the same leads, in the same order
    and counted the same, as the colour each lead's page shows, whatever its status and stage."""
    pipeline = pipeline_for(world.tenant)
    now = utc(11, 0)
    with world.active():
        stages = list(Stage.objects.filter(pipeline=pipeline).order_by("position"))
        Stage.objects.filter(pipeline=pipeline).update(
            delay_unit="hours", orange_after=2, red_after=4
        )
        Stage.objects.filter(pk=stages[1].pk).update(red_after=None)  # never red
        stages = list(Stage.objects.filter(pipeline=pipeline).order_by("position"))
    terminal = next(stage for stage in stages if stage.is_terminal)
    open_stages = [stage for stage in stages if not stage.is_terminal]
    with time_machine.travel(now - dt.timedelta(days=3), tick=False):
        leads = [
            lead_for(world, pipeline, owner=owner, title=f"Lead {n}")
            for n in range(60)
            for owner in ([world.rep] if n % 6 else [world.manager])
        ]
    with world.active():
        for n, lead in enumerate(leads):
            fields = {
                "stage": open_stages[n % len(open_stages)],
                "stage_entered_at": now - dt.timedelta(hours=3 + n % 4, minutes=n),
            }
            if n % 9 == 4:
                fields["status"] = "won"
            elif n % 9 == 7:
                fields["status"] = "lost"
            elif n % 11 == 3:
                fields["stage"] = terminal
            Lead.objects.filter(pk=lead.pk).update(**fields)
        leads = list(Lead.objects.filter(pk__in=[lead.pk for lead in leads]))

        def red(owner=None):
            found = [
                lead
                for lead in leads
                if lead.status in ("open", "won")
                and (owner is None or lead.owner_id == owner.pk)
                and AgingClock(world.tenant, now).colour(lead.stage, lead.stage_entered_at) == "red"
            ]
            return sorted(found, key=lambda lead: (lead.stage_entered_at, lead.pk))

        assert len(red(world.rep)) > LISTED  # the first twenty and a count
        assert red(world.manager) and len(red()) > len(red(world.rep))
        for member in Membership.objects.filter(
            pk__in=[world.rep.pk, world.manager.pk]
        ).select_related("user", "tenant"):
            digest = digest_for(tenant=world.tenant, membership=member, now=now)
            assert [lead.pk for lead in digest.red_leads.items] == [
                lead.pk for lead in red(member)[:LISTED]
            ]
            assert digest.red_leads.total == len(red(member))
            # What the email shows was read with the digest (no column left out is shown).
            with CaptureQueriesContext(connection) as rendering:
                digest_render(digest)
            assert not rendering.captured_queries
            if member.pk == world.manager.pk:
                assert digest.team_red_total == len(red())


def test_each_member_chooses_their_own_digest_hour_or_none(zones):
    world = zones
    with world.active():
        world.manager.digest_hour = 9  # 09:00 in Amsterdam is 07:00 UTC
        world.manager.save(update_fields=["digest_hour"])
        world.rep.digest_enabled = False
        world.rep.save(update_fields=["digest_enabled"])
    assert _run(world, utc(5, 0)) == 0  # the team's 07:00 in Amsterdam: not the manager's hour
    assert _run(world, utc(7, 0)) == 1  # their own 09:00
    assert _run(world, utc(11, 0)) == 0  # 07:00 in New York: the rep turned theirs off
    assert [m.recipient_user_id for m in _digests(world)] == [world.manager.user_id]


def test_each_team_sends_at_its_own_minute_within_the_half_hour(zones):
    """A thousand teams with the same hour do not all send in one round: each has its minute
    past the hour, the same every day."""
    world = zones
    assert {digest_minute(pk) for pk in range(1, 1001)} == set(range(DIGEST_SPREAD_MINUTES))
    assert digest_minute(world.tenant.pk + 1) != digest_minute(world.tenant.pk)
    # 07:00 in Amsterdam and the team's minute (_run adds it): not a second before.
    assert _run(world, utc(5, 0) - dt.timedelta(seconds=1)) == 0
    assert _run(world, utc(5, 0)) == 1


def test_the_digest_hours_read_with_the_teams_minute(client, world):
    sign_in(client, world.admin)
    seven = f">07:{digest_minute(world.tenant.pk):02d}</option>"
    assert seven in client.get(reverse("followups-settings:follow-up-settings")).content.decode()
    assert seven in client.get(reverse("comms:notification-preferences")).content.decode()


def test_the_sweep_visits_exactly_the_tenants_with_a_member_due(zones, other_world):
    """Two days every 5 minutes and at each team's first second and the one before it: the
    fan-out's tenants (read across tenants in one statement) are those whose members_due is not
    empty, as digests go out and as members change their hour or turn theirs off."""
    world = zones
    Tenant.objects.filter(pk=other_world.tenant.pk).update(time_zone="Europe/Amsterdam")
    other_world.tenant.refresh_from_db()
    worlds = (world, other_world)
    sweep = send_daily_digests.sweep
    instants = {utc(0) + dt.timedelta(minutes=5 * n) for n in range(2 * 24 * 12)}
    for each in worlds:
        minute = dt.timedelta(minutes=digest_minute(each.tenant.pk))
        for hour in range(48):
            start = utc(0) + dt.timedelta(hours=hour) + minute
            instants |= {start, start - dt.timedelta(seconds=1)}
    checked_due = 0
    for at in sorted(instants):
        if at == utc(0, 0, DAY + dt.timedelta(days=1)):
            with world.active():
                world.manager.digest_hour = 9
                world.manager.save(update_fields=["digest_hour"])
                world.rep.digest_enabled = False
                world.rep.save(update_fields=["digest_enabled"])
        expected = set()
        for each in worlds:
            with each.active():
                if members_due(tenant=each.tenant, now=at):
                    expected.add(each.tenant.pk)
        with CaptureQueriesContext(connection) as statements:
            assert set(sweep.tenant_ids(at)) == expected, at
        assert len(statements) == 1
        checked_due += bool(expected)
        for each in worlds:
            with each.active(), time_machine.travel(at, tick=False):
                digests_send_due(tenant=each.tenant, now=at)
    # Once each, at its first second: ours in Amsterdam and New York and theirs on both days
    # (on the second, our manager at 09:00 and our rep not at all).
    assert checked_due == 6
    with world.active():
        assert DigestSent.objects.filter(tenant=world.tenant).count() == 5
    with time_machine.travel(utc(1), tick=False):  # 03:00 in Amsterdam, 21:00 in New York
        assert fan_out(sweep) == 0


def test_a_rounds_managers_share_one_count_of_the_team(zones):
    """The team's part (escalated customers, red leads) is the same for every manager and admin
    at one moment: a round counts it once, however many of them are due."""
    world = zones
    User.objects.filter(pk=world.manager.user_id).update(time_zone="America/New_York")
    with CaptureQueriesContext(connection) as statements:
        assert _run(world, utc(11, 0)) == 2  # the rep's and the manager's; the admin has nothing
    sqls = [query["sql"] for query in statements.captured_queries]
    # The escalated customers, listed once (counted only past the twenty listed).
    assert len([sql for sql in sqls if '"manager_alerted_at" IS NOT NULL' in sql]) == 1
    with world.active():
        assert DigestSent.objects.filter(day=DAY).count() == 3
