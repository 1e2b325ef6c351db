"""What the app that scheduled an outbox row says about it when the row is sent or shown.

A trigger's message keeps the id of the step that scheduled it (`trigger_step_id`); the step is
automation's, which sits above the outbox, so automation registers a `Scheduler` for its source
(automation/outbox.py, at its app's ready) and the outbox asks it instead of reading the step.
"""

from collections.abc import Callable
from dataclasses import dataclass

from messaging.models import MessageTemplate, OutboundMessage


@dataclass(frozen=True)
class Origin:
    kind: str  # translated: "trigger"
    name: str
    url: str


@dataclass(frozen=True)
class Scheduler:
    # Why the message should no longer go (a stored message), or None: checked before sending.
    stale_reason: Callable[[OutboundMessage], dict | None]
    # The template it sends now (its scheduler's current choice), or None for the row's own.
    template: Callable[[OutboundMessage], MessageTemplate | None]
    # Whether it reminds the customer of a silence: it does not restart the wait it is about.
    reminds_of_silence: Callable[[OutboundMessage], bool]
    # What scheduled it, for the message's page, or None.
    origin: Callable[[OutboundMessage], "Origin | None"]


_schedulers: dict[str, Scheduler] = {}


def register_scheduler(source: str, scheduler: Scheduler) -> None:
    _schedulers[source] = scheduler


def scheduler_of(message: OutboundMessage) -> Scheduler | None:
    return _schedulers.get(message.source)


def message_origin(message: OutboundMessage) -> Origin | None:
    scheduler = scheduler_of(message)
    return scheduler.origin(message) if scheduler is not None else None
