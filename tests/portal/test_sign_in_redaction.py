"""Sign-in links and codes are the customer's alone: with a real provider the staff outbox never
shows them and the stored text loses them once sent (the customer's copy still works). The
sandbox outbox of `make dev` keeps the link readable, as it is how a person signs in there."""

import json
import logging

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse
from twilio.http import HttpClient
from twilio.http.response import Response

from crm.models import TimelineEvent
from crm.phones import e164
from messaging.models import OutboundMessage
from messaging.redaction import CODE_HIDDEN, LINK_HIDDEN
from tests.conftest import sign_in
from tests.portal.helpers import CODE, LINK, deliver, link_path, sent_messages

pytestmark = pytest.mark.django_db

LIVE = override_settings(
    COMMS_SANDBOX=False, TWILIO_ACCOUNT_SID="AC" + "1" * 32, TWILIO_AUTH_TOKEN="live-token"
)


class TwilioApi(HttpClient):
    """Twilio's REST API at its HTTP boundary: records each request, answers "created"."""

    def __init__(self):
        super().__init__(logger=logging.getLogger("tests.twilio"), is_async=False)
        self.requests = []

    def request(self, method, uri, params=None, data=None, headers=None, auth=None, **options):
        self.requests.append({"uri": uri, "data": data})
        body = {"sid": f"SM{len(self.requests):032d}", "status": "queued", "error_code": None}
        return Response(201, json.dumps(body))


@pytest.fixture
def staff(world):
    client = Client()
    sign_in(client, world.admin)
    return client


def _detail(message) -> str:
    return reverse("comms-settings:message", kwargs={"message_pk": message.pk})


def _stored(world, message) -> OutboundMessage:
    with world.active():
        return OutboundMessage.objects.get(pk=message.pk)


def _timeline(world) -> str:
    with world.active():
        return " ".join(TimelineEvent.objects.values_list("summary", flat=True))


def test_a_link_sent_by_a_real_provider_is_hidden_from_staff_and_still_signs_in(
    client, world, staff
):
    with world.active():
        email = world.contact.emails.get().email
    with LIVE:
        client.post(reverse("portal:sign-in"), {"address": email})
        (message,) = sent_messages(world.tenant)
        secret = link_path(message)
        waiting = staff.get(_detail(message)).content.decode()
        deliver(world.tenant)
        after = staff.get(_detail(message)).content.decode()
        listing = staff.get(reverse("comms-settings:outbox")).content.decode()

    (sent,) = mail.outbox
    assert LINK.search(sent.body).group(1) == secret  # the customer got the link
    stored = _stored(world, message)
    assert (stored.status, stored.provider) == ("sent", "email")
    assert LINK_HIDDEN in stored.body_text and secret not in stored.body_text
    for page in (waiting, after):
        assert LINK_HIDDEN in page and secret not in page
    assert secret not in listing
    assert secret not in _timeline(world)
    visitor = Client()
    assert visitor.post(secret)["Location"] == reverse("portal:home")


def test_a_code_sent_by_a_real_provider_is_hidden_from_staff_and_still_signs_in(
    client, world, staff, monkeypatch
):
    api = TwilioApi()
    monkeypatch.setattr("messaging.services.providers.twilio_http_client", lambda: api)
    with world.active():
        phone = e164(world.contact.phones.get().number)
    with LIVE:
        client.post(reverse("portal:sign-in"), {"address": phone})
        deliver(world.tenant)
        (message,) = sent_messages(world.tenant)
        listing = staff.get(reverse("comms-settings:outbox")).content.decode()
        page = staff.get(_detail(message)).content.decode()

    (request,) = api.requests
    code = CODE.search(request["data"]["Body"]).group(1)
    stored = _stored(world, message)
    assert stored.body_text.startswith(f"{CODE_HIDDEN} is your")
    for shown in (stored.body_text, listing, page, _timeline(world)):
        assert code not in shown
    signed_in = client.post(reverse("portal:sign-in-code"), {"code": code})
    assert signed_in["Location"] == reverse("portal:home")


def test_the_sandbox_outbox_shows_the_link_so_a_person_can_sign_in(client, world, staff):
    with world.active():
        email = world.contact.emails.get().email
    client.post(reverse("portal:sign-in"), {"address": email})
    deliver(world.tenant)
    (message,) = sent_messages(world.tenant)

    page = staff.get(_detail(message)).content.decode()

    assert link_path(message) in page
    assert LINK_HIDDEN not in page
