"""Loaded into the benchmark's workers (`celery worker --include bench.sweeps.probe`): every task's
start, end and outcome, and every task dropped as expired, go to one Redis list the benchmark
reads (BENCH_SWEEPS_EVENTS). Times are wall-clock seconds (time.time()), comparable across the
processes of one machine."""

import ast
import json
import os
import threading
import time

import redis
from celery import signals
from django.conf import settings

KEY = os.environ.get("BENCH_SWEEPS_EVENTS", "bench:sweeps:events")
_local = threading.local()
_client = None


def _redis():
    global _client
    if _client is None:
        _client = redis.Redis.from_url(settings.REDIS_URL)
    return _client


def _push(**event) -> None:
    _redis().rpush(KEY, json.dumps(event))


def _identity(task, request, args) -> dict:
    args = list(args or [])
    per_tenant = task.name.startswith("crm.tenancy.sweeps.sweep_tenant") and len(args) > 1
    chunk = per_tenant and isinstance(args[1], list)
    return {
        "task": task.name,
        "id": request.id,
        "parent": getattr(request, "parent_id", None),
        "root": getattr(request, "root_id", None),
        "sweep": args[0] if per_tenant else task.name,
        "tenant": args[1] if per_tenant and not chunk else None,
        "tenants": len(args[1]) if chunk else 1,
    }


@signals.task_prerun.connect
def _started(task_id, task, args=None, **kwargs):
    _local.started = time.time()


@signals.task_postrun.connect
def _finished(task_id, task, args=None, retval=None, state=None, **kwargs):
    started = getattr(_local, "started", None) or time.time()
    outcome = "skipped" if retval == "skipped" else (state or "").lower()
    _push(
        **_identity(task, task.request, args),
        start=started,
        end=time.time(),
        outcome=outcome,
        result=retval if isinstance(retval, int | dict) else None,
    )


@signals.task_revoked.connect
def _dropped(sender=None, request=None, expired=False, **kwargs):
    if request is None or sender is None:
        return
    # The request of a task dropped before it ran has its arguments only as their repr.
    args = request.args
    if args is None:
        try:
            args = ast.literal_eval(getattr(request, "argsrepr", "") or "[]")
        except (ValueError, SyntaxError):
            args = []
    _push(
        **_identity(sender, request, args),
        start=None,
        end=time.time(),
        outcome="expired" if expired else "revoked",
        result=None,
    )
