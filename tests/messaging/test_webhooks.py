"""Provider webhooks and the real send paths: Twilio's status callback and its REST API (faked at
its HTTP client, the one allowed double), anymail's tracking webhooks for Mailgun, SendGrid,
Postmark and Amazon SES, and email through anymail's test backend.

A webhook changes a message only when it is authentic and about a message of ours; a replay or a
late event never moves a message backwards."""

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
from urllib.parse import urlencode

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator

from crm.models import ConsentStatus, ContactConsent, Notification, TimelineEvent
from messaging.models import (
    ContactCommsProfile,
    MessageSource,
    MessageStatus,
    OutboundMessage,
    ProviderMessageRoute,
)
from messaging.services import outbox, outbox_send
from tests.factories import lead_for

pytestmark = pytest.mark.django_db

# A Tuesday, 15:00 in Miami (EDT): inside every channel's quiet-hours window.
AFTERNOON = dt.datetime(2026, 6, 9, 19, 0, tzinfo=dt.UTC)
SITE = "https://crm.threadline.example"
ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "twilio-auth-token"
SID = "SM" + "a" * 32

TWILIO_LIVE = override_settings(
    COMMS_SANDBOX=False,
    TWILIO_ACCOUNT_SID=ACCOUNT_SID,
    TWILIO_AUTH_TOKEN=AUTH_TOKEN,
    THREADLINE_SITE_URL=SITE,
)
WEBHOOK_SECRET = "anymail:hook-secret"
MAILGUN_KEY = "mailgun-signing-key"
EMAIL_LIVE = override_settings(
    COMMS_SANDBOX=False,
    EMAIL_BACKEND="anymail.backends.test.EmailBackend",
    ANYMAIL={"WEBHOOK_SECRET": WEBHOOK_SECRET, "MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_KEY},
)


# --- Twilio's REST API, at its HTTP boundary -----------------------------------------------------


class TwilioApi(HttpClient):
    """Answers each request to Twilio's REST API with the next scripted (status, body)."""

    def __init__(self, *answers):
        super().__init__(logger=logging.getLogger("tests.twilio"), is_async=False)
        self.answers = list(answers)
        self.requests = []

    def request(self, method, uri, params=None, data=None, headers=None, auth=None, **options):
        self.requests.append({"method": method, "uri": uri, "data": data, "auth": auth})
        status, body = self.answers.pop(0)
        return Response(status, json.dumps(body))


def created(sid: str = SID):
    return 201, {"sid": sid, "status": "queued", "error_code": None, "num_segments": "1"}


def twilio_error(status: int, code: int, text: str):
    return status, {"code": code, "message": text, "more_info": "", "status": status}


@pytest.fixture
def twilio_api(monkeypatch):
    """Install a TwilioApi with the given answers as the outbox's Twilio HTTP client."""

    def install(*answers):
        api = TwilioApi(*answers)
        monkeypatch.setattr("messaging.services.providers.twilio_http_client", lambda: api)
        return api

    return install


def _schedule(world, *, channel="sms", key="test:1", lead=None, **fields):
    with world.active():
        return outbox.message_schedule(
            tenant=world.tenant,
            channel=channel,
            source=MessageSource.MANUAL,
            idempotency_key=key,
            contact=world.contact,
            lead=lead,
            body_text=fields.pop("body_text", "Your roofer is on the way."),
            now=AFTERNOON,
            **fields,
        )


def _send_due(world, now=AFTERNOON) -> list[str]:
    with world.active():
        ids = outbox.outbox_claim_due(tenant=world.tenant, now=now)
        return [outbox_send.message_send(tenant=world.tenant, message_id=pk, now=now) for pk in ids]


def _reload(world, message) -> OutboundMessage:
    with world.active():
        return OutboundMessage.objects.get(tenant=world.tenant, pk=message.pk)


@pytest.fixture
def sms_sent(world, twilio_api):
    """An SMS that went out through Twilio and got SID back."""
    api = twilio_api(created())
    with TWILIO_LIVE:
        message = _schedule(world)
        assert _send_due(world) == ["sent"]
    message.api = api
    return message


# --- The Twilio send path -------------------------------------------------------------------------


def test_an_sms_goes_to_twilio_with_our_status_callback_and_is_routed(world, sms_sent):
    message = _reload(world, sms_sent)
    assert message.status == MessageStatus.SENT
    assert (message.provider, message.provider_message_id) == ("twilio", SID)
    route = ProviderMessageRoute.objects.get(provider="twilio", provider_message_id=SID)
    assert (route.tenant_id, route.message_id) == (world.tenant.pk, message.pk)
    (request,) = sms_sent.api.requests
    assert request["method"] == "POST"
    assert request["uri"].endswith(f"/Accounts/{ACCOUNT_SID}/Messages.json")
    assert request["data"]["To"] == message.to_address
    assert request["data"]["Body"] == "Your roofer is on the way."
    assert request["data"]["StatusCallback"] == f"{SITE}/hooks/twilio/status/"
    assert request["auth"] == (ACCOUNT_SID, AUTH_TOKEN)


@TWILIO_LIVE
def test_twilio_5xx_and_429_retry_with_backoff_then_fail_and_tell_the_owner(world, twilio_api):
    api = twilio_api(
        twilio_error(500, 20500, "Internal Server Error"),
        twilio_error(429, 20429, "Too Many Requests"),
        twilio_error(503, 20503, "Service Unavailable"),
        twilio_error(500, 20500, "Internal Server Error"),
        twilio_error(502, 20502, "Bad Gateway"),
    )
    lead = lead_for(world, owner=world.rep)
    message = _schedule(world, lead=lead)

    now = AFTERNOON
    for delay in outbox_send.RETRY_DELAYS:
        assert _send_due(world, now) == ["retry"]
        retried = _reload(world, message)
        assert retried.status == MessageStatus.SCHEDULED
        assert retried.send_after == now + delay
        assert _send_due(world, now + delay - dt.timedelta(seconds=1)) == []  # not before
        now += delay
    assert _send_due(world, now) == ["failed"]

    failed = _reload(world, message)
    assert failed.status == MessageStatus.FAILED
    assert failed.attempts == outbox_send.MAX_ATTEMPTS == len(api.requests)
    assert "after 5 attempts" in failed.last_error
    assert [d["decision"] for d in failed.decisions] == ["scheduled"] + ["retry"] * 4 + ["failed"]
    with world.active():
        notice = Notification.objects.get(recipient=world.rep.user, kind="message_failed")
    assert notice.title.startswith("Message not sent")
    assert notice.url == reverse("leads:detail", kwargs={"lead_pk": lead.pk})


@TWILIO_LIVE
def test_an_invalid_number_fails_at_once(world, twilio_api):
    api = twilio_api(
        twilio_error(400, 21211, "The 'To' number +1305555 is not a valid phone number.")
    )
    message = _schedule(world)

    assert _send_due(world) == ["failed"]

    failed = _reload(world, message)
    assert failed.status == MessageStatus.FAILED
    assert failed.attempts == 1 == len(api.requests)
    assert "21211" in failed.last_error
    assert not ProviderMessageRoute.objects.exists()


# --- Twilio's status callback ---------------------------------------------------------------------

STATUS_PATH = "/hooks/twilio/status/"


def _twilio_post(client, params: dict, *, signature: str | None = None, token: str = AUTH_TOKEN):
    if signature is None:
        signature = RequestValidator(token).compute_signature(f"{SITE}{STATUS_PATH}", params)
    return client.post(
        STATUS_PATH,
        urlencode(params),
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": signature},
    )


def _status(status: str, sid: str = SID, **extra) -> dict:
    return {
        "AccountSid": ACCOUNT_SID,
        "MessageSid": sid,
        "SmsSid": sid,
        "MessageStatus": status,
        "SmsStatus": status,
        "To": "+13055550100",
        "From": "+13055550199",
        "ApiVersion": "2010-04-01",
        **extra,
    }


def test_the_status_callback_url_is_the_one_the_outbox_gives_twilio():
    assert reverse("tickets-public:twilio-status") == STATUS_PATH


@TWILIO_LIVE
def test_a_signed_delivered_callback_marks_the_message_delivered(client, world, sms_sent):
    response = _twilio_post(client, _status("delivered"))

    assert response.status_code == 200
    assert response.content == b""
    message = _reload(world, sms_sent)
    assert message.status == MessageStatus.DELIVERED
    assert message.delivered_at is not None
    assert message.decisions[-1]["reason"] == "Delivered (Twilio)"


@TWILIO_LIVE
def test_a_replayed_callback_changes_nothing(client, world, sms_sent):
    _twilio_post(client, _status("delivered"))
    first = _reload(world, sms_sent)

    assert _twilio_post(client, _status("delivered")).status_code == 200

    again = _reload(world, sms_sent)
    assert (again.status, again.delivered_at, again.decisions) == (
        first.status,
        first.delivered_at,
        first.decisions,
    )


@TWILIO_LIVE
def test_delivered_after_read_never_moves_the_message_back(client, world, sms_sent):
    assert _twilio_post(client, _status("read")).status_code == 200
    assert _twilio_post(client, _status("delivered")).status_code == 200

    message = _reload(world, sms_sent)
    assert message.status == MessageStatus.OPENED
    assert message.opened_at is not None and message.delivered_at is not None


@TWILIO_LIVE
def test_steps_on_the_way_are_ignored(client, world, sms_sent):
    for status in ("queued", "sending", "sent", "accepted"):
        assert _twilio_post(client, _status(status)).status_code == 200
    message = _reload(world, sms_sent)
    assert message.status == MessageStatus.SENT
    assert [d["decision"] for d in message.decisions] == ["scheduled", "sent"]


@TWILIO_LIVE
def test_an_undelivered_sms_to_a_dead_number_fails_and_says_so(client, world, sms_sent):
    response = _twilio_post(client, _status("undelivered", ErrorCode="30005"))

    assert response.status_code == 200
    message = _reload(world, sms_sent)
    assert message.status == MessageStatus.FAILED
    assert message.last_error == (
        "Undelivered (Twilio error 30005): bad number, the number is unknown or no longer exists"
    )
    with world.active():
        assert TimelineEvent.objects.filter(
            contact=world.contact, kind="message.failed", summary__contains="30005"
        ).exists()


@TWILIO_LIVE
def test_a_failed_callback_with_a_passing_error_is_not_a_bad_number(client, world, sms_sent):
    _twilio_post(client, _status("failed", ErrorCode="30008"))

    message = _reload(world, sms_sent)
    assert message.status == MessageStatus.FAILED
    assert message.last_error == "Failed (Twilio error 30008)"


@TWILIO_LIVE
@pytest.mark.parametrize(
    "signature", ["", "not-a-signature", "wrong-token", "other-url"], ids=lambda s: s or "missing"
)
def test_a_bad_signature_is_refused_and_changes_nothing(client, world, sms_sent, signature):
    params = _status("delivered")
    if signature == "wrong-token":
        signature = RequestValidator("someone-else").compute_signature(
            f"{SITE}{STATUS_PATH}", params
        )
    elif signature == "other-url":
        # Signed for the URL the test server sees, not the public one Twilio was given.
        signature = RequestValidator(AUTH_TOKEN).compute_signature(
            f"http://testserver{STATUS_PATH}", params
        )
    response = client.post(
        STATUS_PATH,
        urlencode(params),
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": signature} if signature else {},
    )

    assert response.status_code == 403
    assert _reload(world, sms_sent).status == MessageStatus.SENT


@override_settings(TWILIO_AUTH_TOKEN="", THREADLINE_SITE_URL=SITE)
def test_without_a_twilio_token_every_callback_is_refused(client, world):
    response = _twilio_post(client, _status("delivered"), token="")
    assert response.status_code == 403


@TWILIO_LIVE
def test_tampered_parameters_break_the_signature(client, world, sms_sent):
    params = _status("delivered")
    signature = RequestValidator(AUTH_TOKEN).compute_signature(f"{SITE}{STATUS_PATH}", params)
    response = _twilio_post(client, {**params, "MessageStatus": "failed"}, signature=signature)
    assert response.status_code == 403
    assert _reload(world, sms_sent).status == MessageStatus.SENT


@TWILIO_LIVE
def test_an_unknown_sid_is_answered_200_so_twilio_stops_retrying(client, world, caplog):
    response = _twilio_post(client, _status("delivered", sid="SM" + "f" * 32))
    assert response.status_code == 200
    assert "unknown message" in caplog.text


@TWILIO_LIVE
def test_a_signed_callback_without_sid_or_status_is_malformed(client, world, sms_sent):
    assert _twilio_post(client, {"AccountSid": ACCOUNT_SID, "MessageSid": SID}).status_code == 400
    assert _twilio_post(client, {"MessageStatus": "delivered"}).status_code == 400
    assert _reload(world, sms_sent).status == MessageStatus.SENT


def _own_twilio_number(world, number: str, token: str):
    from tickets.services import configuration

    with world.active():
        inbox = configuration.inbox_save(tenant=world.tenant, actor=None, name="Texts")
        configuration.inbox_address_save(
            tenant=world.tenant,
            inbox=inbox,
            channel="sms",
            address=number,
            twilio_account_sid="AC" + "9" * 32,
            twilio_auth_token=token,
        )


@TWILIO_LIVE
def test_a_tenant_cannot_sign_status_reports_about_another_tenants_messages(
    client, world, other_world, sms_sent
):
    """Another tenant's own Twilio token, with its own number in From, signs a report about our
    message: the message is ours, so only the token it was sent with counts."""
    _own_twilio_number(other_world, "+13055550199", "other-tenants-token")

    response = _twilio_post(client, _status("failed"), token="other-tenants-token")

    assert response.status_code == 403
    assert _reload(world, sms_sent).status == MessageStatus.SENT


@TWILIO_LIVE
def test_a_message_sent_from_a_tenants_own_account_is_checked_with_that_accounts_token(
    client, world, twilio_api
):
    _own_twilio_number(world, "+13055550177", "own-account-token")
    twilio_api(created())
    message = _schedule(world, from_address="+13055550177")
    assert _send_due(world) == ["sent"]
    report = _status("delivered", From="+13055550177")

    assert _twilio_post(client, report).status_code == 403  # the platform's token
    assert _twilio_post(client, report, token="own-account-token").status_code == 200
    assert _reload(world, message).status == MessageStatus.DELIVERED


@TWILIO_LIVE
def test_the_status_callback_takes_only_posts(client):
    assert client.get(STATUS_PATH).status_code == 405


# --- Email through anymail's test backend --------------------------------------------------------


@pytest.fixture
def email_sent(world):
    """An email that went out through anymail (its test backend, which keeps it in mail.outbox)."""
    with EMAIL_LIVE:
        message = _schedule(world, channel="email", subject="Your quote", key="email:1")
        assert _send_due(world) == ["sent"]
    return _reload(world, message)


def test_an_email_goes_out_through_anymail_with_our_metadata_and_is_routed(world, email_sent):
    (sent,) = mail.outbox
    assert sent.to == [email_sent.to_address]
    assert sent.subject == "Your quote"
    params = sent.anymail_test_params
    assert params["metadata"] == {"tenant": str(world.tenant.pk), "message": str(email_sent.pk)}
    assert params["track_opens"] is True
    assert sent.extra_headers["Message-ID"] == (
        f"<outbox-{world.tenant.pk}-{email_sent.pk}@threadline.test>"
    )
    assert email_sent.provider == "email"
    route = ProviderMessageRoute.objects.get(provider="email")
    assert (route.provider_message_id, route.message_id) == (
        email_sent.provider_message_id,
        email_sent.pk,
    )


def _basic_auth(secret: str = WEBHOOK_SECRET) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(secret.encode()).decode()}


def _anymail_url(esp: str) -> str:
    return reverse(f"comms-public:anymail:{esp}_tracking_webhook")


def _post_json(client, url: str, payload, *, auth: str | None = WEBHOOK_SECRET, **headers):
    if auth is not None:
        headers.update(_basic_auth(auth))
    return client.post(url, json.dumps(payload), content_type="application/json", headers=headers)


def _bare(message_id: str) -> str:
    return message_id.strip("<>")


# Mailgun: JSON webhooks signed with the webhook signing key (HMAC of timestamp + token).


def _mailgun(event_data: dict, *, key: str = MAILGUN_KEY, token: str = "a" * 50) -> dict:
    timestamp = "1781031600"
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {
        "signature": {"timestamp": timestamp, "token": token, "signature": signature},
        "event-data": {"timestamp": 1781031600.123, "id": "Ase7i2zsRYeDXztHGENqRA", **event_data},
    }


def _mailgun_event(message, event: str, **extra) -> dict:
    return _mailgun(
        {
            "event": event,
            "recipient": message.to_address,
            "message": {"headers": {"message-id": _bare(message.provider_message_id)}},
            "user-variables": {"tenant": str(message.tenant_id), "message": str(message.pk)},
            **extra,
        },
        token=f"{event:a<50}",
    )


@EMAIL_LIVE
def test_mailgun_delivered_then_opened(client, world, email_sent):
    url = _anymail_url("mailgun")
    assert _post_json(client, url, _mailgun_event(email_sent, "delivered")).status_code == 200
    assert _reload(world, email_sent).status == MessageStatus.DELIVERED

    assert _post_json(client, url, _mailgun_event(email_sent, "opened")).status_code == 200
    message = _reload(world, email_sent)
    assert message.status == MessageStatus.OPENED
    assert message.delivered_at == dt.datetime(2026, 6, 9, 19, 0, 0, 123000, tzinfo=dt.UTC)


@EMAIL_LIVE
def test_a_mailgun_permanent_failure_is_a_hard_bounce(client, world, email_sent):
    payload = _mailgun_event(
        email_sent,
        "failed",
        severity="permanent",
        reason="bounce",
        **{"delivery-status": {"code": 550, "message": "5.1.1 The email account does not exist"}},
    )
    assert _post_json(client, _anymail_url("mailgun"), payload).status_code == 200

    message = _reload(world, email_sent)
    assert message.status == MessageStatus.BOUNCED
    assert "does not exist" in message.last_error
    with world.active():
        profile = ContactCommsProfile.objects.get(contact=world.contact)
    assert profile.bounced_email == email_sent.to_address


@EMAIL_LIVE
def test_a_mailgun_temporary_failure_changes_nothing(client, world, email_sent):
    payload = _mailgun_event(email_sent, "failed", severity="temporary", reason="generic")
    assert _post_json(client, _anymail_url("mailgun"), payload).status_code == 200
    assert _reload(world, email_sent).status == MessageStatus.SENT


@EMAIL_LIVE
def test_a_mailgun_event_with_a_wrong_signature_is_refused(client, world, email_sent):
    payload = _mailgun_event(email_sent, "delivered")
    payload["signature"]["signature"] = "0" * 64
    assert _post_json(client, _anymail_url("mailgun"), payload).status_code == 400
    assert _reload(world, email_sent).status == MessageStatus.SENT


# SendGrid: a JSON list of events; our metadata comes back merged into each one.


def _sendgrid_event(message, event: str, **extra) -> dict:
    return {
        "email": message.to_address,
        "timestamp": 1781031600,
        "smtp-id": message.provider_message_id,
        "event": event,
        "sg_event_id": f"sg-{event}",
        "sg_message_id": "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0",
        "anymail_id": message.provider_message_id,
        "tenant": str(message.tenant_id),
        "message": str(message.pk),
        **extra,
    }


@EMAIL_LIVE
@pytest.mark.filterwarnings("ignore::anymail.exceptions.AnymailNotSupportedWarning")
def test_sendgrid_delivered_and_clicked(client, world, email_sent):
    payload = [
        _sendgrid_event(email_sent, "delivered", response="250 OK"),
        _sendgrid_event(email_sent, "click", url="https://roofs.example/quote"),
    ]
    assert _post_json(client, _anymail_url("sendgrid"), payload).status_code == 200

    message = _reload(world, email_sent)
    assert message.status == MessageStatus.CLICKED
    assert message.decisions[-1]["reason"] == "Clicked https://roofs.example/quote"


@EMAIL_LIVE
@pytest.mark.filterwarnings("ignore::anymail.exceptions.AnymailNotSupportedWarning")
def test_a_sendgrid_blocked_bounce_fails_without_marking_the_address(client, world, email_sent):
    payload = [
        _sendgrid_event(email_sent, "bounce", type="blocked", reason="550 blocked by policy")
    ]
    assert _post_json(client, _anymail_url("sendgrid"), payload).status_code == 200

    message = _reload(world, email_sent)
    assert message.status == MessageStatus.FAILED
    assert message.last_error.startswith("Soft bounce (SendGrid)")
    with world.active():
        assert not ContactCommsProfile.objects.filter(email_bounced_at__isnull=False).exists()


@EMAIL_LIVE
@pytest.mark.filterwarnings("ignore::anymail.exceptions.AnymailNotSupportedWarning")
def test_a_sendgrid_spam_report_withdraws_email_consent(client, world, email_sent):
    payload = [_sendgrid_event(email_sent, "spamreport")]
    assert _post_json(client, _anymail_url("sendgrid"), payload).status_code == 200
    assert _post_json(client, _anymail_url("sendgrid"), payload).status_code == 200  # replayed

    with world.active():
        consent = ContactConsent.objects.get(contact=world.contact, channel="email")
        assert (consent.status, consent.source) == (ConsentStatus.WITHDRAWN, "spam complaint")
        assert TimelineEvent.objects.filter(kind="contact.consent").count() == 1
    assert _reload(world, email_sent).status == MessageStatus.SENT


# Postmark: one JSON record per webhook.


def _postmark(message, record_type: str, **extra) -> dict:
    return {
        "RecordType": record_type,
        "ServerID": 23,
        "MessageStream": "outbound",
        "MessageID": message.provider_message_id,
        "Metadata": {"tenant": str(message.tenant_id), "message": str(message.pk)},
        "Tag": "",
        **extra,
    }


@EMAIL_LIVE
def test_postmark_delivery(client, world, email_sent):
    payload = _postmark(
        email_sent,
        "Delivery",
        Recipient=email_sent.to_address,
        DeliveredAt="2026-06-09T19:00:05.9070259Z",
        Details="Test delivery webhook details",
    )
    assert _post_json(client, _anymail_url("postmark"), payload).status_code == 200
    assert _reload(world, email_sent).status == MessageStatus.DELIVERED


def _postmark_bounce(message, bounce_type: str) -> dict:
    return _postmark(
        message,
        "Bounce",
        ID=4323372036854775807,
        Type=bounce_type,
        TypeCode=1,
        Name="Hard bounce",
        Description="The server was unable to deliver your message (ex: unknown user).",
        Details="smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        Email=message.to_address,
        From="hello@brand.test",
        BouncedAt="2026-06-09T19:01:00Z",
        Inactive=True,
        CanActivate=True,
        Subject="Your quote",
    )


@EMAIL_LIVE
def test_a_postmark_hard_bounce_marks_the_address_bad_and_blocks_the_next_email(
    client, world, email_sent
):
    response = _post_json(
        client, _anymail_url("postmark"), _postmark_bounce(email_sent, "HardBounce")
    )

    assert response.status_code == 200
    message = _reload(world, email_sent)
    assert message.status == MessageStatus.BOUNCED
    assert message.failed_at == dt.datetime(2026, 6, 9, 19, 1, tzinfo=dt.UTC)
    with world.active():
        profile = ContactCommsProfile.objects.get(contact=world.contact)
        assert profile.bounced_email == email_sent.to_address
        assert TimelineEvent.objects.filter(kind="message.bounced").exists()

    following = _schedule(world, channel="email", subject="Reminder", key="email:2")
    assert following.status == MessageStatus.SUPPRESSED
    assert following.decisions[-1]["reason"] == (
        f"Blocked: {email_sent.to_address} bounced; check the address"
    )


@EMAIL_LIVE
def test_a_postmark_soft_bounce_is_a_failure_not_a_bad_address(client, world, email_sent):
    _post_json(client, _anymail_url("postmark"), _postmark_bounce(email_sent, "SoftBounce"))

    assert _reload(world, email_sent).status == MessageStatus.FAILED
    with world.active():
        assert not ContactCommsProfile.objects.filter(contact=world.contact).exists()


@EMAIL_LIVE
def test_a_postmark_unsubscribe_withdraws_email_consent(client, world, email_sent):
    payload = _postmark(
        email_sent,
        "SubscriptionChange",
        Recipient=email_sent.to_address,
        SuppressSending=True,
        SuppressionReason="ManualSuppression",
        ChangedAt="2026-06-09T19:02:00Z",
        Origin="Recipient",
    )
    assert _post_json(client, _anymail_url("postmark"), payload).status_code == 200

    with world.active():
        consent = ContactConsent.objects.get(contact=world.contact, channel="email")
    assert (consent.status, consent.source) == (
        ConsentStatus.WITHDRAWN,
        "unsubscribed at the email provider",
    )


@EMAIL_LIVE
@pytest.mark.parametrize("auth", [None, "anymail:wrong", "someone:else"])
def test_postmark_without_the_shared_secret_is_refused(client, world, email_sent, auth):
    payload = _postmark_bounce(email_sent, "HardBounce")
    response = _post_json(client, _anymail_url("postmark"), payload, auth=auth)

    # Anymail raises AnymailWebhookValidationFailure (a SuspiciousOperation): Django answers 400.
    assert response.status_code == 400
    assert _reload(world, email_sent).status == MessageStatus.SENT
    with world.active():
        assert not ContactCommsProfile.objects.exists()


# Amazon SES: SNS posts a Notification whose Message is the SES event, as a JSON string.
# Anymail does not verify SNS signatures (Amazon publishes no Python way to); the shared secret
# in the subscription URL's basic auth is what authenticates these posts, so no network is used.


def _sns(ses_event: dict, message_id: str = "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324") -> dict:
    return {
        "Type": "Notification",
        "MessageId": message_id,
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:SES_Tracking",
        "Subject": "Amazon SES Email Event Notification",
        "Message": json.dumps(ses_event),
        "Timestamp": "2026-06-09T19:03:00.000Z",
        "SignatureVersion": "1",
        "Signature": "EXAMPLEpH+DcEwjAPg8O9mY8dReBSwksfg2S7WKQcikcNKWLQjwu6A4VbeS0QHVCkhRS7fUQvi2egU3N858fiTDN6bkkOxYDVrY0Ad8L10Hs3zH81mtnPk5uvvolIC1CXGu43obcgFxeL3khZl8IKvO61GWB6jI9b5+gLPoBc1Q=",
        "SigningCertURL": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem",
        "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:us-east-1:123456789012:SES_Tracking:0",
    }


def _ses_event(message, event_type: str, detail: dict) -> dict:
    return {
        "eventType": event_type,
        "mail": {
            "timestamp": "2026-06-09T19:00:00.000Z",
            "source": "hello@brand.test",
            "messageId": message.provider_message_id,
            "destination": [message.to_address],
            "headersTruncated": False,
            "headers": [
                {"name": "X-Metadata", "value": json.dumps({"tenant": str(message.tenant_id)})},
            ],
            "commonHeaders": {"subject": "Your quote", "to": [message.to_address]},
            "tags": {"ses:configuration-set": ["TrackingConfigSet"]},
        },
        event_type.lower(): detail,
    }


def _post_sns(client, payload: dict, *, auth: str | None = WEBHOOK_SECRET):
    headers = {
        "x-amz-sns-message-type": payload["Type"],
        "x-amz-sns-message-id": payload["MessageId"],
        "x-amz-sns-topic-arn": payload["TopicArn"],
        **(_basic_auth(auth) if auth else {}),
    }
    return client.post(
        _anymail_url("amazon_ses"),
        json.dumps(payload),
        content_type="text/plain; charset=UTF-8",
        headers=headers,
    )


@pytest.fixture
def boto3():
    return pytest.importorskip("boto3", reason="Amazon SES needs django-anymail[amazon-ses]")


@EMAIL_LIVE
def test_amazon_ses_delivery_and_permanent_bounce(client, world, email_sent, boto3):
    delivery = _ses_event(
        email_sent,
        "Delivery",
        {
            "timestamp": "2026-06-09T19:00:02.000Z",
            "processingTimeMillis": 546,
            "recipients": [email_sent.to_address],
            "smtpResponse": "250 2.6.0 Message received",
            "reportingMTA": "a8-70.smtp-out.amazonses.com",
        },
    )
    assert _post_sns(client, _sns(delivery)).status_code == 200
    assert _reload(world, email_sent).status == MessageStatus.DELIVERED

    bounce = _ses_event(
        email_sent,
        "Bounce",
        {
            "bounceType": "Permanent",
            "bounceSubType": "General",
            "bouncedRecipients": [
                {
                    "emailAddress": email_sent.to_address,
                    "action": "failed",
                    "status": "5.1.1",
                    "diagnosticCode": "smtp; 550 5.1.1 user unknown",
                }
            ],
            "timestamp": "2026-06-09T19:03:00.000Z",
            "feedbackId": "0102015bb5b1d6f7-example",
        },
    )
    assert _post_sns(client, _sns(bounce, message_id="second-notification")).status_code == 200
    message = _reload(world, email_sent)
    assert message.status == MessageStatus.BOUNCED
    assert message.last_error == "Bounced (Amazon SES): Permanent: General"


@EMAIL_LIVE
def test_an_amazon_ses_transient_bounce_is_a_failure_only(client, world, email_sent, boto3):
    bounce = _ses_event(
        email_sent,
        "Bounce",
        {
            "bounceType": "Transient",
            "bounceSubType": "MailboxFull",
            "bouncedRecipients": [{"emailAddress": email_sent.to_address}],
            "timestamp": "2026-06-09T19:03:00.000Z",
            "feedbackId": "0102015bb5b1d6f7-example",
        },
    )
    assert _post_sns(client, _sns(bounce)).status_code == 200
    assert _reload(world, email_sent).status == MessageStatus.FAILED
    with world.active():
        assert not ContactCommsProfile.objects.exists()


@EMAIL_LIVE
def test_an_amazon_ses_complaint_withdraws_email_consent(client, world, email_sent, boto3):
    complaint = _ses_event(
        email_sent,
        "Complaint",
        {
            "complainedRecipients": [{"emailAddress": email_sent.to_address}],
            "timestamp": "2026-06-09T19:04:00.000Z",
            "feedbackId": "0102015bb5b1d6f7-example",
            "complaintFeedbackType": "abuse",
        },
    )
    assert _post_sns(client, _sns(complaint)).status_code == 200
    with world.active():
        consent = ContactConsent.objects.get(contact=world.contact, channel="email")
    assert consent.status == ConsentStatus.WITHDRAWN


@EMAIL_LIVE
def test_amazon_ses_without_the_shared_secret_is_refused(client, world, email_sent, boto3):
    delivery = _ses_event(email_sent, "Delivery", {"recipients": [email_sent.to_address]})

    # No credentials at all: 401 with a challenge, which is what makes SNS send its basic auth.
    missing = _post_sns(client, _sns(delivery), auth=None)
    assert missing.status_code == 401
    assert missing["WWW-Authenticate"].startswith("Basic")
    assert _post_sns(client, _sns(delivery), auth="anymail:wrong").status_code == 400
    assert _reload(world, email_sent).status == MessageStatus.SENT


# Finding the message: the route first, our metadata only when the recipient matches too.


@EMAIL_LIVE
def test_without_a_route_the_metadata_finds_the_message_sent_to_that_recipient(
    client, world, email_sent
):
    ProviderMessageRoute.objects.all().delete()  # as if the worker died before its commit
    payload = _postmark(
        email_sent,
        "Delivery",
        MessageID="9b7c-resent-copy",
        Recipient=email_sent.to_address.upper(),
        DeliveredAt="2026-06-09T19:00:05Z",
    )
    assert _post_json(client, _anymail_url("postmark"), payload).status_code == 200
    assert _reload(world, email_sent).status == MessageStatus.DELIVERED


@EMAIL_LIVE
def test_metadata_naming_a_message_to_someone_else_changes_nothing(
    client, world, other_world, email_sent, caplog
):
    """Another deployment on the same ESP account has its own tenant and message ids."""
    payload = _postmark_bounce(email_sent, "HardBounce")
    payload.update(MessageID="other-deployment-id", Email="someone@elsewhere.example")

    assert _post_json(client, _anymail_url("postmark"), payload).status_code == 200

    assert _reload(world, email_sent).status == MessageStatus.SENT
    assert "matches no message of ours" in caplog.text


@EMAIL_LIVE
def test_an_event_for_an_unknown_message_is_accepted_and_ignored(client, world, caplog):
    payload = {
        "RecordType": "Delivery",
        "MessageID": "never-ours",
        "Recipient": "x@example.com",
        "DeliveredAt": "2026-06-09T19:00:05Z",
        "Metadata": {},
    }
    assert _post_json(client, _anymail_url("postmark"), payload).status_code == 200
    assert "unknown message" in caplog.text
