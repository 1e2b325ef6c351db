"""Beat sweeps fan out one task per tenant (crm/tenancy/sweeps.py): each with an expiry at the next
beat and its kind's time limits, never two runs of one sweep for one tenant at once, one tenant's
failure its own. The tasks are read back from the test run's own queue, as a worker would get
them."""

import dataclasses
import datetime as dt
from unittest import mock

import pytest
import time_machine
from celery.exceptions import TaskRevokedError
from celery.schedules import crontab
from celery.worker.request import Request
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from config.celery import app as celery_app
from crm.schedules import every
from crm.tenancy import sweeps
from crm.tenancy.sweeps import (
    BULK,
    FEW_MINUTES,
    HOUSEKEEPING,
    PROMPT,
    SKIPPED,
    fan_out,
    lock_key,
    sweep_inline,
    sweep_tenant,
    sweep_tenants,
)
from dashboards import tasks as dashboard_tasks
from followups import tasks as followup_tasks
from followups.models import FollowUp, Status
from followups.services import followups, missed
from leads import tasks as lead_tasks
from messaging import tasks as messaging_tasks
from messaging.models import MessageChannel, MessageSource
from messaging.services import outbox
from tickets import tasks as ticket_tasks

NOW = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
SWEEP = followup_tasks.sweep_missed_follow_ups  # every minute, the tenants with a follow-up due


def _missed_follow_up(world, subject="Call Maria", reminders=()) -> FollowUp:
    """A follow-up an hour past its slot at NOW (the sweep marks it missed)."""
    with world.active(), time_machine.travel(NOW - dt.timedelta(days=1), tick=False):
        return followups.follow_up_create(
            tenant=world.tenant,
            actor=world.rep.user,
            subject=subject,
            contact=world.contact,
            assignee=world.rep,
            scheduled_at=NOW - dt.timedelta(hours=1),
            duration_minutes=30,
            reminders=list(reminders),
        )


def _status(world, follow_up) -> str:
    with world.active():
        return FollowUp.objects.get(pk=follow_up.pk).status


def _assert_round_options(message, sweep) -> None:
    # The next beat of the same sweep is when a task still waiting becomes useless.
    assert dt.datetime.fromisoformat(message.headers["expires"]) == NOW + sweep.interval
    assert message.headers["timelimit"] == [sweep.time_limit, sweep.soft_time_limit]
    assert 0 < sweep.soft_time_limit < sweep.time_limit
    # Behind the sends and the outbox's claims, which Redis serves first (priority 0).
    assert message.properties["priority"] == sweep.priority > 0


def test_the_beat_task_sends_one_task_per_tenant_with_an_expiry_and_time_limits(
    world, other_world, task_queue
):
    _missed_follow_up(world)
    _missed_follow_up(other_world, subject="Charger check")  # both tenants due
    sweep = dataclasses.replace(SWEEP.sweep, chunk=1)
    assert sweep.interval == dt.timedelta(minutes=1)
    with time_machine.travel(NOW, tick=False):
        assert fan_out(sweep) == 2
    messages = task_queue()
    assert sorted(m.payload[0] for m in messages) == sorted(
        [[SWEEP.name, world.tenant.pk], [SWEEP.name, other_world.tenant.pk]]
    )
    for message in messages:
        assert message.headers["task"] == sweep_tenant.name
        _assert_round_options(message, sweep)


def test_a_bulk_sweep_sends_its_tenants_in_chunks_with_an_expiry_and_time_limits(
    world, other_world, task_queue
):
    _missed_follow_up(world)
    _missed_follow_up(other_world, subject="Charger check")
    with time_machine.travel(NOW, tick=False):
        assert SWEEP() == 2  # the beat task itself
    [message] = task_queue()
    assert SWEEP.sweep.chunk > 2
    assert message.headers["task"] == sweep_tenants.name
    assert message.payload[0] == [SWEEP.name, [world.tenant.pk, other_world.tenant.pk]]
    _assert_round_options(message, SWEEP.sweep)


def test_an_hourly_sweeps_chunks_queue_behind_the_minute_sweeps(world, task_queue):
    hourly = lead_tasks.expire_quotes.sweep  # every tenant, every hour
    assert hourly.interval == dt.timedelta(hours=1)
    with time_machine.travel(NOW, tick=False):
        assert fan_out(hourly) >= 1
    [message] = task_queue()
    # Redis serves 9 after 6: the minute rounds sent meanwhile go first.
    assert (
        message.properties["priority"]
        == HOUSEKEEPING
        > BULK
        == dashboard_tasks.count_the_moment.sweep.priority
    )
    # A claim named its priority: the interval does not change it.
    assert followup_tasks.dispatch_due_reminders.sweep.priority == 0


def test_the_digest_hours_burst_queues_behind_the_minute_rollups():
    """Every 5 minutes (the teams' minutes past the hour spread over half an hour), but many
    tenants' members are due in one round: behind the dashboard's minute rollups, as the hourly
    housekeeping is."""
    digests = followup_tasks.send_daily_digests.sweep
    assert digests.interval == dt.timedelta(minutes=5)
    assert digests.priority == HOUSEKEEPING > dashboard_tasks.roll_up_team.sweep.priority


def test_the_few_minute_sweeps_queue_behind_the_minute_rounds_and_ahead_of_the_hourly():
    """The priorities' refresh visits every tenant every 5 minutes: queued ahead of the
    dashboard's minute round, it made that round expire (1,000 tenants). The kept figures,
    which expire a minute after their next round, stay with the minute rollups."""
    priorities = lead_tasks.refresh_lead_priorities.sweep
    assert priorities.interval == dt.timedelta(minutes=5)
    assert (
        dashboard_tasks.count_the_moment.sweep.priority
        < priorities.priority
        == FEW_MINUTES
        < lead_tasks.expire_quotes.sweep.priority
    )
    assert dashboard_tasks.keep_figures_fresh.sweep.priority == BULK


def test_every_sweeps_priority_is_a_step_of_its_own_in_the_broker():
    """kombu serves a priority between two steps as the step below it: each tier needs its own
    Redis list, or two tiers would share one in the order they were sent."""
    steps = settings.CELERY_BROKER_TRANSPORT_OPTIONS["priority_steps"]
    tiers = {PROMPT, BULK, FEW_MINUTES, HOUSEKEEPING, settings.THREADLINE_SENDS_PRIORITY}
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        try:
            tiers.add(sweeps.sweep_get(entry["task"]).priority)
        except KeyError:
            continue  # not a per-tenant sweep (sessions, notifications: one task)
    assert tiers <= set(steps) and steps == sorted(steps)


def test_the_minute_sweeps_someone_waits_on_queue_ahead_of_the_dashboards_rollups():
    waited_on = [SWEEP, ticket_tasks.sweep_sla_breaches, lead_tasks.alert_untouched_leads]
    rollups = [dashboard_tasks.count_the_moment, dashboard_tasks.roll_up_team]
    assert {task.sweep.priority for task in waited_on} == {PROMPT}
    assert {task.sweep.priority for task in rollups} == {BULK}
    assert PROMPT < BULK  # Redis serves the lower number first


def test_every_beat_entry_expires_when_its_next_beat_is_due():
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["options"]["expires"] == entry["schedule"].run_every.total_seconds(), name


def test_an_hourly_sweeps_round_expires_at_its_next_due_time_at_its_own_minute(world, task_queue):
    """Beat sends it at its minute past the hour (crm.schedules.every); whenever the fan-out
    runs, its tenants' tasks expire when beat sends the next round."""
    hourly = lead_tasks.expire_quotes.sweep
    minute = hourly.schedule.offset
    assert hourly.interval == dt.timedelta(hours=1)
    assert dt.timedelta(minutes=30) <= minute < dt.timedelta(hours=1)
    sent_at = NOW + minute + dt.timedelta(seconds=20)  # beat's round, queued for 20 s
    with time_machine.travel(sent_at, tick=False):
        assert fan_out(hourly) >= 1
    [message] = task_queue()
    expires = dt.datetime.fromisoformat(message.headers["expires"])
    assert expires == NOW + minute + dt.timedelta(hours=1)


@pytest.mark.parametrize(
    ("schedule", "interval", "next_due"),
    [
        # At 00:32, 06:32, 12:32 and 18:32 UTC: after 15:00, at 18:32.
        (
            every(dt.timedelta(hours=6), dt.timedelta(minutes=32)),
            dt.timedelta(hours=6),
            NOW + dt.timedelta(hours=3, minutes=32),
        ),
        # A bare timedelta: beat counts it from its start, so an interval from now.
        (dt.timedelta(minutes=2), dt.timedelta(minutes=2), NOW + dt.timedelta(minutes=2)),
    ],
)
def test_a_sweeps_interval_and_next_due_time_come_from_its_beat_entry(schedule, interval, next_due):
    entry = {"task": SWEEP.name, "schedule": schedule, "options": {}}
    with override_settings(CELERY_BEAT_SCHEDULE={"entry": entry}):
        assert SWEEP.sweep.interval == interval
        assert SWEEP.sweep.next_due(NOW) == next_due
    with override_settings(CELERY_BEAT_SCHEDULE={}):  # a test, a shell: no beat entry
        assert SWEEP.sweep.interval == sweeps.DEFAULT_INTERVAL
        assert SWEEP.sweep.next_due(NOW) == NOW + sweeps.DEFAULT_INTERVAL


def test_a_crontab_has_no_interval_for_a_sweeps_expiry_and_is_refused():
    entry = {"task": SWEEP.name, "schedule": crontab(minute=38), "options": {}}
    with override_settings(CELERY_BEAT_SCHEDULE={"entry": entry}), pytest.raises(TypeError):
        SWEEP.sweep.interval  # noqa: B018


def test_every_beat_sweep_fans_out_with_a_time_limit():
    celery_app.loader.import_default_modules()  # every app's tasks, as a worker starts
    beat_tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    sessions = "crm.tasks.clear_expired_sessions"  # one table, no tenants: one task
    for name in beat_tasks - {sessions}:
        task = celery_app.tasks[name]
        assert task.sweep.name == name
        assert 0 < task.sweep.soft_time_limit < task.sweep.time_limit, name
        assert 0 < task.soft_time_limit < task.time_limit, name
    assert 0 < celery_app.tasks[sessions].soft_time_limit < celery_app.tasks[sessions].time_limit


def test_a_task_still_queued_at_the_next_beat_is_dropped_by_the_worker(world, task_queue):
    follow_up = _missed_follow_up(world)
    with time_machine.travel(NOW, tick=False):
        SWEEP()
    [message] = task_queue()
    pool = mock.Mock()
    with time_machine.travel(NOW + dt.timedelta(seconds=30), tick=False):
        Request(message, app=celery_app, task=sweep_tenant).execute_using_pool(pool)
    assert pool.apply_async.call_count == 1  # in time: handed to the pool

    pool.reset_mock()
    with time_machine.travel(NOW + dt.timedelta(minutes=1, seconds=1), tick=False):
        request = Request(message, app=celery_app, task=sweep_tenant)
        with pytest.raises(TaskRevokedError):
            request.execute_using_pool(pool)
    assert pool.apply_async.call_count == 0  # too late: never run
    assert _status(world, follow_up) == Status.PENDING


def test_a_run_that_finds_the_previous_one_still_going_skips_the_tenant(world):
    follow_up = _missed_follow_up(world)
    key = lock_key(SWEEP.name, world.tenant.pk)
    assert cache.add(key, 1, timeout=60)  # the previous round's task is still running
    try:
        with time_machine.travel(NOW, tick=False):
            assert sweep_tenant(SWEEP.name, world.tenant.pk) == SKIPPED
        assert _status(world, follow_up) == Status.PENDING
    finally:
        cache.delete(key)
    with time_machine.travel(NOW, tick=False):
        assert sweep_tenant(SWEEP.name, world.tenant.pk) == 1
    assert _status(world, follow_up) == Status.MISSED
    assert cache.get(key) is None  # released for the next round


def test_a_killed_tasks_lock_frees_itself_just_after_its_hard_time_limit(world):
    with mock.patch.object(cache, "add", wraps=cache.add) as add:
        sweep_tenant(SWEEP.name, world.tenant.pk)
    add.assert_called_once_with(
        lock_key(SWEEP.name, world.tenant.pk), 1, timeout=SWEEP.sweep.time_limit + 5
    )


def _fails_for(world):
    real = missed.follow_ups_mark_missed

    def fails_for_the_first(*, tenant, **kwargs):
        if tenant.pk == world.tenant.pk:
            raise RuntimeError("this tenant's data trips a bug")
        return real(tenant=tenant, **kwargs)

    return mock.patch.object(missed, "follow_ups_mark_missed", fails_for_the_first)


@pytest.mark.django_db(transaction=True)  # each task its own transaction, as on a worker
def test_a_failing_tenant_does_not_stop_the_others(world, other_world, task_queue):
    broken = _missed_follow_up(world)
    fine = _missed_follow_up(other_world, subject="Charger check")
    with time_machine.travel(NOW, tick=False):
        fan_out(dataclasses.replace(SWEEP.sweep, chunk=1))
        messages = sorted(task_queue(), key=lambda m: m.payload[0][1] != world.tenant.pk)
        with _fails_for(world):
            # The broken tenant's task runs first; each message is its own task, as on a worker.
            results = [sweep_tenant.apply(args=m.payload[0]) for m in messages]
    assert [result.failed() for result in results] == [True, False]
    assert _status(world, broken) == Status.PENDING
    assert _status(other_world, fine) == Status.MISSED
    assert cache.get(lock_key(SWEEP.name, world.tenant.pk)) is None  # tried again next round


@pytest.mark.django_db(transaction=True)
def test_a_failing_tenant_does_not_stop_the_rest_of_its_chunk(world, other_world, task_queue):
    broken = _missed_follow_up(world)
    fine = _missed_follow_up(other_world, subject="Charger check")
    with time_machine.travel(NOW, tick=False):
        SWEEP()
        [message] = task_queue()
        assert message.payload[0][1][0] == world.tenant.pk  # the broken tenant first
        with _fails_for(world):
            result = sweep_tenants.apply(args=message.payload[0])
    assert result.successful()
    assert result.result["failed"] == 1
    assert (result.result["tenants"], result.result["result"]) == (1, 1)
    assert _status(world, broken) == Status.PENDING
    assert _status(other_world, fine) == Status.MISSED


def _due_message(world, number: int = 0) -> None:
    with world.active():
        outbox.message_schedule(
            tenant=world.tenant,
            channel=MessageChannel.EMAIL,
            source=MessageSource.MANUAL,
            idempotency_key=f"sweep-test-{number}",
            contact=world.contact,
            subject="Roof update",
            body_text="The crew arrives at 8 tomorrow.",
        )


def test_the_outbox_sweep_sends_tasks_only_to_tenants_with_due_rows_in_one_query(
    world, other_world, task_queue, django_assert_num_queries
):
    _due_message(world)
    with django_assert_num_queries(1):
        assert fan_out(messaging_tasks.dispatch_due_messages.sweep) == 1
    [message] = task_queue()
    assert message.payload[0] == [messaging_tasks.dispatch_due_messages.name, world.tenant.pk]
    assert message.headers["timelimit"] == [90, 60]
    assert message.properties["priority"] == 0
    # Claimed (exactly once: SKIP LOCKED) by the tenant's own task; then nobody is due.
    assert sweep_inline(messaging_tasks.dispatch_due_messages) == 1
    with django_assert_num_queries(1):
        assert fan_out(messaging_tasks.dispatch_due_messages.sweep) == 0


def test_the_reminder_sweep_sends_tasks_only_to_tenants_with_due_reminders(
    world, other_world, task_queue, django_assert_num_queries
):
    _missed_follow_up(world, reminders=[(60, "in_app")])  # due at NOW - 2 h
    with django_assert_num_queries(1):
        assert fan_out(followup_tasks.dispatch_due_reminders.sweep, now=NOW) == 1
    [message] = task_queue()
    assert message.payload[0] == [followup_tasks.dispatch_due_reminders.name, world.tenant.pk]
    assert (
        fan_out(followup_tasks.dispatch_due_reminders.sweep, now=NOW - dt.timedelta(hours=3)) == 0
    )


def test_a_sweep_of_no_tenant_sends_nothing(db, task_queue):
    assert fan_out(messaging_tasks.dispatch_due_messages.sweep, now=timezone.now()) == 0
    assert task_queue() == []


# --- A tenant with more than a batch: a follow-up task of the same round -----------------------


def _run_as_a_worker(message, task) -> None:
    """Execute the message in this process as a worker would, with its headers (the expiry)."""
    Request(message, app=celery_app, task=task).execute()


def test_a_tenant_with_more_than_a_batch_continues_in_a_follow_up_task_of_the_same_round(
    world, task_queue, monkeypatch
):
    monkeypatch.setattr(missed, "SWEEP_BATCH", 2)
    follow_ups = [_missed_follow_up(world, subject=f"Call {n}") for n in range(3)]
    with time_machine.travel(NOW, tick=False):
        assert fan_out(dataclasses.replace(SWEEP.sweep, chunk=1)) == 1
        [first] = task_queue()
    with time_machine.travel(NOW + dt.timedelta(seconds=5), tick=False):
        _run_as_a_worker(first, sweep_tenant)  # a full batch: 2 of 3
        [follow_up] = task_queue()

    assert follow_up.headers["task"] == sweep_tenant.name
    assert follow_up.payload[0] == [SWEEP.name, world.tenant.pk, {}]
    # The same round: it expires with it, with the sweep's limits and priority.
    assert follow_up.headers["expires"] == first.headers["expires"]
    _assert_round_options(follow_up, SWEEP.sweep)
    assert [_status(world, f) for f in follow_ups].count(Status.MISSED) == 2
    assert cache.get(lock_key(SWEEP.name, world.tenant.pk)) is None  # free for the follow-up

    with time_machine.travel(NOW + dt.timedelta(seconds=10), tick=False):
        _run_as_a_worker(follow_up, sweep_tenant)  # the last one: a short batch ends it
    assert task_queue() == []
    assert [_status(world, f) for f in follow_ups] == [Status.MISSED] * 3


def test_a_chunks_tenant_with_more_than_a_batch_gets_a_follow_up_task_of_its_own(
    world, other_world, task_queue, monkeypatch
):
    monkeypatch.setattr(missed, "SWEEP_BATCH", 2)
    for n in range(3):
        _missed_follow_up(world, subject=f"Call {n}")
    _missed_follow_up(other_world, subject="Charger check")
    with time_machine.travel(NOW, tick=False):
        SWEEP()
        [chunk] = task_queue()
        _run_as_a_worker(chunk, sweep_tenants)
        [follow_up] = task_queue()

    assert follow_up.headers["task"] == sweep_tenant.name
    assert follow_up.payload[0] == [SWEEP.name, world.tenant.pk, {}]
    assert follow_up.headers["expires"] == chunk.headers["expires"]


def test_run_inline_a_sweep_does_each_tenants_batches_one_after_another(
    world, other_world, monkeypatch
):
    monkeypatch.setattr(missed, "SWEEP_BATCH", 2)
    follow_ups = [_missed_follow_up(world, subject=f"Call {n}") for n in range(5)]
    _missed_follow_up(other_world, subject="Charger check")
    with time_machine.travel(NOW, tick=False):
        assert sweep_inline(SWEEP) == 6
    assert {_status(world, f) for f in follow_ups} == {Status.MISSED}


def test_a_chunk_past_its_time_passes_the_tenants_it_has_not_begun_to_a_chunk_of_their_own(
    world, other_world, task_queue, monkeypatch
):
    monkeypatch.setattr(sweeps, "CHUNK_SECONDS", 0)  # past it after the first tenant
    first = _missed_follow_up(world)
    second = _missed_follow_up(other_world, subject="Charger check")
    with time_machine.travel(NOW, tick=False):
        SWEEP()
        [chunk] = task_queue()
        assert chunk.payload[0] == [SWEEP.name, [world.tenant.pk, other_world.tenant.pk]]
        _run_as_a_worker(chunk, sweep_tenants)
        [rest] = task_queue()

    assert rest.headers["task"] == sweep_tenants.name
    assert rest.payload[0] == [SWEEP.name, [other_world.tenant.pk]]
    assert rest.headers["expires"] == chunk.headers["expires"]
    _assert_round_options(rest, SWEEP.sweep)
    assert (_status(world, first), _status(other_world, second)) == (Status.MISSED, Status.PENDING)
    with time_machine.travel(NOW, tick=False):
        _run_as_a_worker(rest, sweep_tenants)
    assert _status(other_world, second) == Status.MISSED
