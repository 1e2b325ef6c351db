"""Inbound webhooks end to end, with the payloads each provider really posts
(tests/fixtures/inbound/) signed the way each provider signs them: Twilio's X-Twilio-Signature
(RequestValidator over the public URL and the form), anymail's basic auth (WEBHOOK_SECRET) for
Postmark, SendGrid and Amazon SES, and basic auth plus Mailgun's HMAC of timestamp and token.

Each accepted post stores one raw event and answers 2xx at once; processing it (what the task does)
threads it into a ticket. Forged posts store nothing; replays store nothing new; a message for an
address nobody has is kept as unrouted; a passing fault (the broker, the database) loses nothing.
"""

import base64
import datetime as dt
import hashlib
import hmac
import io
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import psycopg
import pytest
import requests
import time_machine
from django.conf import settings as django_settings
from django.core.files.storage import storages
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from twilio.request_validator import RequestValidator

from crm.models import AddressSource, Contact, ContactEmail, ContactPhone
from crm.tenancy import tenant_context
from crm.tenancy.sweeps import sweep_inline
from messaging.models import ContactCommsProfile
from portal.addresses import SignInAddress
from portal.models import ChallengeChannel
from portal.selectors.customers import contacts_with_address
from tests.conftest import sign_in
from tests.factories import ContactEmailFactory, ContactFactory, ContactPhoneFactory, lead_for
from tests.internal_server import serving_internally
from tickets import tasks
from tickets.models import (
    Direction,
    EventStatus,
    InboundEvent,
    Inbox,
    InboxAddress,
    SlaEvent,
    Ticket,
    TicketAttachment,
    TicketMessage,
    TicketStatus,
    UnroutedInbound,
)
from tickets.normalise import normalise_email, read_eml
from tickets.services import configuration, ingest
from tickets.services.replies import ticket_reply

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
EMAIL_FIXTURES = sorted((FIXTURES / "email").glob("*.eml"))

SITE = "https://crm.threadline.example"
PLATFORM_TOKEN = "platform-twilio-auth-token"
NUMBER_TOKEN = "own-number-twilio-auth-token"
INBOX_EMAIL = "hello@firstroofing.test"
INBOX_NUMBER = "+13055550100"
OWN_ACCOUNT_NUMBER = "+13055550177"  # an inbox number with its own Twilio account
# The credentials config/settings/test.py gives anymail.
WEBHOOK_SECRET = django_settings.ANYMAIL["WEBHOOK_SECRET"]
MAILGUN_KEY = django_settings.ANYMAIL["MAILGUN_WEBHOOK_SIGNING_KEY"]

# Friday 14 March 2025, 15:00 in Miami: a working afternoon, days after the fixtures were written.
NOW = dt.datetime(2025, 3, 14, 19, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _providers(settings):
    settings.THREADLINE_SITE_URL = SITE
    settings.TWILIO_AUTH_TOKEN = PLATFORM_TOKEN


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / "inbound" / name).read_text(encoding="utf-8"))


# --- The tenant's inbox ---------------------------------------------------------------------------


@dataclass
class Desk:
    inbox: Inbox
    email: InboxAddress
    sms: InboxAddress
    whatsapp: InboxAddress
    own_account_sms: InboxAddress


def open_desk(world) -> Desk:
    """An inbox with the addresses the fixtures are sent to, and the rep as its agent."""
    tenant = world.tenant
    with world.active():
        inbox = configuration.inbox_save(
            tenant=tenant, actor=None, name="Support", brand=world.brand
        )

        def add(channel, address, **twilio):
            return configuration.inbox_address_save(
                tenant=tenant, inbox=inbox, channel=channel, address=address, **twilio
            )

        desk = Desk(
            inbox=inbox,
            email=add("email", INBOX_EMAIL),
            sms=add("sms", "(305) 555-0100"),
            whatsapp=add("whatsapp", "+1 305 555 0100"),
            own_account_sms=add(
                "sms",
                OWN_ACCOUNT_NUMBER,
                twilio_account_sid="AC" + "7" * 32,
                twilio_auth_token=NUMBER_TOKEN,
            ),
        )
        add("email", "dan@firstroofing.test")
        configuration.inbox_agent_set(tenant=tenant, inbox=inbox, membership=world.rep)
    return desk


@pytest.fixture
def desk(world) -> Desk:
    return open_desk(world)


def events(world) -> list[InboundEvent]:
    with world.active():
        return list(InboundEvent.objects.filter(tenant=world.tenant).order_by("pk"))


def process_pending(world) -> list[str]:
    """What the task does for each stored event (tasks are not run eagerly in tests)."""
    with world.active():
        pending = InboundEvent.objects.filter(tenant=world.tenant, status=EventStatus.PENDING)
        ids = list(pending.order_by("pk").values_list("pk", flat=True))
        return [ingest.inbound_event_process(tenant=world.tenant, event_id=pk) for pk in ids]


def contact_emails(message: TicketMessage) -> list[str]:
    return list(
        ContactEmail.objects.filter(contact_id=message.ticket.contact_id).values_list(
            "email", flat=True
        )
    )


def message_of(world, event: InboundEvent) -> TicketMessage:
    with world.active():
        return TicketMessage.objects.select_related("ticket", "ticket__contact").get(
            tenant=world.tenant, inbound_event=event
        )


# --- Posting as the providers do ------------------------------------------------------------------


def twilio_url() -> str:
    return reverse("tickets-public:twilio-inbound")


def twilio_signature(fields: dict, *, token: str = PLATFORM_TOKEN, url: str = "") -> str:
    return RequestValidator(token).compute_signature(url or SITE + twilio_url(), fields)


def post_twilio(client, fields: dict, *, token: str = PLATFORM_TOKEN, signature: str | None = None):
    """A form post as Twilio makes it, signed over the public URL and the fields."""
    if signature is None:
        signature = twilio_signature(fields, token=token)
    headers = {"X-Twilio-Signature": signature} if signature else {}
    return client.post(
        twilio_url(),
        urlencode(fields),
        content_type="application/x-www-form-urlencoded",
        headers=headers,
    )


def basic_auth(secret: str = WEBHOOK_SECRET) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(secret.encode()).decode()}


def anymail_url(esp: str) -> str:
    return reverse(f"comms-public:anymail:{esp}_inbound_webhook")


def post_postmark(client, payload: dict, *, auth: str | None = WEBHOOK_SECRET):
    return client.post(
        anymail_url("postmark"),
        json.dumps(payload),
        content_type="application/json",
        headers=basic_auth(auth) if auth else {},
    )


BOUNDARY = "------------------------threadline7c1e3a5b9d"


def multipart(fields: dict, files: dict | None = None, charsets: dict | None = None):
    """multipart/form-data as an ESP posts it: field values sent as bytes in their own charset
    (str in UTF-8 unless `charsets` says otherwise), files with their name and type."""
    charsets = charsets or {}
    chunks = []
    for name, value in fields.items():
        data = value if isinstance(value, bytes) else value.encode(charsets.get(name, "utf-8"))
        chunks.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + data
            + b"\r\n"
        )
    for name, file in (files or {}).items():
        chunks.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{file["filename"]}"\r\nContent-Type: {file["content_type"]}\r\n\r\n'.encode()
            + base64.b64decode(file["base64"])
            + b"\r\n"
        )
    chunks.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={BOUNDARY}"


def mailgun_signed(fields: dict, *, key: str = MAILGUN_KEY) -> dict:
    """Mailgun's signature: HMAC-SHA256 of timestamp + token with the webhook signing key."""
    digest = hmac.new(
        key.encode(), f"{fields['timestamp']}{fields['token']}".encode(), hashlib.sha256
    )
    return {**fields, "signature": digest.hexdigest()}


def post_form(client, esp: str, form: dict, *, auth: str | None = WEBHOOK_SECRET):
    body, content_type = multipart(form["fields"], form.get("files"), form.get("field_charsets"))
    return client.post(
        anymail_url(esp), body, content_type=content_type, headers=basic_auth(auth) if auth else {}
    )


def post_mailgun(client, form: dict, *, key: str = MAILGUN_KEY, auth: str | None = WEBHOOK_SECRET):
    return post_form(
        client, "mailgun", {**form, "fields": mailgun_signed(form["fields"], key=key)}, auth=auth
    )


def post_sns(client, notification: dict, *, auth: str | None = WEBHOOK_SECRET):
    """Amazon SNS: the notification as text/plain JSON with its x-amz-sns-* headers; the shared
    secret in the subscription URL's basic auth is what authenticates it (anymail does not check
    SNS's certificate signature, so no network is needed)."""
    headers = {
        "x-amz-sns-message-type": notification["Type"],
        "x-amz-sns-message-id": notification["MessageId"],
        "x-amz-sns-topic-arn": notification["TopicArn"],
        **(basic_auth(auth) if auth else {}),
    }
    return client.post(
        anymail_url("amazon_ses"),
        json.dumps(notification),
        content_type="text/plain; charset=UTF-8",
        headers=headers,
    )


def postmark_raw(raw: bytes, *, recipient: str = INBOX_EMAIL, message_id: str) -> dict:
    """A Postmark inbound post that carries the whole message (the "include raw email" option):
    RawEmail is a JSON string, so 8-bit bytes that are not UTF-8 arrive replaced."""
    parsed = normalise_email(raw)
    return {
        "FromFull": {"Email": parsed.from_address, "Name": parsed.from_name, "MailboxHash": ""},
        "ToFull": [{"Email": recipient, "Name": "", "MailboxHash": ""}],
        "OriginalRecipient": recipient,
        "Subject": parsed.subject,
        "MessageID": message_id,
        "TextBody": parsed.text,
        "HtmlBody": parsed.html,
        "StrippedTextReply": "",
        "Headers": [],
        "Attachments": [],
        "RawEmail": raw.decode("utf-8", "replace"),
    }


def mailgun_mime(raw: bytes, *, recipient: str = INBOX_EMAIL, token: str) -> dict:
    """A Mailgun route forwarding to .../inbound_mime/: the message's bytes in body-mime."""
    return {
        "fields": {
            "recipient": recipient,
            "sender": normalise_email(raw).from_address,
            "body-mime": raw,
            "timestamp": "1741978800",
            "token": token,
        }
    }


# --- Twilio: SMS, MMS, WhatsApp -------------------------------------------------------------------


def test_an_sms_from_an_unknown_number_opens_a_ticket_for_a_new_contact_to_review(
    client, world, desk, django_capture_on_commit_callbacks
):
    sms = fixture("twilio_sms.json")

    with django_capture_on_commit_callbacks() as enqueued:
        response = post_twilio(client, sms)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml"
    assert b"<Response></Response>" in response.content
    (event,) = events(world)
    assert (event.provider, event.channel, event.status) == ("twilio", "sms", EventStatus.PENDING)
    assert event.event_key == f"twilio:{sms['MessageSid']}"
    assert event.payload == sms
    assert event.inbox_address_id == desk.sms.pk
    assert len(enqueued) == 1  # the task, once the event is committed

    (outcome,) = process_pending(world)

    assert outcome.startswith("ticket ")
    message = message_of(world, event)
    assert (message.direction, message.channel) == (Direction.INBOUND, "sms")
    assert message.body_text == sms["Body"]
    assert (message.from_address, message.to_address) == ("+17865550142", INBOX_NUMBER)
    contact = message.ticket.contact
    assert contact.needs_review
    assert contact.pk != world.contact.pk
    with world.active():
        assert [str(p.number) for p in contact.phones.all()] == ["+17865550142"]
        ticket = Ticket.objects.get(tenant=world.tenant, pk=message.ticket_id)
    assert ticket.inbox_id == desk.inbox.pk
    assert ticket.assignee_id == world.rep.pk
    assert ticket.status == TicketStatus.OPEN
    assert ticket.sla_due_at is not None
    assert ticket.last_message_channel == "sms"


def test_an_mms_keeps_the_links_to_its_media(client, world, desk):
    mms = fixture("twilio_mms.json")

    assert post_twilio(client, mms).status_code == 200
    process_pending(world)

    message = message_of(world, events(world)[0])
    assert message.media == [
        {"url": mms["MediaUrl0"], "content_type": "image/jpeg"},
        {"url": mms["MediaUrl1"], "content_type": "application/pdf"},
    ]
    assert message.body_text == mms["Body"]


def test_whatsapp_names_the_contact_from_its_profile_and_joins_their_sms_ticket(
    client, world, desk
):
    whatsapp = fixture("twilio_whatsapp.json")

    assert post_twilio(client, fixture("twilio_sms.json")).status_code == 200
    assert post_twilio(client, whatsapp).status_code == 200
    process_pending(world)

    sms_event, whatsapp_event = events(world)
    assert (whatsapp_event.channel, whatsapp_event.inbox_address_id) == (
        "whatsapp",
        desk.whatsapp.pk,
    )
    message = message_of(world, whatsapp_event)
    assert message.channel == "whatsapp"
    assert message.body_text == whatsapp["Body"]
    assert (message.from_address, message.to_address) == ("+17865550142", INBOX_NUMBER)
    # One number, one person: the WhatsApp message joins the SMS's contact and ticket.
    assert message.ticket_id == message_of(world, sms_event).ticket_id
    with world.active():
        contact = Contact.objects.get(tenant=world.tenant, pk=message.ticket.contact_id)
        profile = ContactCommsProfile.objects.get(tenant=world.tenant, contact=contact)
    assert profile.last_whatsapp_inbound_at == NOW


def test_a_strangers_number_opens_no_portal_until_staff_confirm_it(client, world, desk):
    """Issue 18: whoever texts in is whoever their message claims; the portal waits for proof."""
    post_twilio(client, fixture("twilio_sms.json"))
    process_pending(world)

    contact = message_of(world, events(world)[0]).ticket.contact
    with world.active():
        phone = ContactPhone.objects.get(tenant=world.tenant, contact=contact)
        assert (phone.source, phone.is_verified) == (AddressSource.INBOUND_SMS, False)
        assert (
            contacts_with_address(
                tenant=world.tenant, address=SignInAddress(ChallengeChannel.SMS, "+17865550142")
            )
            == []
        )


def test_whatsapp_from_a_stranger_takes_the_name_of_their_profile(client, world, desk):
    assert post_twilio(client, fixture("twilio_whatsapp.json")).status_code == 200
    process_pending(world)

    contact = message_of(world, events(world)[0]).ticket.contact
    assert (contact.first_name, contact.last_name, contact.needs_review) == ("Ana", "Souza", True)


def test_a_number_typed_with_punctuation_and_twilios_e164_are_one_contact(client, world, desk):
    with world.active():
        known = ContactFactory(tenant=world.tenant, first_name="Ana", last_name="Souza")
        ContactPhoneFactory(tenant=world.tenant, contact=known, number="(786) 555-0142")
        contacts_before = Contact.objects.filter(tenant=world.tenant).count()

    assert post_twilio(client, fixture("twilio_sms.json")).status_code == 200
    process_pending(world)

    message = message_of(world, events(world)[0])
    assert message.ticket.contact_id == known.pk
    with world.active():
        assert Contact.objects.filter(tenant=world.tenant).count() == contacts_before
        assert ContactPhone.objects.filter(tenant=world.tenant, contact=known).count() == 1
        assert not Contact.objects.get(tenant=world.tenant, pk=known.pk).needs_review


def test_a_text_from_the_customer_marks_their_leads_last_reply_a_stop_text_does_not(
    client, world, desk
):
    """Time triggers that wait for silence read the lead's last customer reply."""
    with world.active():
        ContactPhoneFactory(tenant=world.tenant, contact=world.contact, number="(786) 555-0142")
    lead = lead_for(world)
    sms = fixture("twilio_sms.json")

    sid = "SM" + "1" * 32
    stop = {**sms, "Body": "STOP", "MessageSid": sid, "SmsSid": sid, "SmsMessageSid": sid}
    assert post_twilio(client, stop).status_code == 200
    process_pending(world)
    with world.active():
        lead.refresh_from_db()
    assert lead.last_customer_reply_at is None

    assert post_twilio(client, sms).status_code == 200
    process_pending(world)
    with world.active():
        lead.refresh_from_db()
    assert lead.last_customer_reply_at == NOW


def _tampered(sms: dict) -> dict[str, tuple[dict, str | None]]:
    """(fields posted, X-Twilio-Signature) pairs that Twilio did not sign."""
    good = twilio_signature(sms)
    return {
        "no signature": (sms, ""),
        "garbage": (sms, "bm90IGEgc2lnbmF0dXJl"),
        "another token": (sms, twilio_signature(sms, token="someone-elses-token")),
        "another URL": (
            sms,
            twilio_signature(sms, url="https://evil.example/hooks/twilio/inbound/"),
        ),
        "plain http": (
            sms,
            twilio_signature(sms, url="http://crm.threadline.example" + twilio_url()),
        ),
        "body changed": ({**sms, "Body": "Please call me back on +1 900 555 0199"}, good),
        "sender changed": ({**sms, "From": "+17865550000"}, good),
        "field added": ({**sms, "NumMedia": "1", "MediaUrl0": "https://evil.example/x.jpg"}, good),
    }


@pytest.mark.parametrize(
    "case",
    [
        "no signature",
        "garbage",
        "another token",
        "another URL",
        "plain http",
        "body changed",
        "sender changed",
        "field added",
    ],
)
def test_a_forged_twilio_post_gets_403_and_stores_nothing(client, world, desk, case):
    fields, signature = _tampered(fixture("twilio_sms.json"))[case]

    response = post_twilio(client, fields, signature=signature)

    assert response.status_code == 403
    assert events(world) == []
    assert not UnroutedInbound.objects.exists()


def test_a_number_with_its_own_twilio_account_checks_its_own_token_only(client, world, desk):
    to_own_number = {**fixture("twilio_sms.json"), "To": OWN_ACCOUNT_NUMBER}
    to_platform_number = fixture("twilio_mms.json")

    assert post_twilio(client, to_own_number, token=PLATFORM_TOKEN).status_code == 403
    assert post_twilio(client, to_platform_number, token=NUMBER_TOKEN).status_code == 403
    assert events(world) == []

    assert post_twilio(client, to_own_number, token=NUMBER_TOKEN).status_code == 200
    assert post_twilio(client, to_platform_number, token=PLATFORM_TOKEN).status_code == 200
    assert [e.inbox_address_id for e in events(world)] == [desk.own_account_sms.pk, desk.sms.pk]


def test_a_replayed_twilio_post_is_one_event_and_one_message(
    client, world, desk, django_capture_on_commit_callbacks
):
    sms = fixture("twilio_sms.json")
    with django_capture_on_commit_callbacks() as first:
        assert post_twilio(client, sms).status_code == 200
    process_pending(world)

    with django_capture_on_commit_callbacks() as replay:
        assert post_twilio(client, sms).status_code == 200

    (event,) = events(world)
    assert (len(first), len(replay)) == (1, 0)  # the replay enqueues nothing either
    with world.active():
        assert ingest.inbound_event_process(tenant=world.tenant, event_id=event.pk) == "skipped"
        assert TicketMessage.objects.filter(tenant=world.tenant).count() == 1


def test_a_text_for_a_number_nobody_has_is_kept_unrouted(client, world, desk):
    stranger = {**fixture("twilio_sms.json"), "To": "+13055550999"}

    response = post_twilio(client, stranger)

    assert response.status_code == 200
    assert events(world) == []
    unrouted = UnroutedInbound.objects.get()
    assert (unrouted.provider, unrouted.channel) == ("twilio", "sms")
    assert (unrouted.recipients, unrouted.sender) == ("+13055550999", "+17865550142")
    assert unrouted.payload == stranger


def test_a_signed_post_without_a_message_sid_is_refused(client, world, desk):
    fields = {k: v for k, v in fixture("twilio_sms.json").items() if "Sid" not in k}

    assert post_twilio(client, fields).status_code == 400
    assert events(world) == []


# --- Email: Postmark --------------------------------------------------------------------------------


def test_postmark_parsed_fields_with_attachments_and_stripped_reply(client, world, desk):
    payload = fixture("postmark_inbound.json")

    response = post_postmark(client, payload)

    assert response.status_code == 200
    (event,) = events(world)
    assert (event.provider, event.channel) == ("postmark", "email")
    assert event.event_key.startswith("sha256:")  # the content's, never the Message-ID
    assert event.provider_message_id == payload["MessageID"]
    assert (event.recipient, event.inbox_address_id) == (INBOX_EMAIL, desk.email.pk)
    assert event.payload == {"stripped_text": payload["StrippedTextReply"]}

    (outcome,) = process_pending(world)

    assert outcome.startswith("ticket ")
    message = message_of(world, event)
    assert message.from_address == "maria.gonzalez@gmail.com"
    assert message.to_address == INBOX_EMAIL
    assert message.subject == "Re: Chimney flashing sealed"
    assert message.message_id == "CAJx8k2T9vB3mZ=Lr8Yw@mail.gmail.com"
    assert message.in_reply_to == "tl.20250304120501.77c1@firstroofing.test"
    # Its place in the thread is when we received it; its Date is kept to show.
    assert message.sent_at == NOW
    assert message.dated_at == dt.datetime(2025, 3, 5, 13, 12, 41, tzinfo=dt.UTC)
    # Postmark's stripped reply is the new part; the quoted history stays in the whole text.
    assert message.reply_text == payload["StrippedTextReply"]
    assert "> The crew sealed the flashing" in message.body_text
    assert "<script" not in message.body_html
    assert 'src="cid:ii_m7x2k1p90"' in message.body_html
    contact = message.ticket.contact
    assert (contact.first_name, contact.last_name, contact.needs_review) == (
        "Maria",
        "Gonzalez",
        True,
    )
    with world.active():
        attachments = {a.filename: a for a in TicketAttachment.objects.filter(message=message)}
    assert set(attachments) == {"leak.png", "estimate-signed.pdf"}
    photo = attachments["leak.png"]
    assert (photo.content_type, photo.is_inline) == ("image/png", True)
    assert not attachments["estimate-signed.pdf"].is_inline
    with photo.file.open("rb") as stored:
        assert stored.read() == base64.b64decode(payload["Attachments"][0]["Content"])


def test_postmark_with_the_raw_email(client, world, desk):
    payload = fixture("postmark_inbound_raw.json")

    assert post_postmark(client, payload).status_code == 200
    (event,) = events(world)
    # The message as Postmark posted it, not as anymail would write it again.
    assert bytes(event.raw) == payload["RawEmail"].encode()
    process_pending(world)

    message = message_of(world, event)
    assert message.subject == "Gutter quote for 88 Coral Way"
    assert "My neighbour Renée recommended you." in message.body_text  # ISO-8859-1, QP
    assert message.message_id == "SJ0PR11MB5678C1D2E3F4A5B6@SJ0PR11MB5678.namprd11.prod.outlook.com"
    with world.active():
        assert contact_emails(message) == ["tom.becker@outlook.com"]


def test_postmark_to_a_reply_address_joins_that_ticket(client, world, desk):
    from tickets.routing import reply_address

    assert post_twilio(client, fixture("twilio_sms.json")).status_code == 200
    process_pending(world)
    ticket = message_of(world, events(world)[0]).ticket
    address = reply_address(world.tenant.pk, ticket.pk)
    payload = fixture("postmark_inbound_raw.json")
    payload = {
        **payload,
        "OriginalRecipient": address,
        "ToFull": [{"Email": address, "Name": "", "MailboxHash": address.split("+")[1]}],
        "RawEmail": payload["RawEmail"].replace(
            "To: First Roofing <hello@firstroofing.test>", f"To: First Roofing <{address}>"
        ),
    }

    assert post_postmark(client, payload).status_code == 200
    process_pending(world)

    reply = message_of(world, events(world)[1])
    assert reply.ticket_id == ticket.pk  # another sender, but the signed address names the ticket
    assert reply.to_address == address


# --- Email: Mailgun ---------------------------------------------------------------------------------


def test_mailgun_raw_mime_signed_with_the_webhook_key(client, world, desk):
    form = fixture("mailgun_inbound_mime.json")

    response = post_mailgun(client, form)

    assert response.status_code == 200
    (event,) = events(world)
    assert event.provider == "mailgun"
    assert event.event_key.startswith("sha256:")
    assert event.provider_message_id == form["fields"]["token"]  # what anymail gives as event id
    process_pending(world)

    message = message_of(world, event)
    assert message.subject == "Re: Inspeção on Thursday"
    assert message.body_text.startswith("Olá, Thursday at 9 is fine.")
    assert message.reply_text == "Olá, Thursday at 9 is fine. The dog will be inside."
    assert message.from_address == "ana.souza@yahoo.com"


def test_mailgun_parsed_fields_with_an_attachment(client, world, desk):
    form = fixture("mailgun_inbound_parsed.json")

    assert post_mailgun(client, form).status_code == 200
    process_pending(world)

    message = message_of(world, events(world)[0])
    assert message.subject == "Hail damage on the garage roof"
    assert message.message_id == "CAHk7p3R2mQ9vX=uZ4wY6tB8@mail.gmail.com"
    assert message.reply_text == form["fields"]["stripped-text"]
    with world.active():
        (attachment,) = TicketAttachment.objects.filter(message=message)
    assert (attachment.filename, attachment.content_type) == ("garage-roof.png", "image/png")
    assert attachment.size == len(base64.b64decode(form["files"]["attachment-1"]["base64"]))


@pytest.mark.parametrize(
    ("key", "auth", "drop"),
    [
        ("someone-elses-signing-key", WEBHOOK_SECRET, None),
        (MAILGUN_KEY, "test:wrong-secret", None),
        (MAILGUN_KEY, None, None),
        (MAILGUN_KEY, WEBHOOK_SECRET, "signature"),
        (MAILGUN_KEY, WEBHOOK_SECRET, "token"),
    ],
    ids=["wrong key", "wrong basic auth", "no basic auth", "no signature", "no token"],
)
def test_a_forged_mailgun_post_is_refused_and_stores_nothing(client, world, desk, key, auth, drop):
    form = fixture("mailgun_inbound_mime.json")
    fields = mailgun_signed(form["fields"], key=key)
    if drop:
        del fields[drop]

    response = post_form(client, "mailgun", {"fields": fields}, auth=auth)

    assert response.status_code == 400  # anymail's AnymailWebhookValidationFailure
    assert events(world) == []
    assert not UnroutedInbound.objects.exists()


# --- Email: SendGrid --------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::anymail.exceptions.AnymailNotSupportedWarning")
def test_sendgrid_send_raw_mime(client, world, desk):
    form = fixture("sendgrid_inbound_raw.json")

    assert post_form(client, "sendgrid", form).status_code == 200
    (event,) = events(world)
    assert event.provider == "sendgrid"
    # SendGrid gives no inbound id: the Message-ID is the key.
    assert event.event_key.startswith("sha256:")
    process_pending(world)

    message = message_of(world, event)
    assert message.subject == "Skylight replacement"
    assert "Coral Gables — weekdays after 4 pm" in message.body_text
    with world.active():
        assert contact_emails(message) == ["priya@natarajan-family.example"]


@pytest.mark.filterwarnings("ignore::anymail.exceptions.AnymailNotSupportedWarning")
def test_sendgrid_parsed_fields_in_their_own_charset_with_an_attachment(client, world, desk):
    form = fixture("sendgrid_inbound_parsed.json")

    assert post_form(client, "sendgrid", form).status_code == 200
    process_pending(world)

    message = message_of(world, events(world)[0])
    assert message.subject == "Invoice question - Dachrinne"
    assert "Grüße aus Köln" in message.body_text  # sent as ISO-8859-1, as "charsets" says
    assert message.message_id == "5e8f0a2c-1b3d-4e6f-8a0c-2e4b6d8f0a1c@example.org"
    with world.active():
        (attachment,) = TicketAttachment.objects.filter(message=message)
    assert (attachment.filename, attachment.content_type) == ("invoice-2291.pdf", "application/pdf")


# --- Email: Amazon SES through SNS ------------------------------------------------------------------


@pytest.fixture
def boto3():
    return pytest.importorskip("boto3", reason="Amazon SES needs django-anymail[amazon-ses]")


def test_amazon_ses_receipt_published_to_sns_with_the_content(client, world, desk, boto3):
    notification = fixture("ses_inbound_sns.json")
    ses_message = json.loads(notification["Message"])

    assert post_sns(client, notification).status_code == 200
    (event,) = events(world)
    assert event.provider == "amazon_ses"
    assert event.provider_message_id == ses_message["mail"]["messageId"]
    assert bytes(event.raw) == base64.b64decode(ses_message["content"])  # byte for byte
    process_pending(world)

    message = message_of(world, event)
    assert message.subject == "Roof leak at the warehouse, 2200 NW 7th St"
    assert "Дмитрий Волков" in message.body_text
    contact = message.ticket.contact
    assert (contact.first_name, contact.last_name) == ("Дмитрий", "Волков")
    with world.active():
        (attachment,) = TicketAttachment.objects.filter(message=message)
    assert attachment.filename == "warehouse-leak.png"


def test_amazon_sns_without_credentials_is_challenged_and_with_wrong_ones_refused(
    client, world, desk, boto3
):
    notification = fixture("ses_inbound_sns.json")

    missing = post_sns(client, notification, auth=None)
    wrong = post_sns(client, notification, auth="test:wrong-secret")

    # 401 with a challenge is what makes SNS send its basic auth; a wrong secret is refused.
    assert missing.status_code == 401
    assert missing["WWW-Authenticate"].startswith("Basic")
    assert wrong.status_code == 400
    assert events(world) == []


@pytest.mark.filterwarnings("ignore::anymail.exceptions.AnymailNotSupportedWarning")
@pytest.mark.parametrize("auth", [None, "test:wrong-secret", "someone:else"])
def test_postmark_and_sendgrid_refuse_wrong_basic_auth(client, world, desk, auth):
    assert post_postmark(client, fixture("postmark_inbound.json"), auth=auth).status_code == 400
    sendgrid = post_form(client, "sendgrid", fixture("sendgrid_inbound_raw.json"), auth=auth)
    assert sendgrid.status_code == 400
    assert events(world) == []
    assert not UnroutedInbound.objects.exists()


# --- Email: replays, strangers, unknown addresses -----------------------------------------------


def test_a_replayed_email_is_one_event_and_one_message(client, world, desk):
    postmark = fixture("postmark_inbound_raw.json")
    assert post_postmark(client, postmark).status_code == 200
    process_pending(world)

    # Postmark retries the same post; the same message also reaches us through another ESP with
    # another Mailgun token, and again addressed to the inbox's second address.
    assert post_postmark(client, postmark).status_code == 200
    raw = postmark["RawEmail"].encode()
    assert post_mailgun(client, mailgun_mime(raw, token="b" * 50)).status_code == 200
    again = mailgun_mime(raw, recipient="dan@firstroofing.test", token="c" * 50)
    assert post_mailgun(client, again).status_code == 200

    assert len(events(world)) == 1
    assert process_pending(world) == []
    with world.active():
        assert TicketMessage.objects.filter(tenant=world.tenant).count() == 1


def test_email_for_an_address_nobody_has_is_kept_unrouted_with_a_2xx(client, world, desk):
    payload = {
        **fixture("postmark_inbound_raw.json"),
        "OriginalRecipient": "quotes@another-roofer.test",
    }
    payload["RawEmail"] = payload["RawEmail"].replace(INBOX_EMAIL, "quotes@another-roofer.test")

    response = post_postmark(client, payload)

    assert response.status_code == 200  # a 4xx would make Postmark bounce or drop it
    assert events(world) == []
    unrouted = UnroutedInbound.objects.get()
    assert (unrouted.provider, unrouted.channel) == ("postmark", "email")
    assert unrouted.recipients == "quotes@another-roofer.test"
    assert unrouted.sender == "tom.becker@outlook.com"
    assert bytes(unrouted.raw) == payload["RawEmail"].encode()


def test_an_email_from_a_known_address_in_another_case_finds_its_contact(client, world, desk):
    with world.active():
        known = ContactFactory(tenant=world.tenant, first_name="Tom", last_name="Becker")
        known.emails.create(tenant=world.tenant, email="tom.becker@outlook.com")
    payload = fixture("postmark_inbound_raw.json")
    payload["RawEmail"] = payload["RawEmail"].replace(
        "From: Tom Becker <tom.becker@outlook.com>", "From: Tom Becker <Tom.Becker@Outlook.com>"
    )

    assert post_postmark(client, payload).status_code == 200
    process_pending(world)

    assert message_of(world, events(world)[0]).ticket.contact_id == known.pk


# --- Attachments and auto-replies --------------------------------------------------------------


def test_attachments_are_stored_privately_and_oversized_ones_left_in_the_raw_message(
    client, world, desk, settings
):
    settings.TICKET_MAX_ATTACHMENT_BYTES = 100  # the PNG is 70 bytes, the PDF 300
    payload = fixture("postmark_inbound.json")

    assert post_postmark(client, payload).status_code == 200
    process_pending(world)

    (event,) = events(world)
    message = message_of(world, event)
    with world.active():
        (kept,) = TicketAttachment.objects.filter(message=message)
    assert kept.filename == "leak.png"
    assert kept.file.storage is storages["private"]
    private_root = Path(storages["private"].location).resolve()
    stored_at = Path(kept.file.path).resolve()
    assert stored_at.is_relative_to(private_root)
    assert not stored_at.is_relative_to(
        Path(django_settings.MEDIA_ROOT or "/nonexistent").resolve()
    )
    assert f"/{kept.token}/" in kept.file.name  # a random directory per file
    (dropped,) = message.media
    assert dropped["name"] == "estimate-signed.pdf"
    assert "over the 100-byte limit" in dropped["reason"]
    pdf = base64.b64decode(payload["Attachments"][1]["Content"])
    assert any(a.content == pdf for a in normalise_email(bytes(event.raw)).attachments)


def test_an_auto_reply_neither_reopens_the_ticket_nor_starts_its_clock(client, world, desk):
    with world.active():
        number = str(world.contact.phones.first().number)
    sms = {**fixture("twilio_sms.json"), "From": number}
    assert post_twilio(client, sms).status_code == 200
    process_pending(world)
    ticket = message_of(world, events(world)[0]).ticket
    with world.active():
        ticket = Ticket.objects.select_related("inbox__brand", "contact").get(pk=ticket.pk)
        reply = ticket_reply(
            tenant=world.tenant,
            actor=world.rep.user,
            ticket=ticket,
            channel="email",
            body="We will be there on Thursday at 9.",
            nonce="n1",
        )
        waiting = Ticket.objects.get(pk=ticket.pk)
        sla_events_before = SlaEvent.objects.filter(ticket=ticket).count()
        email = world.contact.emails.first().email
    assert waiting.status == TicketStatus.WAITING
    out_of_office = read_eml(FIXTURES / "email" / "out_of_office.eml").decode()
    out_of_office = out_of_office.replace("k.whitfield@example-property.com", email).replace(
        "<tl.20250307130540.a8f2@firstroofing.test>", f"<{reply.message_id}>"
    )

    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        response = post_postmark(
            client, postmark_raw(out_of_office.encode(), message_id="a1b2c3d4-0000-0000-0000-1")
        )
        assert response.status_code == 200
        process_pending(world)

    auto = message_of(world, events(world)[1])
    assert auto.is_auto_reply
    assert auto.ticket_id == ticket.pk  # threaded by our Message-ID
    with world.active():
        after = Ticket.objects.get(pk=ticket.pk)
        assert SlaEvent.objects.filter(ticket=ticket).count() == sla_events_before
    assert after.status == TicketStatus.WAITING
    assert (after.sla_due_at, after.sla_started_at, after.sla_paused_minutes_left) == (
        waiting.sla_due_at,
        waiting.sla_started_at,
        waiting.sla_paused_minutes_left,
    )
    assert after.last_customer_message_at == waiting.last_customer_message_at


def test_an_auto_reply_that_opens_a_ticket_starts_no_clock(client, world, desk):
    raw = read_eml(FIXTURES / "email" / "out_of_office.eml")
    with world.active():
        ContactEmailFactory(
            tenant=world.tenant, contact=world.contact, email="k.whitfield@example-property.com"
        )

    assert (
        post_postmark(client, postmark_raw(raw, message_id="a1b2c3d4-0000-0000-0000-2")).status_code
        == 200
    )
    process_pending(world)

    message = message_of(world, events(world)[0])
    assert message.is_auto_reply
    with world.active():
        ticket = Ticket.objects.get(pk=message.ticket_id)
        assert not SlaEvent.objects.filter(ticket=ticket).exists()
    assert (ticket.sla_due_at, ticket.sla_started_at, ticket.last_customer_message_at) == (
        None,
        None,
        None,
    )


# --- Every real email, through every way in ---------------------------------------------------


def _through_postmark(client, raw: bytes, index: int):
    return post_postmark(
        client, postmark_raw(raw, message_id=f"00000000-0000-4000-8000-{index:012d}")
    )


def _through_mailgun(client, raw: bytes, index: int):
    return post_mailgun(client, mailgun_mime(raw, token=f"{index:050d}"))


def _straight_to_the_store(client, raw: bytes, index: int):
    ingest.email_inbound_store(provider="email", raw=raw, envelope_recipients=[INBOX_EMAIL])
    return None


WAYS_IN = {
    "postmark": _through_postmark,
    "mailgun": _through_mailgun,
    "store": _straight_to_the_store,
}


@pytest.mark.parametrize("way", sorted(WAYS_IN))
@pytest.mark.parametrize("path", EMAIL_FIXTURES, ids=lambda path: path.stem)
def test_every_email_fixture_is_stored_and_threaded(client, world, desk, path, way):
    raw = read_eml(path)
    expected = normalise_email(raw)

    response = WAYS_IN[way](client, raw, 1)

    assert response is None or response.status_code == 200
    (event,) = events(world)
    (outcome,) = process_pending(world)
    if expected.is_auto_reply:  # from nobody we know: kept as its event, no ticket, no contact
        assert outcome == "no ticket", event.last_error
        with world.active():
            assert not Contact.objects.filter(emails__email=expected.from_address).exists()
        return
    assert outcome.startswith("ticket "), event.last_error
    message = message_of(world, events(world)[0])
    assert message.from_address == expected.from_address
    assert message.subject == expected.subject
    assert message.message_id == expected.message_id
    assert message.is_auto_reply == expected.is_auto_reply
    if way == "store" or not path.stem.startswith("windows1252"):
        assert message.body_text == expected.text
    else:  # an 8-bit body in a JSON string or a UTF-8 form: the ESP's bytes are already replaced
        assert message.body_text.startswith("Guten Tag,")


@pytest.mark.parametrize("way", ["postmark", "mailgun"])
def test_a_message_too_deeply_nested_to_serialise_again_is_still_stored(client, world, desk, way):
    """anymail parses 450 nested multiparts, but writing them out again recurses too deep: the
    message is stored as the ESP posted it instead of failing with a 5xx."""
    raw = (
        b"From: Nested <nested@example.com>\r\nTo: hello@firstroofing.test\r\n"
        b"Subject: Nested\r\nMessage-ID: <nested-450@example.com>\r\n"
        + b"".join(
            b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (level, level)
            for level in range(450)
        )
        + b"Content-Type: text/plain\r\n\r\nThe innermost words.\r\n"
    )

    response = WAYS_IN[way](client, raw, 2)

    assert response.status_code == 200
    (outcome,) = process_pending(world)
    assert outcome.startswith("ticket ")
    assert "The innermost words." in message_of(world, events(world)[0]).body_text


# --- Passing faults: the broker, the database, the sweep -----------------------------------------


class BrokerDown(Exception):
    pass


def test_a_broker_outage_at_enqueue_still_answers_2xx_and_the_sweep_processes_it_once(
    client, world, desk, monkeypatch, django_capture_on_commit_callbacks, _clock
):
    def unreachable(*args, **kwargs):
        raise BrokerDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.process_inbound_event, "apply_async", unreachable)

    with django_capture_on_commit_callbacks(execute=True):
        sms = post_twilio(client, fixture("twilio_sms.json"))
    with django_capture_on_commit_callbacks(execute=True):
        email = post_postmark(client, fixture("postmark_inbound_raw.json"))

    assert (sms.status_code, email.status_code) == (200, 200)
    assert [e.status for e in events(world)] == [EventStatus.PENDING] * 2
    # Each event's own task gets a minute first.
    assert sweep_inline(tasks.sweep_inbound_events) == 0

    _clock.shift(ingest.SWEEP_GRACE)
    assert sweep_inline(tasks.sweep_inbound_events) == 2
    assert sweep_inline(tasks.sweep_inbound_events) == 0

    assert [e.status for e in events(world)] == [EventStatus.PROCESSED] * 2
    with world.active():
        assert TicketMessage.objects.filter(tenant=world.tenant).count() == 2


def test_the_sweep_leaves_alone_what_the_task_processed(client, world, desk, _clock):
    assert post_twilio(client, fixture("twilio_sms.json")).status_code == 200
    assert post_twilio(client, fixture("twilio_mms.json")).status_code == 200
    (first, second) = events(world)
    with world.active():
        ingest.inbound_event_process(tenant=world.tenant, event_id=first.pk)

    _clock.shift(dt.timedelta(minutes=5))
    with world.active():
        assert tasks.sweep_inbound_events.sweep.run(tenant=world.tenant) == 1
        assert tasks.sweep_inbound_events.sweep.run(tenant=world.tenant) == 0
        assert ingest.inbound_event_process(tenant=world.tenant, event_id=second.pk) == "skipped"
        assert TicketMessage.objects.filter(tenant=world.tenant).count() == 2


DISK_FULL = """
    CREATE FUNCTION test_disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'could not extend file "base/16384/24601": No space left on device'
            USING ERRCODE = 'disk_full';
    END $$;
    CREATE TRIGGER test_disk_full BEFORE INSERT ON tickets_ticketmessage
        FOR EACH ROW EXECUTE FUNCTION test_disk_full();
"""
DISK_FREED = """
    DROP TRIGGER IF EXISTS test_disk_full ON tickets_ticketmessage;
    DROP FUNCTION IF EXISTS test_disk_full();
"""


def _owner_execute(statements: str) -> None:
    owner = django_settings.DATABASES["owner"]
    with psycopg.connect(
        dbname=owner["NAME"],
        user=owner["USER"],
        password=owner["PASSWORD"] or None,
        host=owner["HOST"] or None,
        port=owner["PORT"] or None,
        autocommit=True,
    ) as conn:
        conn.execute("SET lock_timeout = '5s'")
        conn.execute(statements)


@pytest.fixture
def full_disk():
    """Inserting a ticket message fails in PostgreSQL itself until the fixture's `free()`.
    (A trigger the test puts on the table as its owner: scaffolding, dropped afterwards.)"""
    _owner_execute(DISK_FULL)
    try:
        yield lambda: _owner_execute(DISK_FREED)
    finally:
        _owner_execute(DISK_FREED)


@pytest.mark.django_db(transaction=True)
def test_a_database_fault_while_processing_leaves_the_event_to_retry_and_the_sweep_finishes_it(
    client, world, desk, full_disk, monkeypatch, _clock
):
    enqueued = []
    monkeypatch.setattr(
        tasks.process_inbound_event, "apply_async", lambda args, **kw: enqueued.append(args)
    )
    assert post_twilio(client, fixture("twilio_sms.json")).status_code == 200
    (event,) = events(world)
    assert enqueued == [(world.tenant.pk, event.pk)]

    with world.active():  # the task's first try
        outcome = ingest.inbound_event_process(tenant=world.tenant, event_id=event.pk)

    assert outcome == EventStatus.FAILED
    (failed,) = events(world)
    assert failed.attempts == 1
    assert failed.next_attempt_at == NOW + dt.timedelta(minutes=ingest.RETRY_DELAYS[0])
    assert "No space left on device" in failed.last_error
    with world.active():  # nothing half-done: no ticket, and no contact made for the stranger
        assert not Ticket.objects.filter(tenant=world.tenant).exists()
        assert not ContactPhone.objects.filter(tenant=world.tenant, number="+17865550142").exists()

    _clock.shift(dt.timedelta(seconds=30))
    assert sweep_inline(tasks.sweep_inbound_events) == 0  # backing off
    full_disk()  # the database recovers
    _clock.shift(dt.timedelta(minutes=1))
    assert sweep_inline(tasks.sweep_inbound_events) == 1
    assert sweep_inline(tasks.sweep_inbound_events) == 0

    (done,) = events(world)
    assert (done.status, done.attempts, done.last_error) == (EventStatus.PROCESSED, 2, "")
    with world.active():
        assert TicketMessage.objects.filter(tenant=world.tenant).count() == 1
        assert Ticket.objects.filter(tenant=world.tenant).count() == 1


def test_an_event_that_keeps_failing_gives_up_after_max_attempts(client, world, desk, _clock):
    """A message that cannot be threaded however often it is tried (here: its portal contact is
    gone) ends as dead for a person to look at, after backing off each time."""
    with world.active():
        stored = ingest.portal_message_store(
            tenant=world.tenant, contact=world.contact, body="Hello?", key="gone"
        )
        event = InboundEvent.objects.get(pk=stored.event_id)
        event.payload = {"contact": 0, "body": "Hello?"}
        event.save(update_fields=["payload"])
    delays = []
    for _ in range(ingest.MAX_ATTEMPTS):
        _clock.shift(dt.timedelta(hours=12))
        with world.active():
            before = timezone.now()
            assert tasks.sweep_inbound_events.sweep.run(tenant=world.tenant) == 1
            event.refresh_from_db()
        if event.status == EventStatus.FAILED:
            delays.append(event.next_attempt_at - before)
    assert event.status == EventStatus.DEAD
    assert event.attempts == ingest.MAX_ATTEMPTS
    assert delays == [dt.timedelta(minutes=m) for m in ingest.RETRY_DELAYS]
    _clock.shift(dt.timedelta(days=1))
    with world.active():
        assert tasks.sweep_inbound_events.sweep.run(tenant=world.tenant) == 0


SLOW_MESSAGES = """
    CREATE FUNCTION test_slow_message() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_sleep(1);
        RETURN NEW;
    END $$;
    CREATE TRIGGER test_slow_message BEFORE INSERT ON tickets_ticketmessage
        FOR EACH ROW EXECUTE FUNCTION test_slow_message();
"""
FAST_MESSAGES = """
    DROP TRIGGER IF EXISTS test_slow_message ON tickets_ticketmessage;
    DROP FUNCTION IF EXISTS test_slow_message();
"""


@pytest.mark.django_db(transaction=True)
def test_two_messages_from_one_new_sender_threaded_at_once_make_one_contact_and_ticket(
    client, world, desk, monkeypatch
):
    """A WhatsApp with two photos arrives as two webhooks, and two workers take them at once. A
    trigger (test scaffolding) holds the first one's transaction open after it made the contact,
    while the second looks for the sender."""
    enqueued = []  # the test's two threads play the workers
    monkeypatch.setattr(
        tasks.process_inbound_event, "apply_async", lambda args, **options: enqueued.append(args)
    )
    photos = fixture("twilio_mms.json")
    for number in range(2):
        sid = f"MM{number:032d}"
        fields = {**photos, "MessageSid": sid, "SmsSid": sid, "SmsMessageSid": sid}
        assert post_twilio(client, fields).status_code == 200
    event_ids = [event.pk for event in events(world)]
    assert sorted(enqueued) == [(world.tenant.pk, event_id) for event_id in sorted(event_ids)]

    def worker(event_id: int, start_after: float) -> str:
        time.sleep(start_after)
        try:
            with tenant_context(world.tenant):
                return ingest.inbound_event_process(tenant=world.tenant, event_id=event_id)
        finally:
            connection.close()

    _owner_execute(SLOW_MESSAGES)
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            outcomes = list(pool.map(worker, event_ids, [0, 0.3]))
    finally:
        _owner_execute(FAST_MESSAGES)

    assert [outcome.startswith("ticket ") for outcome in outcomes] == [True, True]
    with world.active():
        senders = ContactPhone.objects.filter(tenant=world.tenant, number="+17865550142")
        assert senders.count() == 1
        assert Ticket.objects.filter(tenant=world.tenant).count() == 1
        assert TicketMessage.objects.filter(tenant=world.tenant).count() == 2


# --- Nothing lost: size, replays, unreadable posts, the original ---------------------------------


def _with_photo(size: int, *, message_id: str = "<photo-1@mail.example>") -> bytes:
    photo = base64.encodebytes(os.urandom(size)).replace(b"\n", b"\r\n")
    return (
        b"From: Ana Souza <ana.souza@yahoo.com>\r\nTo: " + INBOX_EMAIL.encode() + b"\r\n"
        b"Subject: The photo of the leak\r\nMessage-ID: " + message_id.encode() + b"\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n"
        b"--b1\r\nContent-Type: text/plain\r\n\r\nHere is the photo.\r\n"
        b"--b1\r\nContent-Type: image/jpeg\r\nContent-Disposition: attachment; filename=leak.jpg\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + photo + b"--b1--\r\n"
    )


@pytest.mark.parametrize("esp", ["postmark", "mailgun"])
def test_a_message_with_a_3_mb_photo_is_stored_threaded_and_its_photo_kept(
    client, world, desk, esp
):
    raw = _with_photo(3 * 1024 * 1024)
    if esp == "postmark":
        response = post_postmark(client, postmark_raw(raw, message_id="pm-photo"))
    else:
        response = post_mailgun(client, mailgun_mime(raw, token="p" * 50))

    assert response.status_code == 200
    (event,) = events(world)
    assert process_pending(world) == [f"ticket {message_of(world, event).ticket_id}"]
    message = message_of(world, event)
    with world.active():
        (photo,) = message.attachments.all()
    assert (photo.filename, photo.size) == ("leak.jpg", 3 * 1024 * 1024)
    assert message.too_large_bytes is None


@override_settings(INBOUND_EMAIL_MAX_POST_BYTES=512 * 1024)
def test_a_post_over_the_limit_is_threaded_from_its_headers_and_shown_too_large(
    client, world, desk
):
    raw = _with_photo(1024 * 1024)
    payload = postmark_raw(raw, message_id="pm-huge")

    assert post_postmark(client, payload).status_code == 200
    assert post_postmark(client, payload).status_code == 200  # Postmark's retry: one message
    assert post_postmark(client, payload, auth="wrong:secret").status_code == 403

    (event,) = events(world)
    assert event.too_large_bytes > 1024 * 1024
    process_pending(world)
    message = message_of(world, event)
    assert (message.from_address, message.subject) == (
        "ana.souza@yahoo.com",
        "The photo of the leak",
    )
    assert message.too_large_bytes == event.too_large_bytes
    sign_in(client, world.rep)
    page = client.get(reverse("tickets:detail", kwargs={"ticket_pk": message.ticket_id}))
    assert "was too large to keep" in page.content.decode()


@override_settings(INBOUND_EMAIL_MAX_MESSAGE_BYTES=256 * 1024)
def test_a_message_over_the_message_limit_keeps_its_headers_only(client, world, desk):
    raw = _with_photo(512 * 1024)

    assert post_mailgun(client, mailgun_mime(raw, token="q" * 50)).status_code == 200

    (event,) = events(world)
    assert event.too_large_bytes == len(raw)
    assert b"Here is the photo" not in bytes(event.raw)
    process_pending(world)
    assert message_of(world, event).subject == "The photo of the leak"


def test_a_reused_message_id_with_other_content_is_kept_and_threaded(client, world, desk):
    first = postmark_raw(_with_photo(10, message_id="<same@mail.example>"), message_id="pm-a")
    second = postmark_raw(_with_photo(20, message_id="<same@mail.example>"), message_id="pm-b")

    assert post_postmark(client, first).status_code == 200
    assert post_postmark(client, second).status_code == 200

    assert len(events(world)) == 2
    process_pending(world)
    with world.active():
        assert TicketMessage.objects.filter(tenant=world.tenant).count() == 2


def test_retries_of_a_parsed_post_without_a_message_id_are_one_message(client, world, desk):
    """SendGrid's parsed mode gives no event id, and our serialisation of what it parsed picks
    random MIME boundaries: the retry is recognised by its content."""
    form = fixture("sendgrid_inbound_parsed.json")
    form["fields"]["headers"] = "\n".join(
        line
        for line in form["fields"]["headers"].splitlines()
        if not line.lower().startswith("message-id")
    )

    assert post_form(client, "sendgrid", form).status_code == 200
    assert post_form(client, "sendgrid", form).status_code == 200

    (event,) = events(world)
    process_pending(world)
    assert message_of(world, event)


def test_staff_download_the_original_of_an_inbound_message(client, world, desk):
    postmark = fixture("postmark_inbound_raw.json")
    post_postmark(client, postmark)
    parsed = fixture("postmark_inbound.json")
    post_postmark(client, parsed)
    process_pending(world)
    raw_event, parsed_event = sorted(events(world), key=lambda e: bool(e.provider_post))
    sign_in(client, world.rep)

    def original(event):
        message = message_of(world, event)
        url = reverse(
            "tickets:message-original",
            kwargs={"ticket_pk": message.ticket_id, "inbound_message_pk": message.pk},
        )
        return client.get(url)

    eml = original(raw_event)
    assert eml["Content-Type"] == "message/rfc822"
    assert "attachment" in eml["Content-Disposition"]
    # Inert wherever it is opened, and kept by no cache.
    assert eml["Content-Security-Policy"].startswith("sandbox")
    assert "no-store" in eml["Cache-Control"]
    assert eml.content == postmark["RawEmail"].encode()
    post = original(parsed_event)
    assert post["Content-Type"] == "application/json"
    assert json.loads(post.content) == parsed


def test_an_unreadable_post_is_in_its_tenants_inbound_log_with_its_reason_and_original(
    client, world, other_world, desk
):
    # Written from another tenant's inbox address: the post is the recipient's, not theirs.
    with other_world.active():
        inbox = configuration.inbox_save(tenant=other_world.tenant, actor=None, name="Lakeside")
        configuration.inbox_address_save(
            tenant=other_world.tenant, inbox=inbox, channel="email", address="desk@lakeside.test"
        )
    payload = {
        **fixture("postmark_inbound.json"),
        "From": "desk@lakeside.test",
        "FromFull": {"Email": "", "Name": "No Address", "MailboxHash": ""},
    }
    assert post_postmark(client, payload).status_code == 200
    (event,) = events(world)
    assert events(other_world) == []
    sign_in(client, world.admin)

    log = client.get(reverse("tickets-settings:inbound")).content.decode()
    assert "Could not be read" in log and "Postmark post could not be read" in log
    original = reverse("tickets-settings:inbound-original", kwargs={"event_pk": event.pk})
    assert original in log
    download = client.get(original)
    assert json.loads(download.content) == payload
    assert "attachment" in download["Content-Disposition"]

    sign_in(client, other_world.admin)
    assert client.get(original).status_code == 404


class TwilioMediaHost(requests.adapters.BaseAdapter):
    """Twilio's media URLs at the HTTP boundary: each answers with its scripted bytes (without a
    Content-Length when `chunked`, as a stream does); the requests are kept."""

    def __init__(self, files: dict[str, tuple[bytes, str, bool]]):
        super().__init__()
        self.files = files
        self.requests = []

    def send(self, request, stream=False, **kwargs):
        self.requests.append(request)
        content, content_type, chunked = self.files[request.url]
        response = requests.Response()
        response.status_code = 200
        response.headers["Content-Type"] = content_type
        if not chunked:
            response.headers["Content-Length"] = str(len(content))
        response.raw = io.BytesIO(content)
        response.url = request.url
        response.request = request
        return response

    def close(self):
        pass


@pytest.fixture
def twilio_media(monkeypatch):
    def install(files):
        host = TwilioMediaHost(files)
        session = requests.Session()
        session.mount("https://api.twilio.com/", host)
        monkeypatch.setattr("tickets.twilio_media.twilio_media_session", lambda: session)
        return host

    return install


@override_settings(
    COMMS_SANDBOX=False,
    TWILIO_ACCOUNT_SID="AC" + "1" * 32,
    TWILIO_MEDIA_MAX_BYTES=1024 * 1024,
)
def test_mms_media_are_stored_privately_and_one_too_large_stays_a_link_shown_too_large(
    client, world, desk, twilio_media
):
    mms = fixture("twilio_mms.json")
    photo = os.urandom(700 * 1024)
    host = twilio_media(
        {
            mms["MediaUrl0"]: (photo, "image/jpeg", False),
            mms["MediaUrl1"]: (os.urandom(2 * 1024 * 1024), "application/pdf", True),
        }
    )

    assert post_twilio(client, mms).status_code == 200
    process_pending(world)

    message = message_of(world, events(world)[0])
    with world.active():
        (stored,) = message.attachments.all()
        assert (stored.filename, stored.size, stored.content_type) == (
            "media-1.jpg",
            len(photo),
            "image/jpeg",
        )
        with stored.file.open("rb") as kept:
            assert kept.read() == photo
    (link,) = message.media
    assert link["url"] == mms["MediaUrl1"] and link["too_large"] > 1024 * 1024
    assert all(r.headers["Authorization"].startswith("Basic ") for r in host.requests)
    sign_in(client, world.rep)
    page = client.get(reverse("tickets:detail", kwargs={"ticket_pk": message.ticket_id}))
    assert "too large to keep: held by Twilio" in page.content.decode()


class TwilioRedirects(requests.adapters.BaseAdapter):
    """api.twilio.com at the HTTP boundary, answering each media URL with a redirect to `where`
    (as it does, to its storage)."""

    def __init__(self, where: str):
        super().__init__()
        self.where = where

    def send(self, request, stream=False, **kwargs):
        response = requests.Response()
        response.status_code = 307
        response.headers["Location"] = self.where
        response.raw = io.BytesIO(b"")
        response.url = request.url
        response.request = request
        return response

    def close(self):
        pass


@override_settings(COMMS_SANDBOX=False, TWILIO_ACCOUNT_SID="AC" + "1" * 32)
def test_a_media_redirect_into_the_platforms_network_is_not_followed(
    client, world, desk, monkeypatch
):
    """Issue 56: the media session follows Twilio's redirect only to a public address."""
    from tickets import twilio_media

    with serving_internally() as (internal, hits):
        session = twilio_media.twilio_media_session()
        session.mount("https://api.twilio.com/", TwilioRedirects(internal + "/latest/meta-data/"))
        monkeypatch.setattr(twilio_media, "twilio_media_session", lambda: session)

        mms = fixture("twilio_mms.json")
        assert post_twilio(client, mms).status_code == 200
        process_pending(world)

    message = message_of(world, events(world)[0])
    with world.active():
        assert not message.attachments.exists()
    assert all(link.get("not_fetched") for link in message.media)
    assert hits == []


def test_a_text_from_a_customer_is_threaded_in_a_fixed_number_of_statements(client, world, desk):
    """The worker's cost of an inbound message is its statements (a web process's share of the
    two cores under load): the first text opens and assigns a ticket, the second joins it, each
    in a fixed budget, the tenant's inbox settings read once."""
    with world.active():
        ContactPhoneFactory(tenant=world.tenant, contact=world.contact, number="(786) 555-0142")
    lead_for(world)
    sms = fixture("twilio_sms.json")
    budgets = []
    # Each includes the two SET CONSTRAINTS that check the foreign keys inside the retried try.
    for number, budget in ((1, 56), (2, 33)):
        sid = "SM" + str(number) * 32
        fields = {**sms, "MessageSid": sid, "SmsSid": sid, "SmsMessageSid": sid}
        assert post_twilio(client, fields).status_code == 200
        with CaptureQueriesContext(connection) as queries:
            assert process_pending(world)[0].startswith("ticket ")
        settings_reads = [q for q in queries if 'FROM "tickets_inboxsettings"' in q["sql"]]
        budgets.append((len(queries), budget, len(settings_reads)))
    assert all(count <= budget and reads == 1 for count, budget, reads in budgets), budgets
