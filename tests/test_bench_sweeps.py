"""bench/sweeps/run.py plays beat as beat started with the run does: each entry sent when its
schedule (crm.schedules.every) says it is due, with its beat options, so the benchmark measures the
hourly sweeps at their own minutes, not all at its start. Sent for real to this run's queue."""

import datetime as dt

import pytest
from django.conf import settings
from kombu import Exchange, Queue

from bench.sweeps import run
from config.celery import app as celery_app
from crm.schedules import beat_entry


@pytest.fixture
def sent():
    """The messages sent to this run's default queue; purged before and after. Read with
    basic_get, not a consumer: a consumer's polling restores the broker's unacknowledged messages
    it thinks are an hour old, those of another test process's frozen clock included."""
    name = settings.CELERY_TASK_DEFAULT_QUEUE
    with celery_app.connection_for_write() as connection:
        bound = Queue(name, Exchange(name), routing_key=name).bind(connection.default_channel)
        bound.declare()
        bound.purge()

        def drain() -> list:
            messages = []
            while (message := bound.get(no_ack=True)) is not None:
                messages.append(message)
            return messages

        yield drain
        bound.purge()


def test_beat_played_sends_each_entry_at_its_due_times_only(sent):
    schedule = {
        "often": beat_entry("bench.test.often", dt.timedelta(seconds=1)),
        # An hour away at least: never due within the run.
        "hourly": beat_entry(
            "bench.test.hourly",
            dt.timedelta(days=1),
            dt.timedelta(hours=(dt.datetime.now(dt.UTC).hour + 12) % 24),
        ),
    }

    rounds = run.play_beat(schedule, minutes=2.5 / 60)

    played = [one.sweep for one in rounds.values()]
    assert set(played) == {"bench.test.often"}
    assert 2 <= len(played) <= 3  # each whole second of the 2.5, not one at the start and more
    messages = sent()
    assert [m.headers["task"] for m in messages] == played
    assert {m.headers["id"] for m in messages} == set(rounds)
    for message in messages:
        assert message.headers["expires"] is not None  # beat's option: the next due time
