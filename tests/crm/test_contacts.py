import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import Contact, ContactPhone, TimelineEvent
from tests import factories
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_create_contact_normalises_the_phone_and_records_it(client, world):
    sign_in(client, world.rep)
    response = client.post(
        reverse("contacts:create"),
        {
            "first_name": "Maria",
            "last_name": "Gonzalez",
            "email": "Maria.Gonzalez@Example.com",
            "phone": "(305) 555-0100",
            "preferred_channel": "sms",
            "language": "es",
        },
    )
    assert response.status_code == 302
    with world.active():
        # The world's own contact has a random name, which may be Gonzalez too.
        contact = Contact.objects.exclude(pk=world.contact.pk).get()
        assert (contact.first_name, contact.last_name) == ("Maria", "Gonzalez")
        phone = ContactPhone.objects.get(contact=contact)
        assert str(phone.number) == "+13055550100"
        assert contact.emails.get().email == "maria.gonzalez@example.com"
        event = TimelineEvent.objects.get(contact=contact)
        assert event.kind == "contact.created" and event.actor == world.rep.user


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "a@example.com"}, "Give a name"),
        ({"first_name": "Ann"}, "Give an email address or a phone number"),
        ({"first_name": "Ann", "phone": "12"}, "valid phone number"),
    ],
)
def test_create_contact_explains_what_is_missing(client, world, data, message):
    sign_in(client, world.rep)
    payload = {"preferred_channel": "email", "language": "en", **data}
    response = client.post(reverse("contacts:create"), payload)
    assert response.status_code == 200
    assert message in response.content.decode()
    with world.active():
        assert Contact.objects.count() == 1


def test_brand_choices_are_tenant_scoped(client, world, other_world):
    sign_in(client, world.rep)
    response = client.get(reverse("contacts:create"))
    with world.active():
        choices = list(response.context["form"].fields["brand"].queryset)
    assert choices == [world.brand]
    response = client.post(
        reverse("contacts:create"),
        {"first_name": "Ann", "email": "ann@example.com", "preferred_channel": "email",
         "language": "en", "brand": other_world.brand.pk},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


class TestPreferredChannelAfterWithdrawal:
    def _withdraw(self, world, contact, channel, source="STOP reply"):
        from crm.models import ConsentStatus
        from crm.services.consent import consent_record

        with world.active():
            consent_record(
                tenant=world.tenant,
                contact=contact,
                channel=channel,
                status=ConsentStatus.WITHDRAWN,
                source=source,
            )
            contact.refresh_from_db()

    def test_withdrawing_the_preferred_channel_moves_it_to_the_next_reachable(self, world):
        contact = world.contact
        with world.active():
            Contact.objects.filter(pk=contact.pk).update(preferred_channel="sms")
            contact.refresh_from_db()

        self._withdraw(world, contact, "email", source="told us on the phone")
        assert contact.preferred_channel == "sms"  # not the preferred one: left alone
        self._withdraw(world, contact, "sms")

        assert contact.preferred_channel == "phone"  # email is withdrawn too: a call
        with world.active():
            event = TimelineEvent.objects.get(contact=contact, kind="contact.preferred_channel")
        assert event.summary == "Preferred channel SMS → Phone call: SMS consent was withdrawn"

    def test_the_data_migration_moves_contacts_who_withdrew_before(self, world):
        import importlib
        from types import SimpleNamespace

        from django.apps import apps

        from crm.models import ContactConsent

        migration = importlib.import_module(
            "crm.migrations.0008_dashboard_count_indexes_squashed_0022_contact_email_lower_case"
        )
        landline_only = factories.ContactFactory(tenant=world.tenant, preferred_channel="sms")
        factories.ContactPhoneFactory(tenant=world.tenant, contact=landline_only, kind="landline")
        with world.active():
            Contact.objects.filter(pk=world.contact.pk).update(preferred_channel="sms")
            for contact in (world.contact, landline_only):
                ContactConsent.objects.create(
                    tenant=world.tenant,
                    contact=contact,
                    channel="sms",
                    status="withdrawn",
                    source="STOP reply",
                    recorded_at=timezone.now(),
                )

            # (As the app role, inside the tenant: the migration itself runs as the owner.)
            editor = SimpleNamespace(connection=SimpleNamespace(alias="default"))
            migration.move_off_withdrawn(apps, editor)

            assert Contact.objects.get(pk=world.contact.pk).preferred_channel == "email"
            assert Contact.objects.get(pk=landline_only.pk).preferred_channel == "phone"
