"""A message too large to keep, in the thread, and a post that could not be read, in Settings →
Inbound log; at desktop width and on a 375 px phone."""

import json

import pytest

from tests.e2e import conftest as e2e
from tests.e2e.conftest import follow
from tests.factories import TEST_PASSWORD
from tests.tickets.test_inbound_webhooks import fixture, open_desk, process_pending
from tickets.models import InboundEvent, TicketMessage
from tickets.services import ingest_unreadable

pytestmark = pytest.mark.browser
browser = e2e.browser
page_at = e2e.page_at


def _sign_in(page, email: str) -> None:
    page.goto(f"{page.base}/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", TEST_PASSWORD)
    follow(page, "button[type=submit]")


def test_a_too_large_message_in_its_thread_and_an_unreadable_post_in_the_inbound_log(
    page_at, world
):
    open_desk(world)
    head = (
        b'{"FromName": "Ana Souza", "From": "ana.souza@yahoo.com", "To": "hello@firstroofing.test",'
        b' "Subject": "Drone video of the whole roof", "Headers": [{"Name": "Message-ID",'
        b' "Value": "<drone-1@mail.yahoo.com>"}], "Attachments": [{"Content": "AAAA'
    )
    ingest_unreadable.email_too_large_store(provider="postmark", head=head, size=187 * 1024 * 1024)
    unreadable = {
        **fixture("postmark_inbound.json"),
        "FromFull": {"Email": "", "Name": "No Address", "MailboxHash": ""},
    }
    ingest_unreadable.email_unreadable_store(
        provider="postmark",
        post=json.dumps(unreadable).encode(),
        content_type="application/json",
        reason="Postmark post could not be read: ValueError: the From address is empty",
    )
    process_pending(world)
    with world.active():
        message = TicketMessage.objects.get(tenant=world.tenant, too_large_bytes__isnull=False)
        assert InboundEvent.objects.filter(tenant=world.tenant, status="unreadable").exists()

    for width, suffix in ((1280, "desktop"), (375, "phone")):
        page = page_at(width=width, height=900)
        _sign_in(page, world.admin.user.email)
        page.goto(f"{page.base}/inbox/{message.ticket_id}/")
        assert page.locator(".msg-too-large").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        e2e.screenshot(page, f"inbound-too-large-thread-{suffix}")
        page.goto(f"{page.base}/settings/inbound/")
        assert page.locator(".inbound-original").count() == 2
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        e2e.screenshot(page, f"inbound-log-{suffix}")
        assert page.console_errors == []
