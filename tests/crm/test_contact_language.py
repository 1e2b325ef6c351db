"""A contact made from outside (a web form, the API, an inbound email or text) speaks the
language of the business it wrote to, never English by default; its typed phone number is read
in that business's country (crm.services.contacts.contact_create)."""

import pytest

from crm.models import AddressSource, Contact, ContactPhone
from crm.services.contacts import contact_find_or_create
from leads.models import Lead
from messaging.models import TemplateVariant
from messaging.services import outbox
from tests.api.helpers import bearer, key_for
from tests.conftest import forget_cached_values
from tests.factories import message_template_for, pipeline_for
from tests.leads.test_capture import _capture_form, _submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def dutch(world):
    """The world's business, in the Netherlands and speaking Dutch (as the ChargeCars demo)."""
    forget_cached_values()
    tenant = world.tenant
    tenant.language, tenant.country, tenant.currency = "nl", "NL", "EUR"
    tenant.time_zone = "Europe/Amsterdam"
    tenant.save()
    return world


def test_a_web_form_lead_of_a_dutch_business_is_dutch_and_thanked_in_dutch(client, dutch):
    capture_form = _capture_form(dutch)
    # The visitor's browser prefers English; the form speaks (and was filled in) Dutch.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en-US,en;q=0.9"
    response = _submit(
        client, capture_form, name="Sanne de Vries", email="sanne@example.nl", phone="06 12345601"
    )
    assert response.status_code == 200
    with dutch.active():
        lead = Lead.objects.select_related("contact").get(contact__first_name="Sanne")
        assert lead.contact.language == "nl"
        phone = ContactPhone.objects.get(contact=lead.contact)
        assert str(phone.number) == "+31612345601"
        template = message_template_for(dutch.tenant, "new-lead-ack", channels=("email",))
        dutch_variant = TemplateVariant.objects.create(
            tenant=dutch.tenant,
            template=template,
            channel="email",
            language="nl",
            subject="Bedankt voor je bericht, {{ first_name }}",
            body_text="Hoi {{ first_name }}",
        )
        thanks = outbox.message_schedule(
            tenant=dutch.tenant,
            channel="email",
            source="trigger",
            idempotency_key="ack-sanne",
            contact=lead.contact,
            lead=lead,
            template=template,
        )
    assert thanks.variant_id == dutch_variant.pk


def test_an_inbound_sender_speaks_the_businesss_language(dutch):
    with dutch.active():
        match = contact_find_or_create(
            tenant=dutch.tenant,
            actor=None,
            emails=["pieter@example.nl"],
            source="inbound message",
            address_source=AddressSource.INBOUND_EMAIL,
            first_name="Pieter",
            needs_review=True,
        )
    assert match.created and match.contact.language == "nl"


def test_an_api_contact_and_an_api_lead_without_a_language_speak_the_businesss(client, dutch):
    pipeline_for(dutch.tenant)
    key = key_for(dutch)
    made = client.post(
        "/api/v1/contacts/",
        {"first_name": "Femke", "emails": ["femke@example.nl"]},
        content_type="application/json",
        **bearer(key),
    )
    assert made.status_code == 201, made.json()
    assert made.json()["language"] == "nl"
    chosen = client.post(
        "/api/v1/contacts/",
        {"first_name": "Lucía", "emails": ["lucia@example.es"], "language": "es"},
        content_type="application/json",
        **bearer(key),
    )
    assert chosen.json()["language"] == "es"
    intake = client.post(
        "/api/v1/intake/leads",
        {"name": "Joris Bakker", "phone": "06 12345602"},
        content_type="application/json",
        **bearer(key),
    )
    assert intake.status_code == 201, intake.json()
    with dutch.active():
        contact = Contact.objects.get(pk=intake.json()["contact_id"])
        assert contact.language == "nl"
        assert [str(p.number) for p in contact.phones.all()] == ["+31612345602"]
