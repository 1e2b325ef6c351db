"""/settings/outbox/: every message with its status and latest decision, filters and keyset pages
in a fixed number of queries; one message with its decision log and what the sandbox recorded;
cancelling a pending message and sending a failed one again. Admins only."""

import datetime as dt
import html
import re

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse

from crm.models import Role, TimelineEvent
from messaging.models import MessageSource, MessageStatus, OutboundMessage
from messaging.services import outbox, outbox_send
from messaging.services.outbox_admin import message_retry
from tests import factories
from tests.conftest import queries_for, sign_in
from tests.factories import lead_for, message_template_for

pytestmark = pytest.mark.django_db

AFTERNOON = dt.datetime(2026, 6, 9, 19, 0, tzinfo=dt.UTC)
HX = {"HTTP_HX_REQUEST": "true"}
LIST_URL = "/settings/outbox/"


def _page(response) -> str:
    return html.unescape(response.content.decode())


def _schedule(world, key: str, *, channel="sms", contact=None, **fields) -> OutboundMessage:
    fields.setdefault("source", MessageSource.MANUAL)
    if "recipient_user" not in fields:
        fields["contact"] = contact or world.contact
    if "template" not in fields:
        fields.setdefault("body_text", f"Message {key}")
    with world.active():
        return outbox.message_schedule(
            tenant=world.tenant,
            channel=channel,
            idempotency_key=key,
            now=fields.pop("now", AFTERNOON),
            **fields,
        )


def _send_due(world, now=AFTERNOON) -> list[str]:
    with world.active():
        ids = outbox.outbox_claim_due(tenant=world.tenant, now=now)
        return [outbox_send.message_send(tenant=world.tenant, message_id=pk, now=now) for pk in ids]


def _reload(world, message) -> OutboundMessage:
    with world.active():
        return OutboundMessage.objects.get(tenant=world.tenant, pk=message.pk)


def _failed(world, key: str = "failed:1") -> OutboundMessage:
    """An SMS that failed for good: Twilio is not configured outside the sandbox. (Make it first:
    every message due is sent.)"""
    message = _schedule(world, key)
    with override_settings(COMMS_SANDBOX=False, TWILIO_ACCOUNT_SID="", TWILIO_AUTH_TOKEN=""):
        assert _send_due(world) == ["failed"]
    return _reload(world, message)


def _detail_url(message) -> str:
    return reverse("comms-settings:message", kwargs={"message_pk": message.pk})


@pytest.fixture
def admin_client(client, world):
    sign_in(client, world.admin)
    return client


# --- Who may see it -------------------------------------------------------------------------------


def test_the_outbox_url_names_are_the_ones_the_engine_reverses():
    assert reverse("comms-settings:outbox") == LIST_URL
    assert reverse("comms-settings:message", kwargs={"message_pk": 7}) == "/settings/outbox/7/"


@pytest.mark.parametrize("role", [Role.MANAGER, Role.REP])
def test_only_admins_open_the_outbox(client, world, role):
    message = _schedule(world, "a")
    sign_in(client, world.membership(role))

    assert client.get(LIST_URL).status_code == 403
    assert client.get(_detail_url(message)).status_code == 403
    cancel = reverse("comms-settings:message-cancel", kwargs={"message_pk": message.pk})
    assert client.post(cancel).status_code == 403
    assert _reload(world, message).status == MessageStatus.SCHEDULED


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    response = client.get(LIST_URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_another_tenants_message_is_not_found(admin_client, world, other_world):
    failed = _failed(other_world)
    theirs = _schedule(other_world, "theirs")

    assert admin_client.get(_detail_url(theirs)).status_code == 404
    for name, message in (("message-cancel", theirs), ("message-retry", failed)):
        url = reverse(f"comms-settings:{name}", kwargs={"message_pk": message.pk})
        assert admin_client.post(url).status_code == 404
    assert _reload(other_world, theirs).status == MessageStatus.SCHEDULED
    assert _reload(other_world, failed).status == MessageStatus.FAILED
    assert str(theirs.body_text) not in _page(admin_client.get(LIST_URL))


# --- The list ---------------------------------------------------------------------------------


def test_the_list_shows_newest_first_with_recipient_status_and_latest_decision(admin_client, world):
    template = message_template_for(world.tenant, "quote-sent", channels=("email",))
    lead = lead_for(world, owner=world.rep)
    first = _schedule(world, "first", channel="email", template=template, lead=lead)
    staff = _schedule(
        world,
        "staff",
        recipient_user=world.rep.user,
        source=MessageSource.STAFF,
        subject="A lead is stuck",
        channel="email",
        now=AFTERNOON + dt.timedelta(minutes=1),
    )
    # 23:00 in Miami: SMS waits for the morning.
    late = _schedule(world, "late", now=dt.datetime(2026, 6, 10, 3, 0, tzinfo=dt.UTC))

    response = admin_client.get(LIST_URL)

    assert response.status_code == 200
    page = _page(response)
    assert (
        page.index(f"/settings/outbox/{late.pk}/")
        < page.index(f"/settings/outbox/{staff.pk}/")
        < page.index(f"/settings/outbox/{first.pk}/")
    )
    assert "Quote sent" in page  # the template's name
    assert "A lead is stuck" in page  # the subject, when there is no template
    assert str(world.rep.user) in page and "team" in page
    assert reverse("contacts:detail", kwargs={"contact_pk": world.contact.pk}) in page
    assert '<span class="badge status-scheduled">Scheduled</span>' in page
    assert "Deferred to Wed Jun 10, 08:00 EDT: SMS only 08:00–20:00 (America/New_York)" in page


def test_the_sandbox_banner_shows_only_in_the_sandbox(admin_client, world):
    banner = "messages are recorded here, not sent."
    with override_settings(COMMS_SANDBOX=True):
        assert banner in _page(admin_client.get(LIST_URL))
    with override_settings(COMMS_SANDBOX=False):
        assert banner not in _page(admin_client.get(LIST_URL))


def test_an_empty_outbox_says_so(admin_client, world):
    assert "Nothing in the outbox yet" in _page(admin_client.get(LIST_URL))


def test_filters_by_status_channel_source_and_contact_name(admin_client, world):
    other = factories.ContactFactory(tenant=world.tenant, first_name="Zelda", last_name="Quarry")
    factories.ContactPhoneFactory(tenant=world.tenant, contact=other)
    factories.ContactEmailFactory(tenant=world.tenant, contact=other)
    failed = _failed(world)
    sms = _schedule(world, "sms")
    email = _schedule(world, "email", channel="email", subject="Hello")
    zelda = _schedule(world, "zelda", contact=other, source=MessageSource.TRIGGER)

    def shown(query: str) -> set[int]:
        page = _page(admin_client.get(f"{LIST_URL}?{query}"))
        return {int(pk) for pk in re.findall(r'href="/settings/outbox/(\d+)/"', page)}

    assert shown("") == {sms.pk, email.pk, zelda.pk, failed.pk}
    assert shown("channel=email") == {email.pk}
    assert shown("status=failed") == {failed.pk}
    assert shown("source=trigger") == {zelda.pk}
    assert shown("q=zel") == {zelda.pk}
    assert shown("q=Quarry&channel=sms") == {zelda.pk}
    assert shown("status=nonsense") == shown("")  # an old bookmark still opens the list
    assert "No messages match these filters." in _page(admin_client.get(f"{LIST_URL}?q=nobody"))


def test_keyset_pages_follow_on_without_gaps_or_repeats(admin_client, world):
    messages = [_schedule(world, f"bulk:{n}") for n in range(55)]

    first = _page(admin_client.get(LIST_URL))
    first_ids = re.findall(r'<a href="/settings/outbox/(\d+)/"><time', first)
    cursor = re.search(r'after=([\w-]+)"', first).group(1)
    second = _page(admin_client.get(f"{LIST_URL}?after={cursor}", **HX))
    second_ids = re.findall(r'<a href="/settings/outbox/(\d+)/"><time', second)

    assert len(first_ids) == 50 and len(second_ids) == 5
    assert "<html" not in second  # only the rows
    expected = sorted((m.pk for m in messages), reverse=True)
    assert [int(pk) for pk in first_ids + second_ids] == expected
    assert "Show more" not in second


def test_the_next_page_keeps_the_filters(admin_client, world):
    for n in range(52):
        _schedule(world, f"email:{n}", channel="email", subject=f"Mail {n}")
    _schedule(world, "an-sms")

    page = _page(admin_client.get(f"{LIST_URL}?channel=email"))
    more = re.search(r'href="\?(channel=email&after=[\w-]+)"', page)
    assert more, "the Show more link keeps channel=email"
    rest = _page(admin_client.get(f"{LIST_URL}?{more.group(1)}", **HX))
    assert len(re.findall(r'<a href="/settings/outbox/\d+/"><time', rest)) == 2


def test_the_list_costs_the_same_queries_for_5_or_30_rows(admin_client, world):
    template = message_template_for(world.tenant, "quote-sent", channels=("email", "sms"))
    lead = lead_for(world, owner=world.rep)

    def add(count: int, start: int):
        for n in range(start, start + count):
            if n % 3 == 0:
                _schedule(world, f"t:{n}", channel="email", template=template, lead=lead)
            elif n % 3 == 1:
                _schedule(
                    world,
                    f"s:{n}",
                    channel="email",
                    recipient_user=world.rep.user,
                    source=MessageSource.STAFF,
                    subject="Stuck lead",
                )
            else:
                other = factories.ContactFactory(tenant=world.tenant)
                factories.ContactPhoneFactory(tenant=world.tenant, contact=other)
                _schedule(world, f"c:{n}", contact=other)

    add(5, 0)
    few = queries_for(admin_client, LIST_URL)
    add(25, 5)
    many = queries_for(admin_client, LIST_URL)

    assert many == few


# --- One message ----------------------------------------------------------------------------------


def test_a_sandbox_message_shows_every_field_its_decisions_and_what_was_recorded(
    admin_client, world
):
    lead = lead_for(world, owner=world.rep)
    message = _schedule(
        world,
        "sent",
        channel="email",
        lead=lead,
        subject="Your quote & more",
        body_text="Hi there",
        body_html='<p class="x">Hi &amp; "welcome"</p>',
        created_by=world.admin.user,
    )
    assert _send_due(world) == ["sent"]
    message = _reload(world, message)

    response = admin_client.get(_detail_url(message))

    assert response.status_code == 200
    raw = response.content.decode()
    page = _page(response)
    assert "Email to" in page and world.contact.display_name in page
    assert message.to_address in page and message.from_address in page
    assert lead.reference in page
    assert f"by {world.admin.user}" in page
    assert message.idempotency_key in page
    assert message.provider_message_id in page
    assert "Sandbox (recorded, not sent)" in page
    # The decision log, oldest first.
    assert page.index("Scheduled now") < page.index(f"Sent to {message.to_address} via Sandbox")
    # The recorded email: subject, the HTML in a sandboxed frame (escaped into srcdoc), headers.
    assert "What the sandbox recorded" in page
    assert "Your quote &amp; more" in raw
    assert (
        '<iframe class="outbox-html" sandbox srcdoc="&lt;p class=&quot;x&quot;&gt;Hi &amp;amp; '
        '&quot;welcome&quot;&lt;/p&gt;"' in raw
    )
    assert "Message-ID" in page and f"outbox-{world.tenant.pk}-{message.pk}@" in page
    # Sent: nothing to cancel or retry.
    assert "Cancel this message" not in page and "Send again" not in page


def test_a_message_waiting_for_its_template_says_when_it_is_written(admin_client, world):
    template = message_template_for(world.tenant, "quote-sent", channels=("sms",))
    message = _schedule(world, "templated", template=template)

    page = _page(admin_client.get(_detail_url(message)))

    assert "Written from the template “Quote sent” when it is sent" in page
    assert "Cancel this message" in page
    assert reverse("comms-settings:template", kwargs={"template_pk": template.pk}) in page


def test_a_failed_message_shows_its_error(admin_client, world):
    message = _failed(world)

    page = _page(admin_client.get(_detail_url(message)))

    assert "Twilio is not configured" in page
    assert "Send again" in page


# --- Cancel and retry -----------------------------------------------------------------------------


def test_an_admin_cancels_a_pending_message(admin_client, world):
    message = _schedule(world, "pending")
    url = reverse("comms-settings:message-cancel", kwargs={"message_pk": message.pk})

    response = admin_client.post(url)

    assert response.status_code == 302
    assert response["Location"] == _detail_url(message)
    cancelled = _reload(world, message)
    assert cancelled.status == MessageStatus.CANCELLED
    assert cancelled.decisions[-1]["reason"] == (
        f"Cancelled by {world.admin.user}: cancelled from the outbox"
    )
    assert "Message cancelled" in _page(admin_client.get(response["Location"]))
    assert _send_due(world) == []


def test_a_message_already_sent_cannot_be_cancelled(admin_client, world):
    message = _schedule(world, "gone")
    _send_due(world)
    url = reverse("comms-settings:message-cancel", kwargs={"message_pk": message.pk})

    response = admin_client.post(url, follow=True)

    assert "no longer waiting to be sent" in _page(response)
    assert _reload(world, message).status == MessageStatus.SENT


def test_cancel_and_retry_take_only_posts(admin_client, world):
    message = _schedule(world, "pending")
    for name in ("message-cancel", "message-retry"):
        url = reverse(f"comms-settings:{name}", kwargs={"message_pk": message.pk})
        assert admin_client.get(url).status_code == 405


def test_an_admin_sends_a_failed_message_again(admin_client, world):
    message = _failed(world)
    url = reverse("comms-settings:message-retry", kwargs={"message_pk": message.pk})
    an_hour_later = AFTERNOON + dt.timedelta(hours=1)

    with time_machine.travel(an_hour_later, tick=False):
        response = admin_client.post(url, follow=True)

    assert "Message queued to be sent again." in _page(response)
    retried = _reload(world, message)
    assert retried.status == MessageStatus.SCHEDULED
    assert retried.attempts == 0
    assert (retried.last_error, retried.failed_at) == ("", None)
    assert retried.decisions[-1]["decision"] == "retried"
    assert retried.decisions[-1]["reason"] == f"Retried by {world.admin.user}"
    assert retried.send_after == an_hour_later  # due the moment the admin asked
    with world.active():
        assert TimelineEvent.objects.filter(
            kind="message.retried", actor=world.admin.user, contact=world.contact
        ).exists()
    # In the sandbox it now goes out.
    assert _send_due(world, now=an_hour_later) == ["sent"]


def test_only_a_failed_message_can_be_sent_again(admin_client, world):
    message = _schedule(world, "pending")
    url = reverse("comms-settings:message-retry", kwargs={"message_pk": message.pk})

    response = admin_client.post(url, follow=True)

    assert "Only a failed message can be sent again." in _page(response)
    assert _reload(world, message).decisions == message.decisions


def test_message_retry_is_checked_again_by_the_policy_when_sent(world):
    message = _failed(world)
    from crm.services.consent import consent_record

    with world.active():
        consent_record(
            tenant=world.tenant,
            contact=world.contact,
            channel="sms",
            status="withdrawn",
            source="STOP reply",
        )
        assert message_retry(
            tenant=world.tenant, actor=world.admin.user, message=message, now=AFTERNOON
        )
    assert _send_due(world) == ["suppressed"]
    assert _reload(world, message).decisions[-1]["reason"] == (
        "Blocked: the contact opted out of SMS"
    )
