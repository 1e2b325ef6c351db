"""Bulk messages (messaging.models.BULK_SOURCES: the daily digests, a sequence's steps) go after
the messages someone is waiting on: a claim takes the others first, and the bulk ones' sends are
queued behind theirs (tests/crm/test_queues.py publishes them for real)."""

import datetime as dt

import pytest

from messaging.models import (
    BULK_SOURCES,
    MessageChannel,
    MessageSource,
    MessageStatus,
    OutboundMessage,
)
from messaging.services import outbox

pytestmark = pytest.mark.django_db

SEVEN = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


def _schedule(world, key: str, source: str, at: dt.datetime) -> int:
    recipient = (
        {"recipient_user": world.rep.user}
        if source == MessageSource.DIGEST
        else {"contact": world.contact}
    )
    return outbox.message_schedule(
        tenant=world.tenant,
        channel=MessageChannel.EMAIL,
        source=source,
        idempotency_key=key,
        subject=key,
        body_text=f"The text of {key}.",
        send_after=at,
        now=at,
        **recipient,
    ).pk


def test_the_digests_and_a_sequences_steps_are_the_bulk_sources():
    assert set(BULK_SOURCES) == {MessageSource.DIGEST, MessageSource.SEQUENCE}


def test_a_claim_takes_the_messages_someone_waits_on_before_older_bulk_ones(world):
    with world.active():
        digests = [
            _schedule(
                world, f"digest-{n}", MessageSource.DIGEST, SEVEN + n * dt.timedelta(seconds=1)
            )
            for n in range(3)
        ]
        sequence_step = _schedule(
            world, "sequence-step", MessageSource.SEQUENCE, SEVEN - dt.timedelta(seconds=1)
        )
        reply = _schedule(world, "reply", MessageSource.MANUAL, SEVEN + MINUTE)
        sign_in = _schedule(world, "sign-in", MessageSource.PORTAL_SIGN_IN, SEVEN + 2 * MINUTE)
        later = _schedule(world, "later", MessageSource.MANUAL, SEVEN + 10 * MINUTE)

        first = outbox.outbox_claim(tenant=world.tenant, now=SEVEN + 3 * MINUTE, limit=3)
        second = outbox.outbox_claim(tenant=world.tenant, now=SEVEN + 3 * MINUTE, limit=3)
        third = outbox.outbox_claim(tenant=world.tenant, now=SEVEN + 3 * MINUTE, limit=3)

        statuses = dict(OutboundMessage.objects.values_list("pk", "status"))

    # The limit holds across both kinds; the bulk ones oldest first, with what it leaves.
    assert (first.first, first.bulk) == ([reply, sign_in], [sequence_step])
    assert (second.first, second.bulk) == ([], digests)
    assert (third.first, third.bulk) == ([], [])
    assert first.ids == [reply, sign_in, sequence_step]
    assert outbox.outbox_claim_due(tenant=world.tenant, now=SEVEN + 3 * MINUTE) == []
    assert statuses[later] == MessageStatus.SCHEDULED  # not due yet
    assert {statuses[pk] for pk in [*digests, sequence_step, reply, sign_in]} == {
        MessageStatus.QUEUED
    }


def test_a_full_batch_of_waited_on_messages_leaves_the_bulk_ones_for_the_next_claim(world):
    with world.active():
        digest = _schedule(world, "digest", MessageSource.DIGEST, SEVEN)
        replies = [
            _schedule(world, f"reply-{n}", MessageSource.MANUAL, SEVEN + MINUTE) for n in range(2)
        ]

        full = outbox.outbox_claim(tenant=world.tenant, now=SEVEN + 2 * MINUTE, limit=2)
        after = outbox.outbox_claim(tenant=world.tenant, now=SEVEN + 2 * MINUTE, limit=2)

    assert sorted(full.first) == replies
    assert full.bulk == []
    assert (after.first, after.bulk) == ([], [digest])


def test_a_bulk_message_whose_lease_ran_out_is_claimed_again_with_the_first(world):
    """A row queued whose task never ran (a broker outage) has waited longest: it goes first."""
    with world.active():
        digest = _schedule(world, "digest", MessageSource.DIGEST, SEVEN)
        assert outbox.outbox_claim(tenant=world.tenant, now=SEVEN).bulk == [digest]

        again = outbox.outbox_claim(tenant=world.tenant, now=SEVEN + outbox.QUEUED_LEASE + MINUTE)

    assert (again.first, again.bulk) == ([digest], [])
