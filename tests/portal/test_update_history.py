"""The portal's Update history: the job updates, trigger and quote messages that went out to the
customer, newest first, a page at a time; never sign-in codes, conversation replies, messages not
sent, or anybody else's."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from messaging.models import MessageSource
from messaging.services import outbox, outbox_send
from tests import factories
from tests.factories import lead_for
from tests.portal.helpers import portal_sign_in

pytestmark = pytest.mark.django_db

PAGE = reverse("portal:updates")
LONG_UPDATE = (
    "Hello,\nThe crew finished the tear-off.\nThe underlayment is on.\nShingles next.\nBye"
)


def _sent(world, contact, source, text, *, days_ago, channel="email", lead=None, subject=""):
    """A message scheduled and sent `days_ago` days ago at noon in New York, as the worker does."""
    at = (timezone.now() - dt.timedelta(days=days_ago)).replace(hour=17, minute=0)
    with world.active():
        message = outbox.message_schedule(
            tenant=world.tenant,
            channel=channel,
            source=source,
            idempotency_key=f"test:{contact.pk}:{source}:{days_ago}",
            contact=contact,
            lead=lead,
            subject=subject,
            body_text=text,
            now=at,
        )
        for message_id in outbox.outbox_claim_due(tenant=world.tenant, now=at):
            assert (
                outbox_send.message_send(tenant=world.tenant, message_id=message_id, now=at)
                == "sent"
            )
    return message


def _history(world):
    job = lead_for(world, title="Roof replacement")
    contact = world.contact
    _sent(world, contact, MessageSource.UPDATE, LONG_UPDATE, days_ago=9, lead=job, subject="Week 1")
    _sent(world, contact, MessageSource.QUOTE, "Your quote is ready", days_ago=6, subject="Quote")
    _sent(world, contact, MessageSource.UPDATE, "Work starts Monday", days_ago=3, channel="sms")
    # Not updates: a sign-in code, a conversation reply, and one still waiting to go.
    _sent(world, contact, MessageSource.PORTAL_SIGN_IN, "123456 is your code", days_ago=2)
    _sent(world, contact, MessageSource.MANUAL, "Thanks for your call", days_ago=1)
    with world.active():
        outbox.message_schedule(
            tenant=world.tenant,
            channel="email",
            source=MessageSource.UPDATE,
            idempotency_key="test:later",
            contact=contact,
            body_text="Not sent yet",
            send_after=timezone.now() + dt.timedelta(days=1),
        )
    return job


def test_the_history_lists_what_went_out_newest_first_with_its_job(
    client, world, django_assert_max_num_queries
):
    job = _history(world)
    portal_sign_in(client, world.tenant, world.contact)

    with django_assert_max_num_queries(10):
        response = client.get(PAGE)

    html = response.content.decode()
    assert response.status_code == 200
    assert f'href="{PAGE}" aria-current="page"' in html
    lines = response.context["history"].lines
    assert [line.message.body_text for line in lines] == [
        "Work starts Monday",
        "Your quote is ready",
        LONG_UPDATE,
    ]
    assert [line.message.channel for line in lines] == ["sms", "email", "email"]
    job_link = reverse("portal:job", kwargs={"job_pk": job.pk})
    assert f'About <a href="{job_link}">Roof replacement</a>' in html
    assert "Read it all" in html  # the long one shows its first lines, the rest on request
    for absent in ("123456", "Thanks for your call", "Not sent yet"):
        assert absent not in html


def test_older_updates_come_a_page_at_a_time(client, world, monkeypatch):
    monkeypatch.setattr("portal.selectors.update_history.UPDATES_PER_PAGE", 2)
    _history(world)
    portal_sign_in(client, world.tenant, world.contact)

    first = client.get(PAGE)
    cursor = first.context["history"].next_cursor
    second = client.get(PAGE, {"after": cursor})

    assert len(first.context["history"].lines) == 2
    assert [line.message.subject for line in second.context["history"].lines] == ["Week 1"]
    assert second.context["history"].next_cursor is None
    assert "Back to the newest" in second.content.decode()


def test_another_customers_updates_are_never_shown(client, world, other_world):
    _history(world)
    neighbour = factories.ContactFactory(tenant=world.tenant)
    factories.ContactEmailFactory(tenant=world.tenant, contact=neighbour)
    _sent(world, neighbour, MessageSource.UPDATE, "Neighbour's skylight update", days_ago=4)
    _sent(other_world, other_world.contact, MessageSource.UPDATE, "Charger update", days_ago=4)

    portal_sign_in(client, world.tenant, world.contact)
    mine = client.get(PAGE).content.decode()
    portal_sign_in(client, world.tenant, neighbour)
    theirs = client.get(PAGE).content.decode()
    portal_sign_in(client, other_world.tenant, other_world.contact)
    elsewhere = client.get(PAGE).content.decode()

    assert "Work starts Monday" in mine
    assert "skylight" not in mine and "Charger" not in mine
    assert "Neighbour&#x27;s skylight update" in theirs
    assert "Work starts Monday" not in theirs and "Charger" not in theirs
    assert "Charger update" in elsewhere
    assert "Work starts Monday" not in elsewhere and "skylight" not in elsewhere


def test_updates_that_never_reached_the_customer_are_not_in_the_history(client, world):
    """Blocked after STOP, bounced or failed after it was sent (one still waiting is in
    _history): the team's outbox shows why; the customer's history holds only what reached
    them."""
    from crm.models import ConsentStatus
    from crm.services.consent import consent_record
    from messaging.models import MessageStatus, OutboundMessage

    contact = world.contact
    _sent(world, contact, MessageSource.UPDATE, "This update arrived", days_ago=2)
    bounced = _sent(world, contact, MessageSource.UPDATE, "This one bounced", days_ago=3)
    failed = _sent(world, contact, MessageSource.QUOTE, "The carrier gave up", days_ago=4)
    with world.active():
        OutboundMessage.objects.filter(pk=bounced.pk).update(status=MessageStatus.BOUNCED)
        OutboundMessage.objects.filter(pk=failed.pk).update(status=MessageStatus.FAILED)
        consent_record(
            tenant=world.tenant,
            contact=contact,
            channel="sms",
            status=ConsentStatus.WITHDRAWN,
            source="STOP reply",
        )
        blocked = outbox.message_schedule(
            tenant=world.tenant,
            channel="sms",
            source=MessageSource.UPDATE,
            idempotency_key="test:after-stop",
            contact=contact,
            body_text="Texted after the STOP",
        )
    assert blocked.status == MessageStatus.SUPPRESSED
    portal_sign_in(client, world.tenant, contact)

    html = client.get(PAGE).content.decode()

    assert "This update arrived" in html
    for never_told in (
        "This one bounced",
        "The carrier gave up",
        "Texted after the STOP",
    ):
        assert never_told not in html
