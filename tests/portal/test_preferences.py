"""The portal's preferences page: channels, language, update rhythm and consent, saved for every
contact the customer is, each change on the timeline; and the erasure request."""

import pytest
from django.test import Client
from django.urls import reverse

from crm.models import (
    ConsentStatus,
    ContactConsent,
    ErasureRequest,
    ErasureStatus,
    Notification,
    TimelineEvent,
)
from crm.services.consent import consent_record
from messaging.models import ContactCommsProfile, UpdateFrequency
from tests import factories
from tests.portal.helpers import portal_sign_in

pytestmark = pytest.mark.django_db

PAGE = reverse("portal:preferences")


def _spanish_templates(world):
    factories.message_template_for(world.tenant)
    from messaging.models import MessageTemplate, TemplateVariant

    with world.active():
        template = MessageTemplate.objects.get(tenant=world.tenant, key="quote-sent")
        TemplateVariant.objects.create(
            tenant=world.tenant, template=template, channel="email", language="es", body_text="Hola"
        )


def _post(**overrides):
    data = {
        "preferred_channel": "email",
        "language": "en",
        "update_frequency": "default",
        "email_updates": "on",
        "sms_updates": "on",
        "whatsapp_updates": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def _twin(world):
    """A second contact of the tenant with the same email address: the same customer."""
    with world.active():
        email = world.contact.emails.first().email
    twin = factories.ContactFactory(tenant=world.tenant)
    factories.ContactEmailFactory(tenant=world.tenant, contact=twin, email=email)
    return twin


class TestPage:
    def test_needs_a_portal_session(self, client):
        response = client.get(PAGE)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("portal:sign-in"))

    def test_is_in_the_portal_navigation_and_shows_the_current_choices(self, client, world):
        _spanish_templates(world)
        portal_sign_in(client, world.tenant, world.contact)

        response = client.get(PAGE)

        html = response.content.decode()
        assert response.status_code == 200
        assert f'href="{PAGE}" aria-current="page"' in html
        form = response.context["form"]
        assert form["preferred_channel"].value() == "email"
        # The portal speaks en, nl and es whatever templates the tenant wrote.
        assert dict(form.fields["language"].choices) == {
            "en": "English",
            "es": "Spanish",
            "nl": "Dutch",
        }
        assert form["email_updates"].value() is True
        assert form["email_marketing"].value() is False
        assert "Download as JSON" in html
        assert "Ask to erase my data" in html


class TestSave:
    def test_every_contact_of_the_customer_changes_and_each_timeline_says_so(self, client, world):
        _spanish_templates(world)
        twin = _twin(world)
        portal_sign_in(client, world.tenant, world.contact, twin)

        response = client.post(
            PAGE,
            _post(
                preferred_channel="sms",
                language="es",
                update_frequency="monthly",
                email_marketing="on",
                whatsapp_updates=None,
            ),
        )

        assert response.status_code == 302
        assert response["Location"] == reverse("portal:preferences-saved")
        with world.active():
            for contact in (world.contact, twin):
                contact.refresh_from_db()
                assert (contact.preferred_channel, contact.language) == ("sms", "es")
                profile = ContactCommsProfile.objects.get(contact=contact)
                assert profile.update_frequency == UpdateFrequency.MONTHLY
                consents = {c.channel: c for c in ContactConsent.objects.filter(contact=contact)}
                assert consents["email"].status == ConsentStatus.GRANTED
                assert consents["email"].source == "customer portal"
                assert consents["email"].recorded_at is not None
                assert consents["whatsapp"].status == ConsentStatus.WITHDRAWN
                assert "sms" not in consents  # nothing asked beyond the default
                summaries = list(
                    TimelineEvent.objects.filter(contact=contact).values_list("summary", flat=True)
                )
                assert any(
                    s.startswith(
                        "Preferences changed in the customer portal: preferred channel "
                        "Email → SMS; language English → Spanish; updates"
                    )
                    for s in summaries
                )
                assert "Email consent given (customer portal)" in summaries
                assert "WhatsApp consent withdrawn (customer portal)" in summaries
        saved = client.get(response["Location"])
        # The customer chose Spanish: the portal speaks it from the next page on.
        assert "Sus preferencias se han guardado." in saved.content.decode()

    def test_unticking_offers_limits_the_channel_to_job_messages(self, client, world):
        with world.active():
            consent_record(
                tenant=world.tenant,
                contact=world.contact,
                channel="email",
                status=ConsentStatus.GRANTED,
                source="web form",
            )
        portal_sign_in(client, world.tenant, world.contact)

        client.post(PAGE, _post())

        with world.active():
            consent = ContactConsent.objects.get(contact=world.contact, channel="email")
        assert consent.status == ConsentStatus.NO_MARKETING
        assert consent.source == "customer portal"

    def test_saving_unchanged_choices_records_nothing(self, client, world):
        portal_sign_in(client, world.tenant, world.contact)
        with world.active():
            before = TimelineEvent.objects.count()

        client.post(PAGE, _post())

        with world.active():
            assert TimelineEvent.objects.count() == before

    def test_a_preferred_channel_switched_off_is_refused_and_nothing_is_lost(self, client, world):
        _spanish_templates(world)
        portal_sign_in(client, world.tenant, world.contact)

        response = client.post(
            PAGE, _post(preferred_channel="sms", sms_updates=None, language="es")
        )

        assert response.status_code == 200
        html = response.content.decode()
        assert "You switched off messages by SMS" in html
        assert "Nothing was saved yet" in html
        form = response.context["form"]
        assert form["language"].value() == "es"  # what they typed stays
        assert form["preferred_channel"].value() == "sms"
        with world.active():
            world.contact.refresh_from_db()
            assert world.contact.language == "en"

    def test_after_a_stop_text_the_next_save_is_not_refused_for_sms(self, client, world):
        """STOP moves the preferred channel off SMS: saving a language change (every other
        field as the page shows it) is not refused for a choice the customer never made."""
        from messaging.services.keywords import sms_keyword_handle

        with world.active():
            world.contact.preferred_channel = "sms"
            world.contact.save(update_fields=["preferred_channel"])
            sms_keyword_handle(
                tenant=world.tenant, contact=world.contact, channel="sms", body="STOP"
            )
        portal_sign_in(client, world.tenant, world.contact)
        form = client.get(PAGE).context["form"]
        shown = {name: form[name].value() for name in form.fields}
        assert shown["preferred_channel"] == "email" and shown["sms_updates"] is False
        data = {name: value for name, value in shown.items() if value not in (False, None)}
        data = {name: "on" if value is True else value for name, value in data.items()}

        response = client.post(PAGE, {**data, "update_frequency": "monthly"})

        assert response.status_code == 302
        with world.active():
            world.contact.refresh_from_db()
            assert world.contact.preferred_channel == "email"
            assert ContactCommsProfile.objects.get(contact=world.contact).update_frequency == (
                "monthly"
            )
            assert ContactConsent.objects.get(contact=world.contact, channel="sms").status == (
                ConsentStatus.WITHDRAWN
            )

    def test_offers_without_job_messages_and_unknown_values_are_refused(self, client, world):
        portal_sign_in(client, world.tenant, world.contact)

        response = client.post(
            PAGE,
            _post(email_updates=None, email_marketing="on", language="xx", preferred_channel="sms"),
        )

        assert response.status_code == 200
        errors = response.context["form"].errors
        assert "email_marketing" in errors and "language" in errors

    def test_a_channel_without_an_address_is_not_offered(self, client, world):
        with world.active():
            world.contact.phones.all().delete()
        portal_sign_in(client, world.tenant, world.contact)

        response = client.post(PAGE, _post(preferred_channel="sms"))

        assert response.status_code == 200
        assert "preferred_channel" in response.context["form"].errors

    def test_the_form_needs_its_csrf_token(self, world):
        client = Client(enforce_csrf_checks=True)
        portal_sign_in(client, world.tenant, world.contact)
        assert client.post(PAGE, _post(language="es")).status_code == 403


class TestErasureRequest:
    def test_confirm_then_one_request_per_contact_and_staff_are_told(self, client, world):
        twin = _twin(world)
        portal_sign_in(client, world.tenant, world.contact, twin)

        confirm = client.get(reverse("portal:erasure"))
        assert "Yes, ask to erase my data" in confirm.content.decode()
        with world.active():
            assert not ErasureRequest.objects.exists()

        response = client.post(reverse("portal:erasure"))
        again = client.post(reverse("portal:erasure"))

        assert response.status_code == again.status_code == 302
        with world.active():
            requests = list(ErasureRequest.objects.order_by("contact_id"))
            assert {r.contact_id for r in requests} == {world.contact.pk, twin.pk}
            assert all(r.status == ErasureStatus.OPEN and r.how == "portal" for r in requests)
            told = set(
                Notification.objects.filter(kind="erasure_requested").values_list(
                    "recipient_id", flat=True
                )
            )
            assert told == {world.admin.user_id, world.manager.user_id}
            assert TimelineEvent.objects.filter(
                contact=world.contact, kind="contact.erasure_requested"
            ).exists()
        done = client.get(response["Location"])
        assert "Your request is recorded" in done.content.decode()
        page = client.get(PAGE)
        assert "You asked us to erase your data" in page.content.decode()
