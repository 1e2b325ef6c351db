"""Celery's task router (settings.CELERY_TASK_ROUTES): which queue a task is published to.

The tasks settings.THREADLINE_MESSAGES_TASKS names go to settings.THREADLINE_MESSAGES_QUEUE, read by
a worker of its own (docs/operations/index.md, "Queues"); everything else to Celery's default queue. A
sweep's tenant tasks (crm.tenancy.sweeps: `sweep_tenant(sweep_name, tenant_id)` and
`sweep_tenants(sweep_name, tenant_ids)`) go where their sweep goes: the outbox's claim for one
tenant waits with the sends, a neglect chunk with the other bulk work.

On the messages queue the sends (settings.THREADLINE_MESSAGES_SENDS) get
settings.THREADLINE_SENDS_PRIORITY, behind the claims that queue them (priority 0, which Redis
serves first): during a burst of thousands of sends, the next claim round still runs within
seconds. A bulk message's send is given settings.THREADLINE_BULK_SENDS_PRIORITY by its caller
(crm.tenancy.tasks.enqueue_bulk_on_commit), behind the other sends. A priority given by the caller
wins over the route's (Celery merges the route under the call's options).

Settings are read at each call (a test may rename the queues); beat's messages, `delay` and
`apply_async` all pass through here.
"""

from django.conf import settings

SWEEP_TASKS = frozenset({"crm.tenancy.sweeps.sweep_tenant", "crm.tenancy.sweeps.sweep_tenants"})


def route_task(name, args=None, kwargs=None, options=None, task=None, **_extra) -> dict | None:
    """The route of the task `name` called with `args`/`kwargs`: {"queue": …} (and a send's
    "priority"), or None for Celery's default queue."""
    if name in SWEEP_TASKS:
        if args:
            name = args[0]
        elif kwargs and "sweep_name" in kwargs:
            name = kwargs["sweep_name"]
    if name in settings.THREADLINE_MESSAGES_SENDS:
        return {
            "queue": settings.THREADLINE_MESSAGES_QUEUE,
            "priority": settings.THREADLINE_SENDS_PRIORITY,
        }
    if name in settings.THREADLINE_MESSAGES_TASKS:
        return {"queue": settings.THREADLINE_MESSAGES_QUEUE}
    return None
