"""What the customer is told against what the team sees: after the demo customer texts STOP, the
team answers by SMS (blocked) and by WhatsApp (blocked: no 24-hour conversation), and by SMS at
night once texts are back on (held back by quiet hours). The portal's Messages page shows none
of them; the staff thread shows each with its reason. Screenshots at 375 and 1280 px."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from crm.models import ConsentStatus, Contact, Membership, Tenant
from crm.services.consent import consent_record
from crm.tenancy import tenant_context
from messaging.services.keywords import sms_keyword_handle
from portal.demo import DEMO_CUSTOMER_EMAIL, OWNER_EMAIL
from tests.e2e.conftest import screenshot, sign_in
from tests.e2e.test_portal_browser import _no_horizontal_scroll
from tests.e2e.test_portal_preferences_browser import _customer_signs_in
from tests.portal.helpers import reset_throttles
from tickets.models import Ticket
from tickets.services.replies import ticket_reply

pytestmark = pytest.mark.browser

NOT_TOLD = ("Texts are off, so by SMS", "And by WhatsApp", "A text at night")


def _team_answers_that_do_not_go(tenant) -> Ticket:
    with tenant_context(tenant):
        contact = Contact.objects.get(tenant=tenant, emails__email=DEMO_CUSTOMER_EMAIL)
        rep = Membership.objects.get(tenant=tenant, user__email=OWNER_EMAIL)
        ticket = Ticket.objects.filter(tenant=tenant, contact=contact).latest("pk")
        sms_keyword_handle(tenant=tenant, contact=contact, channel="sms", body="STOP")

        def reply(channel, body, now=None):
            ticket_reply(
                tenant=tenant,
                actor=rep.user,
                ticket=ticket,
                channel=channel,
                body=body,
                nonce=body,
                now=now,
            )

        reply("sms", NOT_TOLD[0] + ": the crew comes at 7:30.")
        reply("whatsapp", NOT_TOLD[1] + ": the crew comes at 7:30.")
        consent_record(
            tenant=tenant,
            contact=contact,
            channel="sms",
            status=ConsentStatus.NO_MARKETING,
            source="START reply",
        )
        tonight = timezone.localtime(timezone=tenant.zone).replace(hour=23, minute=30)
        reply("sms", NOT_TOLD[2] + ": see you tomorrow.", now=tonight + dt.timedelta(days=1))
        return ticket


def test_the_customer_sees_what_reached_them_and_the_team_sees_why_not(page_at, demo):
    reset_throttles(DEMO_CUSTOMER_EMAIL)
    tenant = Tenant.objects.get(slug="demo")
    ticket = _team_answers_that_do_not_go(tenant)

    customer = page_at(375, 812)
    _customer_signs_in(customer, tenant)
    customer.goto(f"{customer.base}/portal/messages/")
    thread = customer.locator("ol.conversation")
    expect(thread.locator(".from-team")).to_contain_text("the crew arrives around 7:30")
    for text in NOT_TOLD:
        expect(thread).not_to_contain_text(text)
    assert _no_horizontal_scroll(customer)
    screenshot(customer, "truth-portal-messages-375")
    customer.set_viewport_size({"width": 1280, "height": 900})
    customer.reload()
    screenshot(customer, "truth-portal-messages-1280")
    assert customer.console_errors == []

    staff = page_at(1280, 900)
    sign_in(staff, OWNER_EMAIL)
    staff.goto(f"{staff.base}/inbox/{ticket.pk}/")
    badges = staff.locator(".delivery .badge")
    expect(badges.filter(has_text="Blocked, not sent")).to_have_count(2)
    expect(badges.filter(has_text="Held back")).to_have_count(1)
    notes = staff.locator(".delivery-note")
    expect(notes.filter(has_text="opted out of SMS")).to_have_count(1)
    expect(notes.filter(has_text="24-hour window")).to_have_count(1)
    expect(notes.filter(has_text="Deferred to")).to_have_count(1)
    screenshot(staff, "truth-staff-thread-1280")
    staff.set_viewport_size({"width": 375, "height": 812})
    staff.reload()
    expect(badges.filter(has_text="Held back")).to_have_count(1)
    screenshot(staff, "truth-staff-thread-375")
    assert staff.console_errors == []
