import functools
import logging

from celery import shared_task
from django.conf import settings
from django.db import transaction

from crm.logging import bind_log_context, log_context
from crm.tenancy.context import tenant_context

logger = logging.getLogger(__name__)


def tenant_task(*, aliases: tuple[str, ...] = (), **task_options):
    """A Celery task whose first argument is ``tenant_id``; the function runs in that tenant.

    The function itself receives the Tenant. Options go to ``shared_task`` (acks_late and friends
    are set globally in settings); ``name`` keeps a task's registered name when its module moves.
    ``aliases``: names it had before a rename, registered too so tasks queued under them still run.
    """

    def decorator(func):
        name = task_options.pop("name", f"{func.__module__}.{func.__name__}")

        @functools.wraps(func)
        def run(tenant_id: int, *args, **kwargs):
            from crm.models import Tenant

            tenant = Tenant.objects.get(pk=tenant_id)
            token = bind_log_context(tenant=tenant.slug)
            try:
                with tenant_context(tenant):
                    return func(tenant, *args, **kwargs)
            finally:
                log_context.reset(token)

        for alias in aliases:
            shared_task(name=alias, **task_options)(run)
        return shared_task(name=name, **task_options)(run)

    return decorator


class TaskNamed:
    """An app's Celery task found by its name when it is sent (`.delay`, `.apply_async`): a
    service enqueues its app's task through this without importing the tasks module, which
    imports the service (each app's `queued_tasks.py` names them)."""

    def __init__(self, name: str):
        self.name = name

    def __getattr__(self, attribute: str):
        from celery import current_app

        if self.name not in current_app.tasks:
            # A process that imported no tasks module yet (the web's, a command's) registers
            # every app's tasks as a worker does at start.
            current_app.loader.import_default_modules()
        return getattr(current_app.tasks[self.name], attribute)

    def __repr__(self) -> str:
        return f"TaskNamed({self.name!r})"


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Send the task once the current transaction commits, so the worker sees what it refers to."""
    transaction.on_commit(functools.partial(task.delay, *args, **kwargs))


def enqueue_bulk_on_commit(task, *args) -> None:
    """enqueue_on_commit for one of many sends with nobody waiting on it (a digest): queued behind
    the sends someone is waiting on (crm.tenancy.queues)."""
    options = {"priority": settings.THREADLINE_BULK_SENDS_PRIORITY}
    transaction.on_commit(functools.partial(task.apply_async, args, **options))


def each_tenant(sweep) -> int:
    """Run a beat sweep `sweep(tenant=...)` in every tenant's context; the sum of what it returns.

    One tenant's failure (its data, or a bug it alone triggers) is logged and the sweep goes on to
    the others: no tenant's reminders wait on another's error.
    """
    from crm.models import Tenant

    done = 0
    for tenant in Tenant.objects.all().order_by("pk"):
        try:
            with tenant_context(tenant):
                done += sweep(tenant=tenant)
        except Exception:
            logger.exception("%s failed for tenant %s", sweep.__name__, tenant.slug)
    return done
