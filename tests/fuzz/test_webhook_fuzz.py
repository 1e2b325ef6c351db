"""Fuzzing the webhooks with hypothesis: inbound texts (Twilio's form), inbound email (Postmark's
JSON and Mailgun's raw MIME, through anymail), and delivery reports (Twilio's status callback,
Postmark's tracking events), each post correctly signed, so the fuzzed values reach our code.

Whatever a provider posts: never a 5xx (the provider would retry it for days), a 400 only for a
post we cannot use, and an accepted inbound message is stored and then threaded (no event lost
to a payload our processing cannot read). Each example's writes are rolled back.
"""

import base64
import json
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st

from tests.fuzz.budget import any_text, fuzz_settings, rolled_back, short_text
from tests.tickets.test_inbound_webhooks import (
    INBOX_EMAIL,
    INBOX_NUMBER,
    PLATFORM_TOKEN,
    SITE,
    basic_auth,
    fixture,
    mailgun_mime,
    open_desk,
    post_mailgun,
    post_postmark,
    post_twilio,
    twilio_signature,
)
from tickets.models import EventStatus, InboundEvent, UnroutedInbound
from tickets.services import ingest

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(world, settings):
    settings.THREADLINE_SITE_URL = SITE
    settings.TWILIO_AUTH_TOKEN = PLATFORM_TOKEN
    return open_desk(world)


def _stored(world) -> tuple[list[InboundEvent], int]:
    with world.active():
        events = list(InboundEvent.objects.filter(tenant=world.tenant))
    return events, UnroutedInbound.objects.count()


def _threaded(world, event: InboundEvent) -> None:
    """Process the event as its task would; it must end processed, not failed or dead."""
    with world.active():
        outcome = ingest.inbound_event_process(tenant=world.tenant, event_id=event.pk)
        event.refresh_from_db()
    assert event.status == EventStatus.PROCESSED, (outcome, event.last_error)


# --- Twilio: inbound SMS / WhatsApp -----------------------------------------------------------------

TWILIO_FIELDS = (
    "Body",
    "NumMedia",
    "MediaUrl0",
    "MediaContentType0",
    "ProfileName",
    "WaId",
    "NumSegments",
    "FromCity",
)


@st.composite
def twilio_forms(draw):
    form = {name: draw(any_text) for name in TWILIO_FIELDS if draw(st.booleans())}
    form.update(draw(st.dictionaries(short_text.filter(str.strip), any_text, max_size=3)))
    if draw(st.integers(0, 9)):  # mostly a post Twilio would make: a sid, a sender, our number
        sid = "SM" + draw(st.text("0123456789abcdef", min_size=1, max_size=32))
        form["MessageSid"] = draw(st.sampled_from([sid, sid + draw(any_text)]))
        form["From"] = draw(
            st.one_of(
                st.from_regex(r"\A(whatsapp:)?\+1[2-9]\d{9}\Z"),
                any_text.filter(str.strip),
            )
        )
        form["To"] = draw(
            st.sampled_from([INBOX_NUMBER, f"whatsapp:{INBOX_NUMBER}", "+14155550123"])
        )
    return form


@fuzz_settings(60)
@given(form=twilio_forms())
@example(form={"MessageSid": "SM1", "From": "+17865550142", "To": INBOX_NUMBER, "Body": "a\x00b"})
@example(form={"MessageSid": "SM2", "From": "+17865550142", "To": INBOX_NUMBER, "NumMedia": "x"})
@example(form={"MessageSid": "SM3", "From": "whatsapp:", "To": f"whatsapp:{INBOX_NUMBER}"})
@example(form={"MessageSid": "SM4", "From": "+1786", "To": INBOX_NUMBER, "NumMedia": "-3"})
def test_any_signed_twilio_text_is_stored_and_threaded_or_refused_with_400(
    client, world, desk, form
):
    with rolled_back():
        response = post_twilio(client, form)

        assert response.status_code in (200, 400), response.content[:500]
        events, unrouted = _stored(world)
        if response.status_code == 400:
            assert (events, unrouted) == ([], 0)
            return
        assert len(events) + unrouted == 1
        for event in events:
            _threaded(world, event)


@st.composite
def twilio_status_forms(draw):
    form = {
        "MessageSid": draw(st.one_of(any_text, st.just("SM" + "a" * 32))),
        "MessageStatus": draw(
            st.one_of(
                any_text,
                st.sampled_from(["queued", "sent", "delivered", "read", "undelivered", "failed"]),
            )
        ),
        "From": draw(st.sampled_from([INBOX_NUMBER, "+14155550123", ""])),
    }
    if draw(st.booleans()):
        form["ErrorCode"] = draw(st.one_of(any_text, st.integers().map(str)))
    return {name: value for name, value in form.items() if value or draw(st.booleans())}


@fuzz_settings(40)
@given(form=twilio_status_forms())
@example(form={"MessageSid": "SM1", "MessageStatus": "failed", "ErrorCode": "3e5"})
@example(form={"MessageSid": "SM\x00", "MessageStatus": "delivered"})
def test_any_signed_twilio_status_callback_is_answered_200_or_400(client, world, desk, form):
    url = reverse("tickets-public:twilio-status")
    signature = twilio_signature(form, url=SITE + url)
    with rolled_back():
        response = client.post(
            url,
            urlencode(form),
            content_type="application/x-www-form-urlencoded",
            headers={"X-Twilio-Signature": signature},
        )
    assert response.status_code in (200, 400), response.content[:500]


# --- Email: Postmark's JSON and Mailgun's raw MIME ----------------------------------------------------


# What Postmark posts: header values already unfolded (one line), addresses it could parse,
# attachments with content. A line break in a Subject, an empty From address or an empty
# attachment makes anymail's parser raise: such posts are kept raw (the test below).
one_line = any_text.map(lambda text: " ".join(text.splitlines()))
addresses = st.one_of(st.emails(), st.sampled_from(["a@b.example", '"Ana, S"@example.com']))


@st.composite
def postmark_posts(draw):
    payload = fixture("postmark_inbound.json")
    for name in ("TextBody", "HtmlBody", "StrippedTextReply"):
        if draw(st.booleans()):
            payload[name] = draw(any_text)
    for name in ("Subject", "Date", "MessageID"):
        if draw(st.booleans()):
            payload[name] = draw(one_line)
    if draw(st.booleans()):
        payload["FromFull"] = {"Email": draw(addresses), "Name": draw(one_line), "MailboxHash": ""}
    if draw(st.booleans()):
        payload["Headers"] = [
            {"Name": draw(st.from_regex(r"\AX-[A-Za-z0-9-]{1,20}\Z")), "Value": draw(one_line)}
            for _ in range(draw(st.integers(0, 4)))
        ]
    if draw(st.booleans()):
        payload["Attachments"] = [
            {
                "Name": draw(one_line),
                "Content": base64.b64encode(draw(st.binary(min_size=1, max_size=200))).decode(),
                "ContentType": draw(st.sampled_from(["application/pdf", "image/png", ""])),
                "ContentLength": draw(st.integers(0, 10**6)),
            }
            for _ in range(draw(st.integers(0, 2)))
        ]
    if draw(st.booleans()):
        payload["ToFull"] = [{"Email": draw(addresses), "Name": "", "MailboxHash": ""}]
    return payload


@fuzz_settings(12)
@given(payload=postmark_posts())
@example(
    payload={
        **fixture("postmark_inbound.json"),
        "Attachments": [{"Name": "😍", "Content": "aGk=", "ContentType": "", "ContentLength": 2}],
    }
)
def test_any_postmark_inbound_post_is_stored_and_threaded_never_5xx(client, world, desk, payload):
    with rolled_back():
        response = post_postmark(client, payload)

        assert response.status_code in (200, 400), response.content[:500]
        events, unrouted = _stored(world)
        if response.status_code == 200:
            assert len(events) + unrouted == 1
        for event in events:
            _threaded(world, event)


@pytest.mark.parametrize(
    "change",
    [
        {"FromFull": {"Email": "", "Name": "No Address", "MailboxHash": ""}},
        {"Subject": "Two\r\nlines"},
        {"Attachments": [{"Name": "empty.txt", "Content": "", "ContentType": "text/plain"}]},
    ],
    ids=["empty-from", "subject-with-a-line-break", "empty-attachment"],
)
def test_postmark_posts_anymail_cannot_parse_are_shown_to_their_tenant_once_never_5xx(
    client, world, desk, change
):
    """anymail's parser raises on these; tickets/anymail_urls.py answers 200 (so Postmark does not
    retry it to death) and shows the post, once however often it comes, in the Inbound log of
    the tenant it was addressed to, with the reason and the post to download."""
    payload = {**fixture("postmark_inbound.json"), **change}

    assert post_postmark(client, payload).status_code == 200
    assert post_postmark(client, payload).status_code == 200  # Postmark's retry

    assert not UnroutedInbound.objects.exists()
    with world.active():
        (kept,) = InboundEvent.objects.filter(tenant=world.tenant)
    assert kept.status == EventStatus.UNREADABLE
    assert kept.last_error.startswith("Postmark post could not be read: ")
    assert json.loads(bytes(kept.provider_post)) == payload


@fuzz_settings(25)
@given(raw=st.binary(max_size=3000), headers=st.lists(any_text, max_size=4))
@example(raw=b"\xff\xfe\x00\x00", headers=[])
@example(raw=b"Content-Type: multipart/mixed; boundary=\r\n\r\n--\r\n", headers=["From: \x00"])
def test_any_raw_mime_through_mailgun_is_stored_and_threaded_never_5xx(
    client, world, desk, raw, headers
):
    """Random bytes after a few (maybe broken) header lines, addressed to the inbox."""
    message = "".join(f"{line}\r\n" for line in headers).encode("utf-8", "replace") + raw
    with rolled_back():
        response = post_mailgun(
            client, mailgun_mime(message, recipient=INBOX_EMAIL, token="f" * 50)
        )

        assert response.status_code in (200, 400), response.content[:500]
        events, unrouted = _stored(world)
        if response.status_code == 200:
            assert len(events) + unrouted == 1
        for event in events:
            _threaded(world, event)


# --- Delivery reports: Postmark's tracking webhook ------------------------------------------------


@st.composite
def postmark_events(draw):
    kind = draw(
        st.one_of(
            st.sampled_from(
                ["Delivery", "Bounce", "SpamComplaint", "Open", "Click", "SubscriptionChange"]
            ),
            short_text,
        )
    )
    payload = {
        "RecordType": kind,
        "MessageID": draw(st.one_of(st.uuids().map(str), any_text)),
        "Recipient": draw(any_text),
        "Email": draw(any_text),
        "DeliveredAt": draw(st.one_of(any_text, st.just("2026-06-09T19:00:00Z"))),
        "BouncedAt": draw(st.one_of(any_text, st.just("2026-06-09T19:00:00Z"))),
        "Type": draw(st.one_of(short_text, st.sampled_from(["HardBounce", "SoftBounce"]))),
        "TypeCode": draw(st.integers(-(2**40), 2**40)),
        "Metadata": draw(
            st.dictionaries(
                st.sampled_from(["tenant", "message", "other"]),
                st.one_of(any_text, st.integers(-(2**70), 2**70).map(str)),
                max_size=3,
            )
        ),
        "SuppressSending": draw(st.booleans()),
    }
    return {name: value for name, value in payload.items() if draw(st.integers(0, 5))}


@fuzz_settings(40)
@given(payload=postmark_events())
@example(payload={"RecordType": "Delivery", "Metadata": {"tenant": "1", "message": "9" * 30}})
@example(payload={"RecordType": "Bounce", "Metadata": {"tenant": "x", "message": "-1"}})
def test_any_postmark_delivery_report_is_answered_never_5xx(client, world, desk, payload):
    with rolled_back():
        response = client.post(
            reverse("comms-public:anymail:postmark_tracking_webhook"),
            json.dumps(payload),
            content_type="application/json",
            headers=basic_auth(),
        )
    assert response.status_code in (200, 400), response.content[:500]
