"""The comms panel of a contact's page (/contacts/<id>/comms/, loaded by htmx): consent per channel
with staff changes recorded with their source, the contact's time zone and update rhythm, a
bounce cleared once the address is fixed, and the latest messages with why they went or not."""

import datetime as dt
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from automation.services import updates
from crm.models import ConsentStatus, ContactConsent, TimelineEvent
from crm.services.consent import consent_record
from leads.models import Lead
from leads.services.stages import lead_move_to_stage
from messaging.models import (
    ContactCommsProfile,
    MessageSource,
    MessageStatus,
    OutboundMessage,
    UpdateFrequency,
)
from messaging.services import outbox
from tests.conftest import queries_for, sign_in
from tests.factories import ContactFactory, lead_for, message_template_for, stage_named

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def _page(response) -> str:
    return html.unescape(response.content.decode())


def _panel_url(contact) -> str:
    return f"/contacts/{contact.pk}/comms/"


def _post(client, name: str, contact, data=None, **extra):
    return client.post(reverse(name, kwargs={"contact_pk": contact.pk}), data or {}, **extra)


def _consent(world, channel: str) -> ContactConsent | None:
    with world.active():
        return ContactConsent.objects.filter(
            tenant=world.tenant, contact=world.contact, channel=channel
        ).first()


def _events(world, kind: str) -> list[TimelineEvent]:
    with world.active():
        return list(
            TimelineEvent.objects.filter(tenant=world.tenant, contact=world.contact, kind=kind)
        )


def _profile(world) -> ContactCommsProfile | None:
    with world.active():
        return ContactCommsProfile.objects.filter(
            tenant=world.tenant, contact=world.contact
        ).first()


def _message(world, key: str, **fields) -> OutboundMessage:
    fields.setdefault("channel", "email")
    fields.setdefault("source", MessageSource.TRIGGER)
    fields.setdefault("send_after", timezone.now())
    with world.active():
        return OutboundMessage.objects.create(
            tenant=world.tenant, idempotency_key=key, contact=world.contact, **fields
        )


def test_the_urls_are_named(world):
    assert reverse("comms:contact-panel", kwargs={"contact_pk": 7}) == "/contacts/7/comms/"
    assert (
        reverse("comms:contact-consent", kwargs={"contact_pk": 7}) == "/contacts/7/comms/consent/"
    )


class TestTheContactPage:
    def test_it_loads_the_panel_with_htmx(self, client, world):
        sign_in(client, world.rep)
        page = _page(client.get(reverse("contacts:detail", args=[world.contact.pk])))
        assert f'hx-get="{_panel_url(world.contact)}" hx-trigger="load"' in page
        assert "css/comms.css" in page

    def test_the_panel_costs_the_contact_page_no_queries(self, client, world):
        sign_in(client, world.rep)
        url = reverse("contacts:detail", args=[world.contact.pk])
        before = queries_for(client, url)
        for number in range(5):
            _message(world, f"m{number}")
        with world.active():
            consent_record(
                tenant=world.tenant,
                contact=world.contact,
                channel="sms",
                status="granted",
                source="web",
            )
        assert queries_for(client, url) == before


class TestWhatThePanelShows:
    def test_consent_per_channel_with_source_and_time(self, client, world):
        with world.active():
            consent_record(
                tenant=world.tenant,
                contact=world.contact,
                channel="sms",
                status=ConsentStatus.WITHDRAWN,
                source="STOP reply",
            )
        sign_in(client, world.rep)
        response = client.get(_panel_url(world.contact), **HX)
        page = _page(response)
        assert response.status_code == 200
        assert '<section class="card contact-comms" id="contact-comms"' in page
        assert "<html" not in page  # a fragment for htmx
        for label in ("Email", "SMS", "WhatsApp", "Phone call"):
            assert f'<strong class="consent-channel">{label}</strong>' in page
        assert "Withdrawn" in page and "STOP reply" in page
        assert page.count("Not recorded") == 3

    def test_without_htmx_it_is_a_page_of_its_own(self, client, world):
        sign_in(client, world.rep)
        page = _page(client.get(_panel_url(world.contact)))
        assert "<html" in page and world.contact.display_name in page

    def test_the_latest_ten_messages_with_their_last_decision(self, client, world):
        template = message_template_for(world.tenant, "quote-sent")
        for number in range(12):
            _message(world, f"old-{number}", subject=f"Old message {number}")
        _message(
            world,
            "blocked",
            channel="sms",
            template=template,
            status=MessageStatus.SUPPRESSED,
            decisions=[
                {"at": "", "decision": "block", "reason": "Blocked: the contact opted out of SMS"}
            ],
        )
        sign_in(client, world.rep)
        page = _page(client.get(_panel_url(world.contact), **HX))
        rows = re.findall(r"<tr>\s*<td class=\"nowrap\">", page)
        assert len(rows) == 10
        assert "Quote sent" in page and "Blocked, not sent" in page
        assert "Blocked: the contact opted out of SMS" in page
        assert "Old message 11" in page and "Old message 2" not in page

    def test_admins_get_a_link_to_each_message(self, client, world):
        message = _message(world, "linked", subject="Your roof quote")
        link = f'href="{reverse("comms-settings:message", kwargs={"message_pk": message.pk})}"'
        sign_in(client, world.admin)
        assert link in _page(client.get(_panel_url(world.contact), **HX))
        sign_in(client, world.manager)
        page = _page(client.get(_panel_url(world.contact), **HX))
        assert "Your roof quote" in page and link not in page

    def test_a_fixed_number_of_queries_whatever_the_history(self, client, world):
        sign_in(client, world.rep)
        url = _panel_url(world.contact)
        empty = queries_for(client, url, **HX)
        template = message_template_for(world.tenant, "quote-sent")
        for number in range(15):
            _message(world, f"m{number}", template=template if number % 2 else None)
        with world.active():
            for channel in ("email", "sms", "whatsapp", "phone"):
                consent_record(
                    tenant=world.tenant,
                    contact=world.contact,
                    channel=channel,
                    status="granted",
                    source="web form",
                )
            ContactCommsProfile.objects.create(
                tenant=world.tenant,
                contact=world.contact,
                email_bounced_at=timezone.now(),
                bounced_email="old@example.com",
            )
        assert queries_for(client, url, **HX) == empty


class TestConsentRecordedByStaff:
    def test_given_with_the_source_note_and_on_the_timeline(self, client, world):
        sign_in(client, world.manager)
        response = _post(
            client,
            "comms:contact-consent",
            world.contact,
            {"channel": "whatsapp", "status": "granted", "note": "  told us on the phone "},
            **HX,
        )
        assert response.status_code == 200
        assert "WhatsApp consent recorded as “granted”." in _page(response)
        # The contact page's timeline reloads itself to show the change.
        assert response["HX-Trigger"] == "contact-timeline-changed"
        consent = _consent(world, "whatsapp")
        assert (consent.status, consent.source) == (
            ConsentStatus.GRANTED,
            "staff: told us on the phone",
        )
        [event] = _events(world, "contact.consent")
        assert event.summary == "WhatsApp consent given (staff: told us on the phone)"
        assert event.actor_id == world.manager.user_id

    def test_a_withdrawal_blocks_the_next_message_on_that_channel(self, client, world):
        sign_in(client, world.rep)
        _post(
            client,
            "comms:contact-consent",
            world.contact,
            {"channel": "sms", "status": "withdrawn", "note": "asked at the door"},
        )
        with world.active():
            message = outbox.message_schedule(
                tenant=world.tenant,
                channel="sms",
                source=MessageSource.MANUAL,
                idempotency_key="after-withdrawal",
                contact=world.contact,
                body_text="Hello",
            )
        assert message.status == MessageStatus.SUPPRESSED
        assert message.decisions[-1]["reason"] == "Blocked: the contact opted out of SMS"

    @pytest.mark.parametrize(
        ("note", "error"),
        [
            ("", "Say how the customer told you, e.g. “told us on the phone”."),
            ("x" * 58, "Keep the note to 57 characters."),
        ],
    )
    def test_the_note_is_required_and_fits(self, client, world, note, error):
        sign_in(client, world.admin)
        response = _post(
            client,
            "comms:contact-consent",
            world.contact,
            {"channel": "email", "status": "granted", "note": note},
            **HX,
        )
        assert error in _page(response)
        assert _consent(world, "email") is None

    def test_without_htmx_it_goes_back_to_the_contact(self, client, world):
        sign_in(client, world.admin)
        response = _post(
            client,
            "comms:contact-consent",
            world.contact,
            {"channel": "email", "status": "granted", "note": "signed the contract"},
        )
        assert response.status_code == 302
        assert response.url == reverse("contacts:detail", args=[world.contact.pk])
        assert _consent(world, "email").source == "staff: signed the contract"


class TestWhoMayChangeWhat:
    GRANT = {"channel": "email", "status": "granted", "note": "told us"}

    def test_a_rep_without_a_lead_of_the_contact_may_only_record_a_withdrawal(self, client, world):
        sign_in(client, world.rep)
        page = _page(client.get(_panel_url(world.contact), **HX))
        assert "Consent withdrawn" in page and "Consent given" not in page
        assert 'name="update_frequency"' not in page
        assert _post(client, "comms:contact-consent", world.contact, self.GRANT).status_code == 403
        assert (
            _post(
                client,
                "comms:contact-profile",
                world.contact,
                {"time_zone": "", "update_frequency": "weekly"},
            ).status_code
            == 403
        )
        assert _post(client, "comms:contact-bounce-clear", world.contact).status_code == 403
        assert _consent(world, "email") is None

    def test_the_rep_working_an_open_lead_of_the_contact_may_change_it(self, client, world):
        lead_for(world, owner=world.rep)
        sign_in(client, world.rep)
        assert 'name="update_frequency"' in _page(client.get(_panel_url(world.contact), **HX))
        assert _post(client, "comms:contact-consent", world.contact, self.GRANT).status_code == 302
        assert _consent(world, "email").status == ConsentStatus.GRANTED

    def test_another_reps_lead_does_not_count(self, client, world):
        lead_for(world, owner=world.manager)
        sign_in(client, world.rep)
        assert _post(client, "comms:contact-consent", world.contact, self.GRANT).status_code == 403


@pytest.mark.parametrize(
    "name",
    [
        "comms:contact-panel",
        "comms:contact-consent",
        "comms:contact-profile",
        "comms:contact-bounce-clear",
    ],
)
def test_another_tenants_contact_is_not_found(client, world, other_world, name):
    sign_in(client, world.admin)
    url = reverse(name, kwargs={"contact_pk": other_world.contact.pk})
    data = {"channel": "sms", "status": "withdrawn", "note": "x", "update_frequency": "never"}
    answer = client.get(url, **HX) if name == "comms:contact-panel" else client.post(url, data)
    assert answer.status_code == 404
    with other_world.active():
        assert not ContactConsent.objects.filter(contact=other_world.contact).exists()
        assert not ContactCommsProfile.objects.filter(contact=other_world.contact).exists()


class TestTimeZoneAndUpdates:
    def test_saved_on_the_timeline(self, client, world):
        sign_in(client, world.admin)
        response = _post(
            client,
            "comms:contact-profile",
            world.contact,
            {"time_zone": "Europe/Madrid", "update_frequency": "monthly"},
            **HX,
        )
        assert "Messaging preferences saved." in _page(response)
        profile = _profile(world)
        assert (profile.time_zone, profile.update_frequency) == ("Europe/Madrid", "monthly")
        [event] = _events(world, "contact.comms_profile")
        assert event.summary == (
            "Messaging preferences changed: time zone the business's → Europe/Madrid; "
            "updates “The business's rhythm” → “Every month”"
        )
        page = _page(client.get(_panel_url(world.contact), **HX))
        assert '<option value="Europe/Madrid" selected>' in page
        assert "The business's (America/New_York)" in page

    def test_saving_nothing_new_records_nothing(self, client, world):
        sign_in(client, world.admin)
        data = {"time_zone": "", "update_frequency": "default"}
        _post(client, "comms:contact-profile", world.contact, data, **HX)
        assert _events(world, "contact.comms_profile") == []

    def test_an_unknown_time_zone_is_refused(self, client, world):
        sign_in(client, world.admin)
        response = _post(
            client,
            "comms:contact-profile",
            world.contact,
            {"time_zone": "Mars/Olympus", "update_frequency": "weekly"},
            **HX,
        )
        assert "Select a valid choice" in _page(response)
        assert _profile(world) is None

    def test_a_new_frequency_replans_the_contacts_active_jobs(self, client, world):
        lead = lead_for(world, owner=world.rep)
        with world.active():
            lead_move_to_stage(
                tenant=world.tenant,
                actor=None,
                lead=lead,
                stage=stage_named(lead.pipeline, "In production"),
            )
            lead = Lead.objects.select_related("stage", "contact").get(pk=lead.pk)
            due = updates.lead_update_rhythm(tenant=world.tenant, lead=lead)
        sign_in(client, world.rep)

        _post(
            client,
            "comms:contact-profile",
            world.contact,
            {"time_zone": "", "update_frequency": UpdateFrequency.WEEKLY},
        )
        with world.active():
            lead.refresh_from_db()
        assert lead.next_update_due_at == due - dt.timedelta(days=7)

        _post(
            client,
            "comms:contact-profile",
            world.contact,
            {"time_zone": "", "update_frequency": UpdateFrequency.NEVER},
        )
        with world.active():
            lead.refresh_from_db()
        assert lead.next_update_due_at is None


class TestBounce:
    @pytest.fixture
    def bounced(self, world):
        with world.active():
            return ContactCommsProfile.objects.create(
                tenant=world.tenant,
                contact=world.contact,
                email_bounced_at=timezone.now(),
                bounced_email="old@example.com",
            )

    def test_the_notice_and_clearing_it(self, client, world, bounced):
        sign_in(client, world.manager)
        page = _page(client.get(_panel_url(world.contact), **HX))
        assert "Email bounced." in page and "old@example.com" in page
        assert "Address fixed, clear the bounce" in page

        response = _post(client, "comms:contact-bounce-clear", world.contact, **HX)
        page = _page(response)
        assert "Bounce cleared: email may go to the address again." in page
        assert "Email bounced." not in page
        profile = _profile(world)
        assert (profile.email_bounced_at, profile.bounced_email) == (None, "")
        [event] = _events(world, "contact.bounce_cleared")
        assert event.summary == "Bounce cleared for old@example.com: email may go to it again"

    def test_nothing_to_clear(self, client, world):
        sign_in(client, world.admin)
        response = _post(client, "comms:contact-bounce-clear", world.contact, **HX)
        assert "No bounced email address to clear." in _page(response)


def test_a_contact_without_history(client, world):
    contact = ContactFactory(tenant=world.tenant)
    sign_in(client, world.rep)
    page = _page(client.get(_panel_url(contact), **HX))
    assert "Nothing sent to this contact yet." in page
    assert page.count("Not recorded") == 4
