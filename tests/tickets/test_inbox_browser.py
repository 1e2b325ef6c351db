"""The inbox in a real browser: the list, and a thread mixing an SMS and an email, answered by SMS
(the reply shows with its delivery status); at desktop width and on a 375 px phone."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from crm.models import Role
from tests import factories
from tests.e2e import conftest as e2e
from tests.e2e.conftest import follow
from tests.factories import TEST_PASSWORD, message_template_for, pipeline_for
from tests.tickets.test_inbox_views import TUESDAY, _desk, _mixed_ticket, _ticket

pytestmark = pytest.mark.browser
# The browser fixtures of tests/e2e, shared with this module.
browser = e2e.browser
page_at = e2e.page_at


def _sign_in(page, email: str) -> None:
    page.goto(f"{page.base}/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", TEST_PASSWORD)
    follow(page, "button[type=submit]")


def _a_day_in_the_inbox(world, desk):
    """Tickets in every SLA state, from several customers, for the list."""
    now = timezone.now()
    names = [("Maria", "Lopez"), ("Dwayne", "Carter"), ("Priya", "Natarajan"), ("Tom", "Becker")]
    with world.active():
        contacts = [
            factories.ContactFactory(tenant=world.tenant, first_name=first, last_name=last)
            for first, last in names
        ]
        contacts[2].is_vip = True
        contacts[2].save()
        rep2 = factories.MembershipFactory(
            tenant=world.tenant, role=Role.REP, user__full_name="Sam Rivera"
        )
    _ticket(
        desk,
        contact=contacts[0],
        assignee=world.rep,
        priority="urgent",
        subject="Water pouring into the kitchen after last night's storm",
        last_message_snippet="It's getting worse, there is water on the floor now. Please call!",
        sla_started_at=now - dt.timedelta(hours=2),
        sla_due_at=now - dt.timedelta(minutes=65),
        sla_breached_at=now - dt.timedelta(minutes=65),
        last_message_at=now - dt.timedelta(minutes=70),
    )
    _ticket(
        desk,
        contact=contacts[1],
        priority="high",
        subject="Quote for a full re-roof",
        last_message_channel="email",
        last_message_snippet="Could you send the quote again? I can't find the PDF.",
        sla_started_at=now - dt.timedelta(hours=3),
        sla_due_at=now + dt.timedelta(minutes=40),
        last_message_at=now - dt.timedelta(hours=3),
    )
    _ticket(
        desk,
        contact=contacts[2],
        assignee=rep2,
        subject="Gutter cleaning next week?",
        last_message_channel="whatsapp",
        last_message_snippet="Thursday works for us, thank you!",
        sla_started_at=now - dt.timedelta(hours=1),
        sla_due_at=now + dt.timedelta(hours=20),
        last_message_at=now - dt.timedelta(hours=1),
    )
    _ticket(
        desk,
        contact=contacts[3],
        assignee=world.manager,
        status="waiting",
        priority="low",
        subject="",
        last_message_channel="email",
        last_message_direction="out",
        last_message_snippet="We sent the warranty papers by email.",
        sla_paused_minutes_left=300,
        last_message_at=now - dt.timedelta(days=1),
    )


@time_machine.travel(TUESDAY, tick=True)
def test_the_inbox_list_and_a_mixed_thread_answered_by_sms(page_at, world):
    desk = _desk(world)
    ticket = _mixed_ticket(desk)
    _a_day_in_the_inbox(world, desk)

    for width, suffix in ((1280, "desktop"), (375, "phone")):
        page = page_at(width=width, height=900)
        _sign_in(page, world.manager.user.email)
        page.goto(f"{page.base}/inbox/?view=all")
        assert page.locator(".ticket-row").count() == 5
        e2e.screenshot(page, f"inbox-list-{suffix}")
        assert page.console_errors == []

    pipeline_for(world.tenant)
    message_template_for(world.tenant, "visit-booked", channels=("email", "sms"))
    page = page_at(width=1280, height=900)
    _sign_in(page, world.rep.user.email)
    page.goto(f"{page.base}/inbox/{ticket.pk}/")
    # The sidebar's controls save in place (htmx): the page is not reloaded.
    page.evaluate("window.notReloaded = true")
    page.select_option("#ticket-sidebar select[name=priority]", "high")
    page.wait_for_selector("#ticket-sidebar .flash-success")
    assert page.evaluate("window.notReloaded") is True
    page.click("#note summary")
    page.fill("#note textarea[name=body]", "Gate code 4411; dog in the yard.")
    follow(page, "#note button[type=submit]")
    page.click("#call summary")
    page.fill("#call textarea[name=summary]", "Called back: she will send photos of the attic.")
    follow(page, "#call button[type=submit]")
    page.locator(".msg-history summary").click()
    assert page.locator(".msg-quoted").is_visible()
    page.check("input[name=channel][value=sms]")
    page.fill("textarea[name=body]", "Thanks Jane, a roofer will be there by 5 pm to tarp it.")
    follow(page, ".reply-form button[type=submit]")
    reply = page.locator(".msg-out").last
    assert "a roofer will be there by 5 pm" in reply.inner_text()
    assert reply.locator(".delivery .badge").inner_text() in ("Scheduled", "Queued for sending")
    page.evaluate("window.scrollTo(0, 0)")
    e2e.screenshot(page, "inbox-thread-desktop")
    assert page.console_errors == []

    phone = page_at(width=375, height=900)
    _sign_in(phone, world.rep.user.email)
    phone.goto(f"{phone.base}/inbox/{ticket.pk}/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    e2e.screenshot(phone, "inbox-thread-phone")
