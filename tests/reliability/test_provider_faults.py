"""Providers failing at their HTTP boundary: an ESP (Postmark, through anymail's real backend) and
Twilio (through its real REST client) answering 500, timing out, or rate-limiting with 429 and a
Retry-After. Every message ends sent exactly once or visibly failed (its decisions, the timeline,
its sender told); none is dropped, and a provider's Retry-After is waited out.

Only the HTTP transport is fake: requests' adapter answers in place of the provider's servers, so
anymail and Twilio's client build, send and read real HTTP requests and responses (the Twilio
double of tests/messaging/test_webhooks.py stands in for the whole client instead). Complements that
file's 5xx/429 test, which covers Twilio's backoff schedule and final failure.
"""

import datetime as dt
import json
from email.utils import format_datetime

import pytest
import requests
from django.test import override_settings
from requests.structures import CaseInsensitiveDict

from crm.models import Notification, TimelineEvent
from messaging.models import MessageStatus, OutboundMessage, ProviderMessageRoute
from messaging.services import outbox_send, providers
from tests.factories import lead_for
from tests.messaging.test_webhooks import AFTERNOON, _reload, _schedule, _send_due

pytestmark = pytest.mark.django_db

POSTMARK_TOKEN = "postmark-server-token"
ACCOUNT_SID = "AC" + "1" * 32
POSTMARK_LIVE = override_settings(
    COMMS_SANDBOX=False,
    EMAIL_BACKEND="anymail.backends.postmark.EmailBackend",
    ANYMAIL={"POSTMARK_SERVER_TOKEN": POSTMARK_TOKEN, "WEBHOOK_SECRET": "a:b"},
)
TWILIO_LIVE = override_settings(
    COMMS_SANDBOX=False,
    TWILIO_ACCOUNT_SID=ACCOUNT_SID,
    TWILIO_AUTH_TOKEN="twilio-auth-token",
    THREADLINE_SITE_URL="https://crm.threadline.example",
)


class ProviderServers(requests.adapters.BaseAdapter):
    """Every HTTP request the process makes is answered here with the next scripted answer: a
    (status, JSON body, headers) or an exception requests would raise (a timeout)."""

    def __init__(self):
        super().__init__()
        self.answers: list = []
        self.requests: list[requests.PreparedRequest] = []

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        status, body, headers = answer
        response = requests.Response()
        response.status_code = status
        response.reason = {200: "OK", 201: "Created", 429: "Too Many Requests"}.get(status, "Error")
        response._content = json.dumps(body).encode()
        response.headers = CaseInsensitiveDict({"Content-Type": "application/json", **headers})
        response.encoding = "utf-8"
        response.url = request.url
        response.request = request
        return response

    def close(self):
        pass


@pytest.fixture
def servers(monkeypatch):
    fake = ProviderServers()
    monkeypatch.setattr(requests.Session, "get_adapter", lambda session, url: fake)
    return fake


def postmark_accepted(to: str, message_id: str = "b7bc2f4a-e38e-4336-af7d-e6c392c2f817"):
    body = {
        "To": to,
        "SubmittedAt": "2026-06-09T19:30:00.0000000-04:00",
        "MessageID": message_id,
        "ErrorCode": 0,
        "Message": "OK",
    }
    return 200, body, {}


def twilio_created(sid: str = "SM" + "c" * 32):
    return 201, {"sid": sid, "status": "queued", "error_code": None}, {}


def _decisions(message: OutboundMessage) -> list[str]:
    return [d["decision"] for d in message.decisions]


@POSTMARK_LIVE
def test_an_email_through_500_timeout_and_429_waits_as_told_then_goes_once(world, servers):
    servers.answers = [
        (500, {"ErrorCode": 0, "Message": "Internal server error"}, {}),
        requests.exceptions.ReadTimeout("api.postmarkapp.com read timed out (30 s)"),
        (429, {"ErrorCode": 0, "Message": "Rate limit exceeded"}, {"Retry-After": "1800"}),
    ]
    message = _schedule(world, channel="email", subject="Your quote", key="fault:email")
    servers.answers.append(postmark_accepted(message.to_address))

    now = AFTERNOON
    assert _send_due(world, now) == ["retry"]
    assert "500" in _reload(world, message).last_error
    now += outbox_send.RETRY_DELAYS[0]
    assert _send_due(world, now) == ["retry"]
    assert "timed out" in _reload(world, message).last_error
    now += outbox_send.RETRY_DELAYS[1]
    assert _send_due(world, now) == ["retry"]
    waiting = _reload(world, message)
    # Our third wait would be 15 minutes; Postmark asked for 30.
    assert waiting.send_after == now + dt.timedelta(minutes=30)
    assert _send_due(world, now + outbox_send.RETRY_DELAYS[2]) == []
    assert _send_due(world, now + dt.timedelta(minutes=30)) == ["sent"]

    sent = _reload(world, message)
    assert sent.status == MessageStatus.SENT
    assert sent.attempts == 4 == len(servers.requests)
    assert sent.provider_message_id == "b7bc2f4a-e38e-4336-af7d-e6c392c2f817"
    assert _decisions(sent) == ["scheduled", "retry", "retry", "retry", "sent"]
    assert {r.url for r in servers.requests} == {"https://api.postmarkapp.com/email"}
    assert {r.headers["X-Postmark-Server-Token"] for r in servers.requests} == {POSTMARK_TOKEN}
    assert ProviderMessageRoute.objects.filter(message_id=message.pk).count() == 1
    # Nothing left to send it again.
    assert _send_due(world, now + dt.timedelta(days=1)) == []


@TWILIO_LIVE
def test_a_text_through_a_timeout_and_a_429_waits_as_told_then_goes_once(world, servers):
    servers.answers = [
        requests.exceptions.ConnectTimeout("api.twilio.com connect timed out (10 s)"),
        (
            429,
            {"code": 20429, "message": "Too Many Requests", "status": 429},
            {"Retry-After": "600"},
        ),
        twilio_created(),
    ]
    message = _schedule(world, key="fault:sms")

    now = AFTERNOON
    assert _send_due(world, now) == ["retry"]
    assert "timed out" in _reload(world, message).last_error
    now += outbox_send.RETRY_DELAYS[0]
    assert _send_due(world, now) == ["retry"]
    # Our second wait would be 5 minutes; Twilio asked for 10.
    assert _reload(world, message).send_after == now + dt.timedelta(minutes=10)
    assert _send_due(world, now + dt.timedelta(minutes=9)) == []
    assert _send_due(world, now + dt.timedelta(minutes=10)) == ["sent"]

    sent = _reload(world, message)
    assert (sent.status, sent.attempts, sent.provider_message_id) == (
        MessageStatus.SENT,
        3,
        "SM" + "c" * 32,
    )
    assert len(servers.requests) == 3
    assert {r.url for r in servers.requests} == {
        f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    }


@POSTMARK_LIVE
def test_an_esp_that_stays_down_ends_with_the_message_visibly_failed(world, servers):
    """A Retry-After far away (a date a week on) is capped, so the message is not parked for a
    week; after the last attempt it fails where people look: its page, the lead's timeline, and
    its owner's notifications."""
    week_on = format_datetime(AFTERNOON + dt.timedelta(days=7), usegmt=True)
    servers.answers = [
        (503, {"ErrorCode": 0, "Message": "Service unavailable"}, {"Retry-After": week_on}),
    ] * outbox_send.MAX_ATTEMPTS
    lead = lead_for(world, owner=world.rep)
    message = _schedule(world, channel="email", subject="Your quote", key="fault:down", lead=lead)

    now = AFTERNOON
    for _ in range(outbox_send.MAX_ATTEMPTS - 1):
        assert _send_due(world, now) == ["retry"]
        waiting = _reload(world, message)
        assert waiting.send_after - now <= outbox_send.RETRY_AFTER_AT_MOST
        now = waiting.send_after
    assert _send_due(world, now) == ["failed"]

    failed = _reload(world, message)
    assert failed.status == MessageStatus.FAILED
    assert failed.attempts == outbox_send.MAX_ATTEMPTS == len(servers.requests)
    assert "503" in failed.last_error
    assert _decisions(failed) == ["scheduled"] + ["retry"] * 4 + ["failed"]
    with world.active():
        assert TimelineEvent.objects.filter(
            tenant=world.tenant, lead_id=lead.pk, kind="message.failed"
        ).exists()
        assert Notification.objects.filter(
            tenant=world.tenant, recipient=world.rep.user, kind="message_failed"
        ).exists()


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("120", dt.timedelta(minutes=2)),
        (" 0 ", dt.timedelta(0)),
        (
            format_datetime(AFTERNOON + dt.timedelta(minutes=3), usegmt=True),
            dt.timedelta(minutes=3),
        ),
        (format_datetime(AFTERNOON - dt.timedelta(minutes=3), usegmt=True), dt.timedelta(0)),
        ("", None),
        (None, None),
        ("soon", None),
        ("-5", None),
        ("Wed, 21 Oct 2015 07:28:00", None),  # no zone: unreadable rather than guessed
    ],
)
def test_retry_after_headers_are_read_as_seconds_or_a_date(header, expected):
    assert providers.retry_after(header, now=AFTERNOON) == expected
