"""Staff invite a contact to the portal from the contact page and see when they last signed in."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from crm.models import ConsentStatus, ContactEmail, ContactPhone, TimelineEvent
from crm.services.consent import consent_record
from messaging.models import MessageSource
from portal.models import PortalAccess
from tests.conftest import sign_in
from tests.portal.helpers import link_path, sent_messages

pytestmark = pytest.mark.django_db


def _invite(client, world):
    return client.post(reverse("portal-staff:invite", kwargs={"contact_pk": world.contact.pk}))


def test_the_invitation_goes_through_the_outbox_and_lands_on_the_timeline(client, world):
    sign_in(client, world.rep)

    response = _invite(client, world)

    assert response["Location"] == reverse("contacts:detail", args=[world.contact.pk])
    (message,) = sent_messages(world.tenant)
    with world.active():
        email = world.contact.emails.get().email
        access = PortalAccess.objects.get(contact=world.contact)
        event = TimelineEvent.objects.get(contact=world.contact, kind="portal.invited")
    assert message.source == MessageSource.MANUAL
    assert message.to_address == email
    assert message.created_by == world.rep.user
    assert "/portal/sign-in/" in message.body_text
    assert access.invited_by == world.rep.user and access.last_signed_in_at is None
    assert event.actor == world.rep.user
    page = client.get(reverse("contacts:detail", args=[world.contact.pk])).content.decode()
    assert "Invite to portal again" in page
    assert "Never" in page


@pytest.mark.parametrize(("days", "works"), [(6, True), (8, False)])
def test_the_invitation_link_works_once_for_a_week(client, world, days, works):
    sign_in(client, world.admin)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _invite(client, world)
    (message,) = sent_messages(world.tenant)
    customer = client.__class__()

    with time_machine.travel(start + dt.timedelta(days=days), tick=False):
        answer = customer.post(link_path(message))

    assert (answer.status_code == 302) is works
    if works:
        assert customer.post(link_path(message)).status_code == 404
        page = client.get(reverse("contacts:detail", args=[world.contact.pk])).content.decode()
        assert "Last visit" in page and "Never" not in page


def test_a_contact_with_only_a_mobile_is_invited_by_sms(client, world):
    with world.active():
        ContactEmail.objects.filter(contact=world.contact).delete()
        number = str(world.contact.phones.get().number)
    sign_in(client, world.rep)

    _invite(client, world)

    (message,) = sent_messages(world.tenant)
    assert message.channel == "sms" and message.to_address == number
    assert client.__class__().post(link_path(message)).status_code == 302


def test_a_contact_without_address_is_not_invited(client, world):
    with world.active():
        ContactEmail.objects.filter(contact=world.contact).delete()
        ContactPhone.objects.filter(contact=world.contact).delete()
    sign_in(client, world.rep)

    response = _invite(client, world)

    page = client.get(response["Location"]).content.decode()
    assert "Add an email address or a mobile number, or confirm an unverified one" in page
    assert sent_messages(world.tenant) == []


def test_inviting_needs_a_post(client, world):
    sign_in(client, world.rep)

    url = reverse("portal-staff:invite", kwargs={"contact_pk": world.contact.pk})

    assert client.get(url).status_code == 405


def test_an_invitation_the_delivery_policy_blocks_says_why_and_records_nothing(client, world):
    with world.active():
        consent_record(
            tenant=world.tenant,
            contact=world.contact,
            channel="email",
            status=ConsentStatus.WITHDRAWN,
            source="unsubscribe link",
        )
    sign_in(client, world.rep)

    response = _invite(client, world)

    page = client.get(response["Location"]).content.decode()
    assert "Not sent. Blocked: the contact opted out of Email" in page
    assert sent_messages(world.tenant) == []
    with world.active():
        assert not PortalAccess.objects.filter(contact=world.contact).exists()
