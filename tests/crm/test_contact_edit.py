"""Staff edit a contact: name, preferences, emails and phones. Numbers are read in the tenant's
country and stored in E.164; an added address is staff-typed (verified by them, as on a new
contact); a changed one loses the old one's verification; the timeline says what changed."""

import pytest
from django.urls import reverse

from crm.models import AddressVerification, ContactEmail, ContactPhone, TimelineEvent
from leads.models import Lead
from tests import factories
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def _form(world, contact, **overrides) -> dict:
    """The edit form as the page fills it, with `overrides` on top."""
    with world.active():
        emails = list(contact.emails.all())
        phones = list(contact.phones.all())
    data = {
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "company_name": contact.company_name,
        "preferred_channel": contact.preferred_channel,
        "language": contact.language,
        "primary_email": "0",
        "primary_phone": "0",
        "emails-TOTAL_FORMS": str(len(emails) + 1),
        "emails-INITIAL_FORMS": str(len(emails)),
        "phones-TOTAL_FORMS": str(len(phones) + 1),
        "phones-INITIAL_FORMS": str(len(phones)),
    }
    for index, email in enumerate(emails):
        data[f"emails-{index}-address_id"] = email.pk
        data[f"emails-{index}-email"] = email.email
    for index, phone in enumerate(phones):
        data[f"phones-{index}-address_id"] = phone.pk
        data[f"phones-{index}-number"] = str(phone.number)
        data[f"phones-{index}-kind"] = phone.kind
    data[f"phones-{len(phones)}-kind"] = "mobile"
    data.update(overrides)
    return data


def test_the_edit_page_shows_the_contact(client, world):
    sign_in(client, world.rep)
    page = client.get(reverse("contacts:edit", args=[world.contact.pk])).content.decode()
    with world.active():
        email = world.contact.emails.get().email
    assert email in page and world.contact.first_name in page
    assert "Add an email" in page and "Add a phone" in page


def test_edit_name_and_add_an_email_and_a_local_phone(client, world):
    tenant = world.tenant
    tenant.country = "NL"
    tenant.save()
    sign_in(client, world.rep)
    data = _form(
        world,
        world.contact,
        first_name="Mariah",
        **{"emails-1-email": "Mariah.New@Example.com", "phones-1-number": "06 12345678"},
    )
    response = client.post(reverse("contacts:edit", args=[world.contact.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    with world.active():
        world.contact.refresh_from_db()
        assert world.contact.first_name == "Mariah"
        added = ContactEmail.objects.get(contact=world.contact, email="mariah.new@example.com")
        assert added.is_verified and added.verified_how == AddressVerification.STAFF
        assert not added.is_primary
        phone = ContactPhone.objects.get(contact=world.contact, number="+31612345678")
        assert phone.verified_by == world.rep.user
        event = TimelineEvent.objects.get(contact=world.contact, kind="contact.updated")
        assert "Mariah" in event.summary and "mariah.new@example.com" in event.summary
        assert event.actor == world.rep.user


def test_a_changed_address_is_no_longer_verified(client, world):
    sign_in(client, world.rep)
    with world.active():
        email = world.contact.emails.get()
        assert email.is_verified
    data = _form(world, world.contact, **{"emails-0-email": "someone.else@example.com"})
    assert client.post(reverse("contacts:edit", args=[world.contact.pk]), data).status_code == 302
    with world.active():
        email.refresh_from_db()
        assert email.email == "someone.else@example.com"
        assert not email.is_verified and email.verified_by is None
        event = TimelineEvent.objects.get(contact=world.contact, kind="contact.updated")
        assert "unverified until confirmed" in event.summary
    page = client.get(reverse("contacts:detail", args=[world.contact.pk])).content.decode()
    assert reverse("contacts:email-confirm", args=[world.contact.pk, email.pk]) in page


def test_remove_an_address_and_choose_the_primary(client, world):
    sign_in(client, world.rep)
    data = _form(
        world,
        world.contact,
        primary_email="1",
        **{"emails-0-DELETE": "on", "emails-1-email": "second@example.com"},
    )
    assert client.post(reverse("contacts:edit", args=[world.contact.pk]), data).status_code == 302
    with world.active():
        emails = list(world.contact.emails.all())
        assert [(e.email, e.is_primary) for e in emails] == [("second@example.com", True)]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"first_name": "", "last_name": "", "company_name": ""}, "Give a name"),
        ({"phones-1-number": "12"}, "valid phone number"),
        ({"emails-1-email": "not-an-email"}, "valid email"),
    ],
)
def test_edit_explains_what_is_wrong(client, world, overrides, message):
    sign_in(client, world.rep)
    data = _form(world, world.contact, **overrides)
    response = client.post(reverse("contacts:edit", args=[world.contact.pk]), data)
    assert response.status_code == 200
    assert message in response.content.decode()


def test_the_same_address_twice_is_refused(client, world):
    sign_in(client, world.rep)
    with world.active():
        email = world.contact.emails.get().email
    data = _form(world, world.contact, **{"emails-1-email": email.upper()})
    response = client.post(reverse("contacts:edit", args=[world.contact.pk]), data)
    assert response.status_code == 200
    assert "The same email is listed twice" in response.content.decode()


def test_editing_refreshes_the_lead_search(client, world):
    """A lead is found by its contact's new phone once the contact is edited."""
    lead = factories.lead_for(world)
    sign_in(client, world.rep)
    data = _form(world, world.contact, **{"phones-1-number": "+1 786 555 0123"})
    assert client.post(reverse("contacts:edit", args=[world.contact.pk]), data).status_code == 302
    with world.active():
        assert Lead.objects.filter(pk=lead.pk, search_vector="7865550123").exists()


def test_another_tenants_address_cannot_be_edited(client, world, other_world):
    with other_world.active():
        foreign = other_world.contact.emails.get()
    sign_in(client, world.rep)
    data = _form(world, world.contact, **{"emails-0-address_id": foreign.pk})
    response = client.post(reverse("contacts:edit", args=[world.contact.pk]), data)
    assert "no longer on this contact" in response.content.decode()
    with other_world.active():
        foreign.refresh_from_db()
        assert foreign.contact_id == other_world.contact.pk


def test_the_inbox_sends_staff_to_the_edit_page():
    with open("templates/tickets/inbox/detail.html") as template:
        assert (
            "{% url 'contacts:edit' contact_pk=ticket.contact_id %}\">{% translate \"add one"
            in (template.read())
        )


def test_an_address_another_contact_has_points_to_merge(client, world):
    twin = factories.ContactFactory(tenant=world.tenant, first_name="Maybe", last_name="Twin")
    factories.ContactEmailFactory(tenant=world.tenant, contact=twin, email="twin@example.com")
    sign_in(client, world.manager)
    data = _form(world, world.contact, **{"emails-1-email": "twin@example.com"})
    response = client.post(reverse("contacts:edit", args=[world.contact.pk]), data, follow=True)
    assert "Maybe Twin has an address of this contact too" in response.content.decode()
