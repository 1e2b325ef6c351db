"""/notifications/preferences/: every member chooses which notifications also reach them by email
or SMS. The bell is always on; SMS needs a mobile number on the account; a saved choice makes the
next notification of that kind put a copy in the outbox."""

import datetime as dt
import html
import re

import phonenumbers
import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from crm.models import Role
from crm.services.notifications import Alert, notification_create, notifications_create_many
from messaging.models import (
    MessageChannel,
    MessageSource,
    MessageStatus,
    OutboundMessage,
    StaffNotificationKind,
    StaffNotificationPreference,
)
from messaging.services.notification_preferences import staff_notification_preferences_save
from messaging.services.policy import comms_settings_get
from messaging.services.staff_notifications import copies_schedule
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

URL = "/notifications/preferences/"
NO_PHONE = "Your account has no mobile number, so notifications cannot go by SMS."


def _page(response) -> str:
    return html.unescape(response.content.decode())


def _saved(world, membership) -> dict[str, tuple[bool, bool]]:
    with world.active():
        rows = StaffNotificationPreference.objects.filter(
            tenant=world.tenant, membership=membership
        )
        return {row.kind: (row.by_email, row.by_sms) for row in rows}


def _give_phone(membership) -> None:
    membership.user.phone = phonenumbers.parse("+13055550199")
    membership.user.save(update_fields=["phone"])


def _checkbox(page: str, name: str) -> str:
    return re.search(rf'<input type="checkbox" name="{name}"[^>]*>', page).group(0)


def test_the_url_is_named():
    assert reverse("comms:notification-preferences") == URL


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER, Role.REP])
def test_every_member_sees_a_row_per_kind_with_the_bell_always_on(client, world, role):
    sign_in(client, world.membership(role))
    response = client.get(URL)
    page = _page(response)
    assert response.status_code == 200
    for kind in StaffNotificationKind:
        assert str(kind.label) in page
        assert 'checked disabled aria-label="In app: ' + kind.label in page
        assert "checked" not in _checkbox(page, f"{kind.value}__email")


def test_the_notifications_page_links_here(client, world):
    sign_in(client, world.rep)
    page = _page(client.get(reverse("notifications:list")))
    assert f'href="{URL}"' in page


def test_saving_and_changing_choices(client, world):
    _give_phone(world.rep)
    sign_in(client, world.rep)
    response = client.post(
        URL,
        {
            "lead_assigned__email": "on",
            "lead_assigned__sms": "on",
            "customer_replied__sms": "on",
        },
    )
    assert response.status_code == 302
    assert _saved(world, world.rep) == {
        "lead_assigned": (True, True),
        "customer_replied": (False, True),
    }
    page = _page(client.get(URL))
    assert "Notification preferences saved." in page
    assert "checked" in _checkbox(page, "lead_assigned__sms")
    assert "Text messages go to +1 305-555-0199." in page

    client.post(URL, {"customer_replied__email": "on"})
    assert _saved(world, world.rep) == {"customer_replied": (True, False)}


def test_choices_are_each_members_own(client, world):
    sign_in(client, world.rep)
    client.post(URL, {"follow_up_due__email": "on"})
    assert _saved(world, world.rep) == {"follow_up_due": (True, False)}
    assert _saved(world, world.manager) == {}


class TestWithoutAPhone:
    def test_sms_is_greyed_out_with_a_hint(self, client, world):
        sign_in(client, world.rep)
        page = _page(client.get(URL))
        assert "disabled" in _checkbox(page, "lead_assigned__sms")
        assert "disabled" not in _checkbox(page, "lead_assigned__email")
        assert "SMS is off: it needs a mobile number on your account" in page

    def test_a_forged_sms_choice_is_refused(self, client, world):
        sign_in(client, world.rep)
        response = client.post(URL, {"lead_assigned__email": "on", "lead_assigned__sms": "on"})
        assert response.status_code == 400
        assert NO_PHONE in _page(response)
        assert _saved(world, world.rep) == {}

    def test_the_service_refuses_it_too(self, world):
        with world.active(), pytest.raises(ValidationError) as refused:
            staff_notification_preferences_save(
                tenant=world.tenant, membership=world.rep, choices={"lead_stuck": {"sms"}}
            )
        assert refused.value.message_dict == {"sms": [NO_PHONE]}
        assert _saved(world, world.rep) == {}


def test_the_service_refuses_unknown_kinds_channels_and_other_tenants(world, other_world):
    with world.active():
        with pytest.raises(ValidationError):
            staff_notification_preferences_save(
                tenant=world.tenant, membership=world.rep, choices={"birthday": {"email"}}
            )
        with pytest.raises(ValidationError):
            staff_notification_preferences_save(
                tenant=world.tenant, membership=world.rep, choices={"lead_stuck": {"fax"}}
            )
        with pytest.raises(ValueError):
            staff_notification_preferences_save(
                tenant=world.tenant, membership=other_world.rep, choices={}
            )


def test_a_notification_of_a_chosen_kind_is_copied_by_email(
    client, world, django_capture_on_commit_callbacks, run_queued
):
    sign_in(client, world.rep)
    client.post(URL, {"lead_assigned__email": "on"})

    with world.active(), django_capture_on_commit_callbacks(execute=True):
        notification_create(
            tenant=world.tenant,
            recipient=world.rep.user,
            title="Lead L-1001 is yours",
            url="/leads/1/",
            kind=StaffNotificationKind.LEAD_ASSIGNED,
        )
        notification_create(
            tenant=world.tenant,
            recipient=world.rep.user,
            title="A customer replied",
            kind=StaffNotificationKind.CUSTOMER_REPLIED,
        )
    # Each notification's task of the messages queue writes its copies (none for the second).
    assert run_queued("messaging.tasks.schedule_staff_copies") == [1, 0]

    with world.active():
        copies = list(OutboundMessage.objects.filter(tenant=world.tenant))
    assert [(m.channel, m.source, m.subject) for m in copies] == [
        (MessageChannel.EMAIL, MessageSource.STAFF, "Lead L-1001 is yours")
    ]
    assert copies[0].recipient_user_id == world.rep.user_id
    assert copies[0].to_address == world.rep.user.email


def test_a_member_adds_their_mobile_number_here_and_then_may_choose_sms(client, world):
    world.rep.user.phone = ""
    world.rep.user.save()
    sign_in(client, world.rep)

    refused = client.post(reverse("comms:notification-phone"), {"phone": "12"})
    assert refused.status_code == 400
    assert "Enter a valid phone number" in _page(refused)

    saved = client.post(reverse("comms:notification-phone"), {"phone": "(305) 555-0142"})
    assert saved.status_code == 302
    world.rep.user.refresh_from_db()
    assert world.rep.user.phone == phonenumbers.parse("+13055550142")
    page = _page(client.get(URL))
    assert "Text messages go to +1 305-555-0142" in page


def test_a_batch_of_copies_is_written_in_a_few_statements_each_as_one_alone_would_be(
    world, django_assert_max_num_queries
):
    """A sweep's burst asks for a copy per member: the copies' task reads the notifications, the
    choices, the groups' items, the keys already scheduled, the sender and the quiet hours once,
    and inserts every copy already decided (the business's quiet hours defer the texts)."""
    for member in (world.rep, world.manager):
        _give_phone(member)
    evening = dt.datetime(2026, 3, 10, 21, 30, tzinfo=world.tenant.zone)
    with world.active(), time_machine.travel(evening, tick=False):
        for member, channels in ((world.rep, {"email", "sms"}), (world.manager, {"email", "sms"})):
            staff_notification_preferences_save(
                tenant=world.tenant, membership=member, choices={"follow_up_due": channels}
            )
        staff_notification_preferences_save(
            tenant=world.tenant, membership=world.admin, choices={"follow_up_due": {"email"}}
        )
        alerts = [
            Alert(
                recipient=member.user,
                title=f"Missed follow-up: Call {number}",
                url=f"/follow-ups/{number}/",
                kind="follow_up_due",
                group="follow_up_missed",
            )
            for member, calls in ((world.rep, 3), (world.manager, 1), (world.admin, 2))
            for number in range(calls)
        ]
        made = notifications_create_many(tenant=world.tenant, alerts=alerts)
        ids = [notification.pk for notification in made]
        comms_settings_get(tenant=world.tenant)  # the business's, made once when first read
        # The tenant, the notifications, the groups' items, the choices, the keys, the brand,
        # the settings, the insert (and the transaction's two): not nine more for each copy.
        with django_assert_max_num_queries(10):
            assert copies_schedule(tenant=world.tenant, notification_ids=ids) == 5
        # The task run again (a retry) finds every copy there and writes none.
        assert copies_schedule(tenant=world.tenant, notification_ids=ids) == 0
        copies = {
            (message.recipient_user_id, message.channel): message
            for message in OutboundMessage.objects.filter(tenant=world.tenant)
        }
    assert set(copies) == {
        (world.rep.user_id, "email"),
        (world.rep.user_id, "sms"),
        (world.manager.user_id, "email"),
        (world.manager.user_id, "sms"),
        (world.admin.user_id, "email"),
    }
    rep_email = copies[world.rep.user_id, "email"]
    assert rep_email.subject == "3 follow-ups were missed today"
    assert all(f"- Missed follow-up: Call {n}" in rep_email.body_text for n in range(3))
    assert (rep_email.to_address, rep_email.brand_id) == (world.rep.user.email, world.brand.pk)
    assert rep_email.from_address == f"{world.brand.sender_name} <{world.brand.sender_email}>"
    assert copies[world.manager.user_id, "email"].body_text.startswith("Missed follow-up: Call 0")
    for member in (world.rep, world.manager):
        email, text = copies[member.user_id, "email"], copies[member.user_id, "sms"]
        assert (email.status, email.send_after) == (MessageStatus.SCHEDULED, evening)
        assert [d["decision"] for d in email.decisions] == ["scheduled"]
        # Texts wait for the quiet hours (08:00-20:00) to end, as message_schedule defers them.
        assert text.to_address == str(member.user.phone)
        assert text.send_after == evening.replace(hour=8, minute=0) + dt.timedelta(days=1)
        assert [d["decision"] for d in text.decisions] == ["deferred"]
