"""A text from a number that came with the customer's email on a web form, never confirmed (its
sender is a new contact, crm.selectors.contacts.sender_contact): the thread marks it and the reply
form warns, in a real browser at desktop width and on a phone."""

import pytest

from tests import factories
from tests.e2e import conftest as e2e
from tests.tickets.test_inbound_meaning_browser import _sign_in
from tests.tickets.test_inbox_views import _desk, _process, _sms_in
from tickets import routing
from tickets.models import Ticket
from tickets.services import ingest

pytestmark = pytest.mark.browser
browser = e2e.browser
page_at = e2e.page_at

STRANGER = "+13055550997"


def test_a_thread_with_a_message_from_an_unverified_number(page_at, world):
    desk = _desk(world)
    with world.active():
        factories.ContactPhoneFactory(
            tenant=world.tenant,
            contact=world.contact,
            number=STRANGER,
            is_primary=False,
            source="web_form",
            verified_at=None,
            verified_how="",
        )
    _sms_in(desk, "Is the crew coming tomorrow?", "SM700")
    stored = ingest.twilio_inbound_store(
        route=routing.route_for("sms", desk.sms),
        payload={"MessageSid": "SM701", "From": STRANGER, "To": desk.sms, "Body": "Send the quote"},
    )
    _process(world, stored.event_id)
    with world.active():
        ticket = Ticket.objects.get(messages__body_text="Send the quote")

    for width, suffix in ((1280, "desktop"), (375, "phone")):
        page = page_at(width=width, height=900)
        _sign_in(page, world.manager.user.email)
        page.goto(f"{page.base}/inbox/{ticket.pk}/")
        assert page.locator(".msg-who .badge.warning", has_text="not verified").count() == 1
        assert page.locator(".flash-warning", has_text=STRANGER).count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        e2e.screenshot(page, f"inbox-thread-unverified-sender-{suffix}")
        assert page.console_errors == []
