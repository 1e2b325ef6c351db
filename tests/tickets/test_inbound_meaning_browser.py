"""A thread with a forwarded .eml (its text shown in the thread, the file still to download), a
message with a wrong Date, and a bounce of our answer: in a real browser at desktop width and on a
375 px phone."""

import datetime as dt

import pytest
import time_machine

from messaging.models import MessageStatus, OutboundMessage
from tests.e2e import conftest as e2e
from tests.e2e.conftest import follow
from tests.factories import TEST_PASSWORD
from tests.tickets.test_inbound_meaning import _bounce_for, _sent_reply, eml
from tests.tickets.test_inbound_webhooks import INBOX_EMAIL, NOW, open_desk
from tickets.services import ingest

pytestmark = pytest.mark.browser
# The browser fixtures of tests/e2e, shared with this module.
browser = e2e.browser
page_at = e2e.page_at

CUSTOMER = "k.whitfield@example-property.com"


def _sign_in(page, email: str) -> None:
    page.goto(f"{page.base}/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", TEST_PASSWORD)
    follow(page, "button[type=submit]")


def _arrives(world, raw: bytes) -> None:
    stored = ingest.email_inbound_store(
        provider="postmark", raw=raw, envelope_recipients=[INBOX_EMAIL]
    )
    with world.active():
        assert ingest.inbound_event_process(tenant=world.tenant, event_id=stored.event_id)


@time_machine.travel(NOW, tick=True)
def test_a_thread_with_a_forwarded_eml_and_a_bounce(page_at, world):
    desk = open_desk(world)
    ticket, outbound = _sent_reply(world, desk, CUSTOMER)
    forward = (
        eml("forward_as_attachment.eml")
        .replace(b"marisol@example-hoa.org", CUSTOMER.encode())
        .replace(b"Marisol Ortega", b"Karen Whitfield")
        .replace(
            b"Subject: Fwd: Insurance adjuster visit",
            b"Subject: Fwd: Insurance adjuster visit [#T-1001]",
        )
    )
    with time_machine.travel(NOW + dt.timedelta(minutes=5), tick=True):
        _arrives(world, forward)
        _arrives(world, _bounce_for(world, outbound))
    with world.active():
        assert OutboundMessage.objects.get(pk=outbound.pk).status == MessageStatus.BOUNCED

    for width, suffix in ((1280, "desktop"), (375, "phone")):
        page = page_at(width=width, height=900)
        _sign_in(page, world.manager.user.email)
        page.goto(f"{page.base}/inbox/{ticket.pk}/")
        enclosed = page.locator(".msg-enclosed")
        assert enclosed.count() == 1
        assert "HX-20931" in enclosed.inner_text()
        assert page.locator(".badge.delivery-report").count() == 1
        assert page.locator(".msg-files", has_text="Insurance adjuster visit.eml").count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        e2e.screenshot(page, f"inbox-thread-forward-bounce-{suffix}")
        assert page.console_errors == []
