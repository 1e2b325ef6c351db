"""Two queues (config/settings/base.py, crm/tenancy/queues.py, docs/operations/index.md "Queues"): what a
customer or a rep waits on (the outbox, reminders, outbound webhooks, inbound events) goes to the
messages queue, read by a worker of its own; the sweeps' bulk, rollups and the rest to the
default queue, so a 5-second outbox round never waits for processes busy with long chunks.

The routing is read from the real Celery app under production settings (in a process of its own:
the test settings put both on the run's one queue), and published for real to this run's broker.
"""

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone
from kombu import Exchange, Queue

from config.celery import app as celery_app
from crm.tenancy.sweeps import fan_out, sweep_tenant, sweep_tenants
from followups import tasks as followup_tasks
from messaging import tasks as messaging_tasks
from messaging.models import MessageChannel, MessageSource
from messaging.services import outbox
from tests.test_project_files import production_json
from tickets import tasks as ticket_tasks
from webhooks import tasks as webhook_tasks

# What someone waits on: each claim sweep, its per-row task, and inbound processing.
MESSAGES_TASKS = {
    "comms.tasks.dispatch_due_messages",
    "comms.tasks.send_message",
    "followups.tasks.dispatch_due_reminders",
    "followups.tasks.send_reminder",
    "webhooks.tasks.dispatch_due_webhooks",
    "webhooks.tasks.send_webhook",
    "tickets.tasks.process_inbound_event",
    "gateway.tasks.process_provider_event",
    # Not waited on, but a provider's side of a send: never in the sweeps' way.
    "messaging.tasks.sandbox_report",
    # A member's copies of notifications: written beside the sends, not in the sweep's task.
    "messaging.tasks.schedule_staff_copies",
}
# Long bulk work that must not be on it (the benchmark's slow ones among them).
BULK_SWEEPS = {
    "followups.tasks.sweep_missed_follow_ups",
    "followups.tasks.sweep_neglected_leads",
    "leads.tasks.refresh_lead_priorities",
    "dashboards.tasks.keep_figures_fresh",
    "crm.tasks.purge_old_notifications",
}

ROUTES_UNDER_PRODUCTION = """
import json, django
django.setup()
from django.conf import settings
from config.celery import app
app.loader.import_default_modules()  # every app's tasks, as a worker starts
router = app.amqp.router
def queue(name, args=(), options=None):
    return router.route(dict(options or {}), name, args)["queue"].name
def priority(name, args=(), options=None):
    return router.route(dict(options or {}), name, args).get("priority")
claims = [app.tasks[name].sweep for name in (
    "comms.tasks.dispatch_due_messages", "followups.tasks.dispatch_due_reminders",
    "webhooks.tasks.dispatch_due_webhooks")]
beat = {e["task"]: queue(e["task"], options=e["options"]) for e in settings.CELERY_BEAT_SCHEDULE.values()}
print(json.dumps({
    "tasks": {name: queue(name) for name in app.tasks if not name.startswith("celery.")},
    "beat": beat,
    "tenant_tasks": {
        name: [queue("crm.tenancy.sweeps.sweep_tenant", [name, 1]),
               queue("crm.tenancy.sweeps.sweep_tenants", [name, [1, 2]])]
        for name in beat
    },
    "priorities": {name: priority(name) for name in settings.THREADLINE_MESSAGES_TASKS},
    "claim_priorities": [
        priority("crm.tenancy.sweeps.sweep_tenant", [sweep.name, 1], {"priority": sweep.priority})
        for sweep in claims
    ],
    "worker_without_q": sorted(app.amqp.queues),
    "bindings": {name: [q.exchange.name, q.routing_key] for name, q in app.amqp.queues.items()},
}))
"""


@pytest.fixture(scope="module")
def production_routes() -> dict:
    return production_json(ROUTES_UNDER_PRODUCTION, DJANGO_SECRET_KEY="queues-test-key-" + "x" * 40)


def test_each_time_critical_task_goes_to_the_messages_queue(production_routes):
    tasks = production_routes["tasks"]

    assert set(tasks) >= MESSAGES_TASKS
    for name in MESSAGES_TASKS:
        assert tasks[name] == "messages", name


def test_every_other_task_goes_to_the_default_queue(production_routes):
    others = {
        name: q for name, q in production_routes["tasks"].items() if name not in MESSAGES_TASKS
    }

    assert set(others) >= BULK_SWEEPS
    assert "leads.tasks.run_lead_import" in others
    assert set(others.values()) == {"celery"}


def test_beat_sends_the_claim_sweeps_to_the_messages_queue_and_the_rest_to_the_default(
    production_routes,
):
    beat = production_routes["beat"]

    assert {name for name, q in beat.items() if q == "messages"} == {
        "comms.tasks.dispatch_due_messages",
        "followups.tasks.dispatch_due_reminders",
        "webhooks.tasks.dispatch_due_webhooks",
    }
    assert {name for name, q in beat.items() if q == "celery"} >= BULK_SWEEPS


def test_a_sweeps_tenant_tasks_go_where_the_sweep_goes(production_routes):
    for name, (single, chunk) in production_routes["tenant_tasks"].items():
        assert single == chunk == production_routes["beat"][name], name


def test_a_worker_started_without_q_reads_both_queues_each_on_its_own_binding(production_routes):
    """The one-worker set-up (`celery -A config worker`) still sends messages; and a message for
    one queue is not also delivered to the other (each its own exchange and routing key)."""
    assert production_routes["worker_without_q"] == ["celery", "messages"]
    assert production_routes["bindings"] == {
        "celery": ["celery", "celery"],
        "messages": ["messages", "messages"],
    }


# --- Published for real ----------------------------------------------------------------------


@pytest.fixture
def queues():
    """This run's default queue and a messages queue of its own: the tasks each received."""
    names = {
        "default": settings.CELERY_TASK_DEFAULT_QUEUE,
        "messages": f"{settings.CELERY_TASK_DEFAULT_QUEUE}-messages",
    }
    with celery_app.connection_for_write() as connection:
        bound = {key: Queue(name, Exchange(name), routing_key=name) for key, name in names.items()}
        bound = {key: one.bind(connection.default_channel) for key, one in bound.items()}
        for one in bound.values():
            one.declare()
            one.purge()

        def drain(*, with_args: bool = False) -> dict[str, list]:
            """Each queue's tasks by name (`with_args`: (name, repr of the arguments))."""
            received = {key: [] for key in bound}
            for key, one in bound.items():
                while (message := one.get(no_ack=True)) is not None:  # not waiting: basic_get
                    task = message.headers["task"]
                    received[key].append((task, message.headers["argsrepr"]) if with_args else task)
            return received

        with override_settings(THREADLINE_MESSAGES_QUEUE=names["messages"]):
            yield drain
        for one in bound.values():
            one.purge()


def test_the_outbox_claim_and_its_sends_are_published_to_the_messages_queue_only(world, queues):
    with world.active():
        outbox.message_schedule(
            tenant=world.tenant,
            channel=MessageChannel.EMAIL,
            source=MessageSource.MANUAL,
            idempotency_key="queues-test",
            contact=world.contact,
            subject="Roof update",
            body_text="The crew arrives at 8 tomorrow.",
        )

    assert fan_out(messaging_tasks.dispatch_due_messages.sweep) == 1
    messaging_tasks.send_message.delay(world.tenant.pk, 1)
    messaging_tasks.dispatch_due_messages.delay()  # as beat sends it

    # Read as a worker reads them, priority first: the claims ahead of the send queued before.
    assert queues() == {
        "default": [],
        "messages": [
            sweep_tenant.name,
            messaging_tasks.dispatch_due_messages.name,
            messaging_tasks.send_message.name,
        ],
    }


def test_a_claim_round_is_taken_before_the_sends_queued_ahead_of_it(world, queues):
    """A burst of sends fills the messages queue; the next claim rounds (beat's fan-out and a
    tenant's claim, every 5 or 15 s) still come first, so they keep their interval."""
    for message_id in range(1, 51):
        messaging_tasks.send_message.delay(world.tenant.pk, message_id)
    followup_tasks.send_reminder.delay(world.tenant.pk, 1)
    webhook_tasks.send_webhook.delay(world.tenant.pk, 1)
    followup_tasks.dispatch_due_reminders.delay()  # as beat sends it
    sweep_tenant.apply_async(
        ("comms.tasks.dispatch_due_messages", world.tenant.pk),
        priority=messaging_tasks.dispatch_due_messages.sweep.priority,
    )
    ticket_tasks.process_inbound_event.delay(world.tenant.pk, 1)

    received = queues()["messages"]
    assert received[:3] == [
        followup_tasks.dispatch_due_reminders.name,
        sweep_tenant.name,
        ticket_tasks.process_inbound_event.name,
    ]
    assert len(received) == 3 + 52
    assert set(received[3:]) == {
        messaging_tasks.send_message.name,
        followup_tasks.send_reminder.name,
        webhook_tasks.send_webhook.name,
    }


def test_a_reply_claimed_after_a_round_of_digests_is_sent_before_them(
    world, queues, django_capture_on_commit_callbacks
):
    """The digest hour queues thousands of digests' sends: a rep's reply claimed in a later round
    still goes first (and within one round, the claim takes it first)."""
    now = timezone.now()

    def schedule(key, source, **recipient) -> int:
        return outbox.message_schedule(
            tenant=world.tenant,
            channel=MessageChannel.EMAIL,
            source=source,
            idempotency_key=key,
            subject=key,
            body_text=key,
            now=now,
            **recipient,
        ).pk

    def claim_round(expected: int) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            assert messaging_tasks.dispatch_due_messages.sweep.run(tenant=world.tenant) == expected

    with world.active():
        digest = schedule("digest", MessageSource.DIGEST, recipient_user=world.rep.user)
        step = schedule("sequence-step", MessageSource.SEQUENCE, contact=world.contact)
        claim_round(2)
        reply = schedule("reply", MessageSource.MANUAL, contact=world.contact)
        claim_round(1)

    send = messaging_tasks.send_message.name
    received = queues(with_args=True)["messages"]
    assert received[0] == (send, f"({world.tenant.pk}, {reply})")
    # The two bulk sends in either order: due at the same moment, claimed by one statement.
    assert sorted(received[1:]) == sorted(
        [(send, f"({world.tenant.pk}, {digest})"), (send, f"({world.tenant.pk}, {step})")]
    )


def test_the_sends_queue_behind_the_claims_and_inbound_events(production_routes):
    priorities = production_routes["priorities"]

    assert priorities == {
        "comms.tasks.dispatch_due_messages": None,  # Redis: 0, served first
        "comms.tasks.send_message": 3,
        "followups.tasks.dispatch_due_reminders": None,
        "followups.tasks.send_reminder": 3,
        "webhooks.tasks.dispatch_due_webhooks": None,
        "webhooks.tasks.send_webhook": 3,
        "tickets.tasks.process_inbound_event": None,
        "gateway.tasks.process_provider_event": None,
        # Due seconds after it is published: a worker holds it until then, whatever its priority.
        "messaging.tasks.sandbox_report": None,
        "messaging.tasks.schedule_staff_copies": 3,  # writes sends: behind the claims too
    }
    # Each claim's tenant tasks too (the sweep's priority, given on the call, wins the route's).
    assert production_routes["claim_priorities"] == [0, 0, 0]


def test_a_bulk_sweep_is_published_to_the_default_queue_only(world, queues):
    followup_tasks.sweep_neglected_leads()  # the fan-out: every tenant, in chunks

    assert queues() == {"default": [sweep_tenants.name], "messages": []}
