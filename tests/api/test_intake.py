"""Lead intake for lead sources: the web form's rule for addresses. What a lead source sends is
a stranger's claim: it arrives unverified and never opens anyone's portal."""

import pytest

from crm.models import AddressSource, ContactEmail, ContactPhone
from leads.models import Lead
from portal.addresses import SignInAddress
from portal.models import ChallengeChannel
from portal.selectors.customers import contacts_with_address
from tests.api.helpers import bearer, key_for
from tests.conftest import forget_cached_values
from tests.factories import LeadSourceFactory, pipeline_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    forget_cached_values()


def _send(client, key, **body):
    return client.post("/api/v1/intake/leads", body, content_type="application/json", **bearer(key))


def _portal_contacts(world, channel, value):
    with world.active():
        return contacts_with_address(
            tenant=world.tenant, address=SignInAddress(channel=channel, value=value)
        )


def test_a_new_person_becomes_a_contact_with_unverified_addresses(client, world):
    pipeline_for(world.tenant)
    with world.active():
        source = LeadSourceFactory(tenant=world.tenant, name="Angi")
    response = _send(
        client,
        key_for(world),
        name="Rosa Diaz",
        email="Rosa@Example.com",
        phone="+13055550177",
        message="Leaking roof",
        source_id=source.pk,
        address={"address_line1": "1 Main St", "city": "Miami", "state": "FL"},
    )
    assert response.status_code == 201, response.json()
    with world.active():
        lead = Lead.objects.select_related("contact", "property").get(pk=response.json()["lead_id"])
        email = ContactEmail.objects.get(contact=lead.contact)
        phone = ContactPhone.objects.get(contact=lead.contact)
    assert lead.contact.first_name == "Rosa" and lead.source_id == source.pk
    assert lead.property.address_line1 == "1 Main St"
    assert email.source == phone.source == AddressSource.API
    assert not email.is_verified and not phone.is_verified
    assert _portal_contacts(world, ChallengeChannel.EMAIL, "rosa@example.com") == []
    assert _portal_contacts(world, ChallengeChannel.SMS, "+13055550177") == []


def test_a_known_customers_email_adds_nothing_that_opens_their_portal(client, world):
    pipeline_for(world.tenant)
    with world.active():
        known = ContactEmail.objects.get(contact=world.contact)
        known.verified_at = known.verified_at or known.created_at
        known.save()
    assert _portal_contacts(world, ChallengeChannel.EMAIL, known.email.lower()) == [world.contact]
    response = _send(
        client, key_for(world), name="Someone Else", email=known.email, phone="+13055550188"
    )
    assert response.status_code == 201
    assert response.json()["contact_id"] == world.contact.pk
    with world.active():
        added = ContactPhone.objects.get(contact=world.contact, number="+13055550188")
    assert added.source == AddressSource.API and not added.is_verified
    assert _portal_contacts(world, ChallengeChannel.SMS, "+13055550188") == []


def test_intake_needs_a_way_to_reach_the_person_and_a_write_key(client, world):
    pipeline_for(world.tenant)
    response = _send(client, key_for(world), name="Nobody")
    assert response.status_code == 422 and "email" in response.json()["errors"]
    response = _send(client, key_for(world), name="Bad", phone="12")
    assert response.status_code == 422 and "phone" in response.json()["errors"]
    assert _send(client, key_for(world, "read"), name="R", email="r@example.com").status_code == 403
