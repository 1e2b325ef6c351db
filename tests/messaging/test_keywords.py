"""SMS keywords: STOP and its synonyms opt the contact out of the channel, START opts them back in,
HELP says who is texting; each is recorded and answered through the outbox, whatever the consent."""

import datetime as dt

import pytest

from crm.models import AddressSource, ConsentStatus, ContactConsent, TimelineEvent
from messaging.models import MessageSource, MessageStatus, OutboundMessage, Purpose, SandboxDelivery
from messaging.services import outbox, outbox_send
from messaging.services.keywords import keyword_of, sms_keyword_handle
from tests import factories

pytestmark = pytest.mark.django_db

# A Tuesday, 15:00 in Miami (EDT): inside SMS quiet hours (08:00–20:00).
AFTERNOON = dt.datetime(2026, 6, 9, 19, 0, tzinfo=dt.UTC)
# The same day, 23:00 in Miami.
LATE_EVENING = dt.datetime(2026, 6, 10, 3, 0, tzinfo=dt.UTC)


def _handle(world, body: str, *, channel: str = "sms", now=AFTERNOON):
    with world.active():
        return sms_keyword_handle(
            tenant=world.tenant, contact=world.contact, channel=channel, body=body, now=now
        )


def _consent(world, channel: str = "sms"):
    with world.active():
        return ContactConsent.objects.filter(contact=world.contact, channel=channel).first()


def _replies(world) -> list[OutboundMessage]:
    with world.active():
        return list(
            OutboundMessage.objects.filter(source=MessageSource.SYSTEM).order_by("created_at", "id")
        )


@pytest.mark.parametrize(
    ("body", "keyword"),
    [
        ("STOP", "STOP"),
        ("stop", "STOP"),
        ("  Stop \n", "STOP"),
        ("STOPALL", "STOP"),
        ("unsubscribe", "STOP"),
        ("Cancel", "STOP"),
        ("end", "STOP"),
        ("QUIT", "STOP"),
        ("START", "START"),
        ("yes", None),
        ("Unstop", "START"),
        ("HELP", "HELP"),
        ("info", "HELP"),
    ],
)
def test_keywords_are_whole_messages_in_any_case(body, keyword):
    assert keyword_of(body) == keyword


@pytest.mark.parametrize(
    "body", ["", "Stop by tomorrow?", "please stop", "STOP!", "yes please", "Help me with my roof"]
)
def test_anything_else_is_an_ordinary_message(world, body):
    assert keyword_of(body) is None
    assert _handle(world, body) is None
    assert _consent(world) is None
    assert _replies(world) == []


def test_stop_withdraws_consent_for_the_channel_and_confirms(world):
    assert _handle(world, "Stop") == "STOP"

    consent = _consent(world)
    assert (consent.status, consent.source) == (ConsentStatus.WITHDRAWN, "STOP reply")
    assert _consent(world, "email") is None  # only the channel the customer texted on
    with world.active():
        assert TimelineEvent.objects.filter(
            contact=world.contact,
            kind="contact.consent",
            summary="SMS consent withdrawn (STOP reply)",
        ).exists()
    (reply,) = _replies(world)
    assert reply.status == MessageStatus.SCHEDULED
    assert reply.send_after == AFTERNOON
    assert (reply.channel, reply.purpose) == ("sms", Purpose.TRANSACTIONAL)
    assert reply.contact_id == world.contact.pk
    assert reply.body_text.startswith(f"{world.brand.name}: you are unsubscribed")
    assert "Reply START" in reply.body_text


def test_the_stop_confirmation_goes_out_although_the_contact_opted_out(world):
    _handle(world, "STOP")

    with world.active():
        ids = outbox.outbox_claim_due(tenant=world.tenant, now=AFTERNOON)
        assert [
            outbox_send.message_send(tenant=world.tenant, message_id=pk, now=AFTERNOON)
            for pk in ids
        ] == ["sent"]
        delivery = SandboxDelivery.objects.get()
    assert "unsubscribed" in delivery.body_text

    # Anything else on the channel is now blocked.
    with world.active():
        later = outbox.message_schedule(
            tenant=world.tenant,
            channel="sms",
            source=MessageSource.MANUAL,
            idempotency_key="after-stop",
            contact=world.contact,
            body_text="Your roofer is on the way.",
            now=AFTERNOON,
        )
    assert later.status == MessageStatus.SUPPRESSED
    assert later.decisions[-1]["reason"] == "Blocked: the contact opted out of SMS"


def test_start_grants_consent_again(world):
    _handle(world, "STOP")
    assert _handle(world, "start", now=AFTERNOON + dt.timedelta(minutes=5)) == "START"

    consent = _consent(world)
    assert (consent.status, consent.source) == (ConsentStatus.NO_MARKETING, "START reply")
    _stop_reply, start_reply = _replies(world)
    assert start_reply.body_text.startswith(f"{world.brand.name}: you are subscribed")
    assert "Reply STOP" in start_reply.body_text


def test_help_records_nothing_but_the_timeline_and_says_who_we_are(world):
    assert _handle(world, "help") == "HELP"

    assert _consent(world) is None
    with world.active():
        event = TimelineEvent.objects.get(contact=world.contact, kind="contact.keyword")
    assert event.summary.startswith("Texted HELP by SMS")
    (reply,) = _replies(world)
    assert world.brand.name in reply.body_text
    assert world.brand.sender_email in reply.body_text
    assert "Reply STOP to unsubscribe" in reply.body_text


def test_a_keyword_on_whatsapp_changes_whatsapp_consent(world):
    assert _handle(world, "STOP", channel="whatsapp") == "STOP"

    assert _consent(world, "whatsapp").status == ConsentStatus.WITHDRAWN
    assert _consent(world, "sms") is None


def test_the_same_keyword_twice_in_a_minute_is_answered_once(world):
    _handle(world, "STOP")
    _handle(world, "STOP", now=AFTERNOON + dt.timedelta(seconds=20))

    assert len(_replies(world)) == 1
    assert _consent(world).status == ConsentStatus.WITHDRAWN


def test_the_reply_names_the_contacts_own_brand(world):
    from tests.factories import BrandFactory

    own = BrandFactory(tenant=world.tenant, name="Sunshine Solar")
    with world.active():
        world.contact.brand = own
        world.contact.save()

    _handle(world, "HELP")

    (reply,) = _replies(world)
    assert reply.brand_id == own.pk
    assert reply.body_text.startswith("Sunshine Solar:")


def test_a_stop_late_in_the_evening_is_confirmed_at_once(world):
    _handle(world, "STOP", now=LATE_EVENING)

    (reply,) = _replies(world)
    assert reply.status == MessageStatus.SCHEDULED
    assert reply.send_after == LATE_EVENING


def _stranger_phone(world) -> str:
    """A number that came with the customer's email on a web form: on the contact, unverified."""
    with world.active():
        factories.ContactPhoneFactory(
            tenant=world.tenant,
            contact=world.contact,
            number="+13055550999",
            is_primary=False,
            source=AddressSource.WEB_FORM,
            verified_at=None,
            verified_how="",
        )
        return "+13055550999"


def _own_phone(world) -> str:
    with world.active():
        return str(world.contact.phones.filter(verified_at__isnull=False).first().number)


def _handle_from(world, body: str, number: str):
    with world.active():
        return sms_keyword_handle(
            tenant=world.tenant,
            contact=world.contact,
            channel="sms",
            body=body,
            from_number=number,
            now=AFTERNOON,
        )


def test_a_stop_from_an_unverified_number_leaves_the_customers_consent_alone(world):
    stranger = _stranger_phone(world)
    before = _consent(world)

    assert _handle_from(world, "STOP", stranger) == "STOP"

    after = _consent(world)
    assert (after.status if after else None) == (before.status if before else None)
    with world.active():
        assert TimelineEvent.objects.filter(
            contact=world.contact, kind="contact.keyword_unverified"
        ).exists()
    (reply,) = _replies(world)
    assert reply.to_address == stranger  # carriers expect the number that texted to be told


def test_a_start_from_an_unverified_number_does_not_undo_the_customers_stop(world):
    stranger = _stranger_phone(world)
    own = _own_phone(world)
    _handle_from(world, "STOP", own)
    assert _consent(world).status == ConsentStatus.WITHDRAWN

    assert _handle_from(world, "START", stranger) == "START"

    assert _consent(world).status == ConsentStatus.WITHDRAWN
    (stop_reply,) = _replies(world)  # nothing confirms a START that changed nothing
    assert stop_reply.to_address == own


def test_a_stop_from_the_customers_own_number_opts_them_out_and_is_answered_there(world):
    _stranger_phone(world)
    own = _own_phone(world)

    _handle_from(world, "STOP", own)

    assert _consent(world).status == ConsentStatus.WITHDRAWN
    (reply,) = _replies(world)
    assert reply.to_address == own
