"""Beat sweeps fanned out per tenant, with Celery's own primitives.

A beat entry names the sweep's *fan-out* task (the registered name the sweep always had). It reads
which tenants to visit — every tenant, or only the ones a cheap cross-tenant query says have
something due (`due_tenants`) — and sends one `sweep_tenant` task per tenant as one Celery
`group`, each with

- ``expires`` at the next beat of the same sweep: a task still queued when the next round is sent
  is dropped by the worker, so a backlog never piles up (the next round covers the same work);
- ``soft_time_limit`` / ``time_limit`` of its kind: a runaway tenant is stopped (soft: the
  transaction rolls back and the lock is released; hard: the prefork child is killed);
- a per-tenant lock (the cache's atomic ``add``, with the hard time limit as its TTL): a round
  that finds the previous round's task for the same tenant still running skips that tenant.

One tenant's failure is its own task's failure: the other tenants' tasks run regardless. The
rows a sweep works on are still claimed with SKIP LOCKED by the services (the lock only saves
work; it is not what makes the outbox or the reminders exactly-once).

A tenant with more work than one batch (a million-lead tenant's missed follow-ups, its first
neglect flags) returns `More(done)`: its task then queues a follow-up `sweep_tenant` task for that
tenant, with the round's expiry, limits and priority, on the same queue. No task holds a worker
for more than one batch (seconds), the tenant's backlog still drains within the round, and other
tasks waiting on the queue get their turn between its batches. Where the rows themselves do not
show how far the round got (the neglect sweep's check of every open flag), `More(done, resume=
{...})` hands the next batch where to start: the keyword arguments its run is called with.

    @tenant_sweep(name="followups.tasks.sweep_missed_follow_ups", soft_time_limit=50)
    def sweep_missed_follow_ups(*, tenant: Tenant) -> int:
        return missed.follow_ups_mark_missed(tenant=tenant)

The decorated name is the fan-out task (what beat sends); the function is what runs per tenant.
"""

import datetime as dt
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import NotRequired, TypedDict

from celery import group, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from crm.logging import bind_log_context, log_context
from crm.schedules import every
from crm.tenancy.context import tenant_context

logger = logging.getLogger(__name__)

# The hard limit stops a task this long after its soft limit, which lets it roll back and log.
HARD_AFTER_SOFT_SECONDS = 30
# Soft time limits by kind. A limit stops a runaway tenant; it is not the interval: the lock keeps a
# slow tenant's next run from overlapping it and the expiry keeps rounds from piling up behind it.
SECONDS_DISPATCH = 60  # the outbox and reminders: claim a batch, queue a send task per row
SECONDS_MINUTE = 120  # sweeps beat sends every minute
SECONDS_FEW_MINUTES = 300  # every 5 or 15 minutes
SECONDS_HOURLY = 1800  # hourly and daily housekeeping
# A sweep with no beat entry (a test, a shell) still expires its tasks.
DEFAULT_INTERVAL = dt.timedelta(minutes=1)
# Redis serves a queue's priority 0 first (kombu keeps a list per step: 0, 3, 6, 8, 9,
# settings.CELERY_BROKER_TRANSPORT_OPTIONS). Inbound
# events and the outbox, reminder and webhook claims go at 0, Celery's default, on the messages
# queue of their own, the sends they queue behind them (crm.tenancy.queues); the minute sweeps
# someone waits on (an SLA breach, a missed follow-up, a lead nobody answered, a sequence step),
# which visit only the few tenants with something due, at PROMPT, ahead of the dashboard's minute
# rollups over every tenant; the other minute sweeps' thousands of tenant tasks a round go at
# BULK, behind the default queue's other tasks; those every few minutes at FEW_MINUTES, behind
# the minute rounds (the priorities' refresh of every tenant, queued first, would make the
# dashboard's minute round expire behind it); the hourly and daily ones at HOUSEKEEPING, behind
# those: their round has an hour, a minute sweep's a minute, and every tenant's housekeeping
# queued first would make the minute rounds expire behind it (each hourly entry also has its own
# minute past the hour, crm.schedules).
PROMPT = 3
BULK = 6
FEW_MINUTES = 8
HOUSEKEEPING = 9
FEW_MINUTES_FROM = dt.timedelta(minutes=2)
HOUSEKEEPING_FROM = dt.timedelta(hours=1)
# Tenants per task of the bulk sweeps: one message and one task start for a chunk instead of each
# tenant (at 1,000 tenants a round of single tasks spent seconds publishing alone).
BULK_CHUNK = 20
# A chunk that has run this long passes the tenants it has not begun to a chunk task of their own
# (after what is queued), so a chunk of tenants that all have work holds a worker for about this
# plus one tenant's batch, not twenty batches.
CHUNK_SECONDS = 10
SKIPPED = "skipped"
LOCK_PREFIX = "sweep-lock"


@dataclass(frozen=True)
class Sweep:
    name: str  # the fan-out task's registered name (the beat entry's "task")
    run: Callable[..., int]  # run(tenant=...) inside the tenant's context
    soft_time_limit: int  # seconds
    due_tenants: Callable[[dt.datetime], list[int]] | None = None  # None: every tenant
    given_priority: int | None = None  # None: by the interval
    chunk: int = BULK_CHUNK  # tenants per task

    @property
    def priority(self) -> int:
        if self.given_priority is not None:
            return self.given_priority
        if self.interval >= HOUSEKEEPING_FROM:
            return HOUSEKEEPING
        return FEW_MINUTES if self.interval >= FEW_MINUTES_FROM else BULK

    @property
    def time_limit(self) -> int:
        return self.soft_time_limit + HARD_AFTER_SOFT_SECONDS

    @property
    def schedule(self) -> every | dt.timedelta:
        """The beat entry's schedule (settings.CELERY_BEAT_SCHEDULE): one source for both; a
        crm.schedules.every, or a bare timedelta (beat counts it from its start); DEFAULT_INTERVAL
        without an entry. A crontab has no single interval for its tasks' expiry: refused."""
        for entry in settings.CELERY_BEAT_SCHEDULE.values():
            if entry["task"] == self.name:
                if not isinstance(entry["schedule"], every | dt.timedelta):
                    raise TypeError(
                        f"{self.name}: a sweep's beat schedule is crm.schedules.every or a "
                        f"timedelta, not {entry['schedule']!r}"
                    )
                return entry["schedule"]
        return DEFAULT_INTERVAL

    @property
    def interval(self) -> dt.timedelta:
        schedule = self.schedule
        return schedule.run_every if isinstance(schedule, every) else schedule

    def next_due(self, now: dt.datetime) -> dt.datetime:
        """When beat sends this sweep's next round after `now` (its next due time; for a bare
        timedelta, an interval from now): its tasks still queued then are useless, the next
        round does the same work."""
        schedule = self.schedule
        return schedule.due_after(now) if isinstance(schedule, every) else now + schedule

    def tenant_ids(self, now: dt.datetime) -> list[int]:
        if self.due_tenants is not None:
            return sorted(self.due_tenants(now))
        from crm.models import Tenant

        return list(Tenant.objects.order_by("pk").values_list("pk", flat=True))


_SWEEPS: dict[str, Sweep] = {}


class More(int):
    """What a per-tenant run returns when it stopped at its batch with work left: how many it did,
    and a follow-up task for the same tenant does the next batch, its run called with `resume` as
    keyword arguments (JSON: they travel in the task's message)."""

    resume: dict

    def __new__(cls, done: int, resume: dict | None = None):
        more = super().__new__(cls, done)
        more.resume = resume or {}
        return more


def tenants_from_function(function: str, *params) -> list[int]:
    """The tenant ids a SECURITY DEFINER `threadline_tenants_with_*` SQL function returns: one
    query across tenants (row-level security hides their rows from the app role), ids only."""
    from django.db import connection

    if not re.fullmatch(r"threadline_tenants_with_\w+", function):
        raise ValueError(function)
    placeholders = ", ".join(["%s"] * len(params))
    with connection.cursor() as cursor:
        # The name is checked above (a constant of the selectors); the values are parameters.
        cursor.execute(f"SELECT * FROM {function}({placeholders})", list(params))  # noqa: S608  # nosec B608
        return [row[0] for row in cursor.fetchall()]


def sweep_get(name: str) -> Sweep:
    return _SWEEPS[name]


def tenant_sweep(
    *,
    soft_time_limit: int,
    name: str | None = None,
    due_tenants: Callable[[dt.datetime], list[int]] | None = None,
    priority: int | None = None,
    chunk: int = BULK_CHUNK,
    aliases: tuple[str, ...] = (),
):
    """Register `func(*, tenant) -> int` as a sweep; the decorated name becomes its fan-out task.

    `aliases`: names the sweep had before a rename. Its fan-out task is registered under each too
    and its tenant tasks queued under one still find it, so messages queued before the deploy
    run; each is the same sweep (its lock, schedule and limits)."""

    def decorator(func):
        task_name = name or f"{func.__module__}.{func.__name__}"
        sweep = Sweep(
            name=task_name,
            run=func,
            soft_time_limit=soft_time_limit,
            due_tenants=due_tenants,
            given_priority=priority,
            chunk=chunk,
        )

        # The fan-out reads tenant ids and publishes: it gets its sweep's limits too.
        def run_fan_out() -> int:
            return fan_out(sweep)

        run_fan_out.__doc__ = func.__doc__
        limits = {"soft_time_limit": soft_time_limit, "time_limit": sweep.time_limit}
        for alias in aliases:
            _SWEEPS[alias] = sweep
            shared_task(name=alias, **limits)(run_fan_out)
        _SWEEPS[task_name] = sweep
        fan_out_task = shared_task(name=task_name, **limits)(run_fan_out)
        fan_out_task.sweep = sweep
        return fan_out_task

    return decorator


def fan_out(sweep: Sweep, *, now: dt.datetime | None = None) -> int:
    """Send the tenants to visit as one group: one `sweep_tenant` task each, or (`chunk` > 1)
    one `sweep_tenants` task per `chunk` of them; how many tenants were sent."""
    now = now or timezone.now()
    tenant_ids = sweep.tenant_ids(now)
    if not tenant_ids:
        return 0
    if sweep.chunk == 1:
        tasks = (sweep_tenant.si(sweep.name, tenant_id) for tenant_id in tenant_ids)
    else:
        tasks = (
            sweep_tenants.si(sweep.name, tenant_ids[start : start + sweep.chunk])
            for start in range(0, len(tenant_ids), sweep.chunk)
        )
    group(tasks).apply_async(
        expires=sweep.next_due(now),
        soft_time_limit=sweep.soft_time_limit,
        time_limit=sweep.time_limit,
        priority=sweep.priority,
    )
    return len(tenant_ids)


def lock_key(sweep_name: str, tenant_id: int) -> str:
    return f"{LOCK_PREFIX}:{sweep_name}:{tenant_id}"


def _sweep_one(sweep: Sweep, tenant_id: int, resume: dict | None = None) -> int | str:
    from crm.models import Tenant

    key = lock_key(sweep.name, tenant_id)
    # The TTL outlives the hard time limit, so a killed child's lock frees itself in time.
    if not cache.add(key, 1, timeout=sweep.time_limit + 5):
        logger.info(
            "%s skipped for tenant %s: its previous run is still going", sweep.name, tenant_id
        )
        return SKIPPED
    try:
        tenant = Tenant.objects.filter(pk=tenant_id).first()
        if tenant is None:  # deleted between the fan-out and now
            return 0
        token = bind_log_context(tenant=tenant.slug)
        try:
            with tenant_context(tenant):
                return sweep.run(tenant=tenant, **(resume or {}))
        finally:
            log_context.reset(token)
    finally:
        cache.delete(key)


def _continue(sweep: Sweep, tenant_id: int, more: More, *, expires) -> None:
    """Queue the tenant's next batch as a task of the same round (expiring with it; `expires` is
    the running task's, None when it was called in-process) after what is already queued."""
    _send_on(sweep_tenant, sweep, (sweep.name, tenant_id, more.resume), expires=expires)


def _send_on(task, sweep: Sweep, args: tuple, *, expires) -> None:
    """Send `task(*args)` as a task of the sweep's round: its expiry, limits and priority (the
    router puts it on the sweep's queue)."""
    task.apply_async(
        args,
        expires=expires or sweep.next_due(timezone.now()),
        soft_time_limit=sweep.soft_time_limit,
        time_limit=sweep.time_limit,
        priority=sweep.priority,
    )


@shared_task(name="crm.tenancy.sweeps.sweep_tenant", bind=True)
def sweep_tenant(self, sweep_name: str, tenant_id: int, resume: dict | None = None) -> int | str:
    """One tenant's part of one round of a sweep (`resume`: where a previous batch of the round
    stopped); SKIPPED while that tenant's previous run of the same sweep still holds its lock. An
    exception fails this task only. A run that stopped at its batch (More) queues the tenant's next
    one."""
    sweep = _SWEEPS[sweep_name]
    result = _sweep_one(sweep, tenant_id, resume)
    if isinstance(result, More):
        _continue(sweep, tenant_id, result, expires=self.request.expires)
    return result


class ChunkDone(TypedDict):
    """What a chunk of tenants did (sweep_tenants's result)."""

    tenants: int
    skipped: int
    failed: int
    result: int
    slowest: list[int | float | None]  # [tenant id, seconds]
    passed_on: NotRequired[int]  # tenants left to a chunk task of their own


@shared_task(name="crm.tenancy.sweeps.sweep_tenants", bind=True)
def sweep_tenants(self, sweep_name: str, tenant_ids: list[int]) -> ChunkDone:
    """A chunk of tenants of one round, one after another, each under its own lock; one tenant's
    exception is logged and the chunk goes on (the soft time limit stops the chunk: the rest wait
    for the next round). A tenant that stopped at its batch (More) gets a follow-up task of its
    own; past CHUNK_SECONDS, the tenants not yet begun go on in a chunk task of their own. What it
    did, with its slowest tenant and how many it passed on."""
    sweep = _SWEEPS[sweep_name]
    done: ChunkDone = {
        "tenants": 0,
        "skipped": 0,
        "failed": 0,
        "result": 0,
        "slowest": [None, 0.0],
    }
    slowest_seconds = 0.0
    chunk_started = time.monotonic()
    for index, tenant_id in enumerate(tenant_ids):
        started = time.monotonic()
        if index and started - chunk_started > CHUNK_SECONDS:
            rest = tenant_ids[index:]
            _send_on(sweep_tenants, sweep, (sweep_name, rest), expires=self.request.expires)
            done["passed_on"] = len(rest)
            break
        try:
            result = _sweep_one(sweep, tenant_id)
        except SoftTimeLimitExceeded:
            raise
        except Exception:
            logger.exception("%s failed for tenant %s", sweep_name, tenant_id)
            done["failed"] += 1
            continue
        if isinstance(result, More):
            _continue(sweep, tenant_id, result, expires=self.request.expires)
        seconds = time.monotonic() - started
        if seconds > slowest_seconds:
            slowest_seconds = seconds
            done["slowest"] = [tenant_id, seconds]
        if isinstance(result, str):  # SKIPPED, the only text _sweep_one answers
            done["skipped"] += 1
        else:
            done["tenants"] += 1
            done["result"] += result
    return done


def sweep_inline(fan_out_task, *, tenant_ids: list[int] | None = None) -> int:
    """Run a sweep's per-tenant part in this process, one tenant after another, as the workers
    would (lock included, a tenant's next batches right after it); the sum of what the tenants
    returned. For tests and a shell."""
    sweep = fan_out_task.sweep
    ids = sweep.tenant_ids(timezone.now()) if tenant_ids is None else tenant_ids
    total = 0
    for tenant_id in ids:
        resume = None
        while True:
            result = _sweep_one(sweep, tenant_id, resume)
            if isinstance(result, int):
                total += result
            if not isinstance(result, More):
                break
            resume = result.resume
    return total
