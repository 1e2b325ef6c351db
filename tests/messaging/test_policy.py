"""The delivery policy: quiet hours in the contact's time zone (across DST changes), frequency
caps, the duplicate rule, consent, bad addresses, WhatsApp's session window — applied when a
message is scheduled and again when it is sent — and the unsubscribe link."""

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import translation

from crm.models import ConsentStatus, ContactConsent, TimelineEvent
from crm.services.consent import consent_record
from messaging.links import unsubscribe_url
from messaging.models import ContactCommsProfile, MessageSource, MessageStatus, OutboundMessage
from messaging.selectors.outbox import decision_reason
from messaging.services import outbox, outbox_send
from messaging.services.policy import next_allowed_time
from tests.factories import message_template_for

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
LOS_ANGELES = zoneinfo.ZoneInfo("America/Los_Angeles")
SMS_WINDOW = ["08:00", "20:00"]


def local(zone, *args):
    return dt.datetime(*args, tzinfo=zone)


class TestQuietHours:
    def test_inside_the_window_goes_now(self):
        noon = local(NEW_YORK, 2026, 6, 9, 12, 0)
        assert next_allowed_time(noon, NEW_YORK, SMS_WINDOW) == noon

    def test_late_evening_waits_for_the_next_morning_in_the_contacts_zone(self):
        evening = local(NEW_YORK, 2026, 6, 9, 21, 30)
        assert next_allowed_time(evening, NEW_YORK, SMS_WINDOW) == local(
            NEW_YORK, 2026, 6, 10, 8, 0
        )

    def test_the_same_instant_is_fine_for_a_contact_three_hours_west(self):
        # 21:30 in New York is 18:30 in Los Angeles: inside the Californian's window.
        evening = local(NEW_YORK, 2026, 6, 9, 21, 30)
        assert next_allowed_time(evening, LOS_ANGELES, SMS_WINDOW) == evening

    def test_early_morning_waits_until_eight_the_same_day(self):
        dawn = local(NEW_YORK, 2026, 6, 9, 5, 15)
        assert next_allowed_time(dawn, NEW_YORK, SMS_WINDOW) == local(NEW_YORK, 2026, 6, 9, 8, 0)

    def test_spring_forward_keeps_eight_oclock_local(self):
        # DST starts 2026-03-08 at 02:00 in New York: 08:00 that morning is 12:00 UTC, not 13:00.
        night = local(NEW_YORK, 2026, 3, 7, 23, 0)
        opening = next_allowed_time(night, NEW_YORK, SMS_WINDOW)
        assert opening == dt.datetime(2026, 3, 8, 12, 0, tzinfo=dt.UTC)
        assert opening.astimezone(NEW_YORK).hour == 8

    def test_fall_back_keeps_eight_oclock_local(self):
        # DST ends 2026-11-01: 08:00 that morning is 13:00 UTC.
        night = local(NEW_YORK, 2026, 10, 31, 22, 0)
        opening = next_allowed_time(night, NEW_YORK, SMS_WINDOW)
        assert opening == dt.datetime(2026, 11, 1, 13, 0, tzinfo=dt.UTC)

    def test_a_window_opening_inside_the_spring_gap_lands_on_the_first_real_minute(self):
        night = local(NEW_YORK, 2026, 3, 8, 1, 0)
        opening = next_allowed_time(night, NEW_YORK, ["02:30", "04:00"])
        assert opening.astimezone(NEW_YORK).hour == 3  # 02:30 does not exist that night

    def test_a_window_past_midnight(self):
        window = ["22:00", "06:00"]
        assert next_allowed_time(local(NEW_YORK, 2026, 6, 9, 23, 0), NEW_YORK, window) == local(
            NEW_YORK, 2026, 6, 9, 23, 0
        )
        assert next_allowed_time(local(NEW_YORK, 2026, 6, 9, 12, 0), NEW_YORK, window) == local(
            NEW_YORK, 2026, 6, 9, 22, 0
        )

    def test_no_window_means_any_time(self):
        night = local(NEW_YORK, 2026, 6, 9, 3, 0)
        assert next_allowed_time(night, NEW_YORK, None) == night


def _schedule(world, channel="sms", *, key, template=None, source=MessageSource.UPDATE, at):
    with world.active():
        return outbox.message_schedule(
            tenant=world.tenant,
            channel=channel,
            source=source,
            idempotency_key=key,
            contact=world.contact,
            template=template,
            body_text="" if template else "Hello",
            send_after=at,
            now=at,
        )


@pytest.fixture
def californian(world):
    """The business is in Miami; this contact lives in Los Angeles."""
    world.tenant.time_zone = "America/New_York"
    world.tenant.save()
    with world.active():
        ContactCommsProfile.objects.create(
            tenant=world.tenant, contact=world.contact, time_zone="America/Los_Angeles"
        )
    return world


class TestSchedulingAppliesThePolicy:
    def test_a_late_sms_is_deferred_to_the_contacts_morning_and_says_so(self, californian):
        world = californian
        late = local(LOS_ANGELES, 2026, 6, 9, 22, 0)
        message = _schedule(world, key="late", at=late)

        assert message.status == MessageStatus.SCHEDULED
        assert message.send_after == local(LOS_ANGELES, 2026, 6, 10, 8, 0)
        assert message.decisions[-1]["decision"] == "deferred"
        assert "America/Los_Angeles" in message.decisions[-1]["reason"]
        with world.active():
            event = TimelineEvent.objects.get(contact=world.contact, kind="message.deferred")
        assert "Deferred to Wed Jun 10, 08:00 PDT" in event.summary

    def test_email_goes_any_time(self, californian):
        late = local(LOS_ANGELES, 2026, 6, 9, 23, 30)
        message = _schedule(californian, "email", key="late-email", at=late)
        assert message.send_after == late

    def test_at_send_time_quiet_hours_are_checked_again(self, californian):
        world = californian
        afternoon = local(LOS_ANGELES, 2026, 6, 9, 15, 0)
        message = _schedule(world, key="afternoon", at=afternoon)
        # The worker was down all evening; it comes back at 23:00 local.
        back = local(LOS_ANGELES, 2026, 6, 9, 23, 0)
        with world.active():
            outbox.outbox_claim_due(tenant=world.tenant, now=back)
            assert outbox_send.message_send(
                tenant=world.tenant, message_id=message.pk, now=back
            ) == ("deferred")
            message.refresh_from_db()
        assert message.send_after == local(LOS_ANGELES, 2026, 6, 10, 8, 0)

    def test_the_same_key_schedules_once(self, world):
        at = dt.datetime(2026, 6, 9, 16, 0, tzinfo=dt.UTC)
        first = _schedule(world, "email", key="once", at=at)
        second = _schedule(world, "email", key="once", at=at)
        assert first.pk == second.pk
        with world.active():
            assert OutboundMessage.objects.count() == 1


class TestCapsAndDuplicates:
    def test_marketing_email_is_capped_at_three_a_week(self, world):
        survey = message_template_for(
            world.tenant, "survey", channels=("email",), purpose="marketing"
        )
        with world.active():
            consent_record(
                tenant=world.tenant,
                contact=world.contact,
                channel="email",
                status=ConsentStatus.GRANTED,
                source="web form",
            )
        monday = dt.datetime(2026, 6, 8, 15, 0, tzinfo=dt.UTC)
        statuses = [
            _schedule(
                world, "email", key=f"m{day}", template=survey, at=monday + dt.timedelta(days=day)
            ).status
            for day in range(0, 5)
        ]
        # Days 0, 1, 2 pass; 3 and 4 are in the same rolling week (the duplicate rule is per day).
        assert statuses == ["scheduled", "scheduled", "scheduled", "suppressed", "suppressed"]
        eight_days_later = monday + dt.timedelta(days=8)
        assert _schedule(world, "email", key="m8", template=survey, at=eight_days_later).status == (
            "scheduled"
        )

    def test_transactional_messages_are_not_capped(self, world):
        notice = message_template_for(world.tenant, "notice", channels=("sms",))
        monday = dt.datetime(2026, 6, 8, 15, 0, tzinfo=dt.UTC)
        statuses = {
            _schedule(
                world, key=f"t{day}", template=notice, at=monday + dt.timedelta(days=day)
            ).status
            for day in range(0, 6)
        }
        assert statuses == {"scheduled"}

    def test_the_same_template_twice_within_a_day_is_suppressed(self, world):
        notice = message_template_for(world.tenant, "notice", channels=("sms",))
        at = dt.datetime(2026, 6, 8, 15, 0, tzinfo=dt.UTC)
        assert _schedule(world, key="a", template=notice, at=at).status == "scheduled"
        duplicate = _schedule(world, key="b", template=notice, at=at + dt.timedelta(hours=5))
        assert duplicate.status == "suppressed"
        assert "within 24 h" in duplicate.decisions[-1]["reason"]
        assert (
            _schedule(world, key="c", template=notice, at=at + dt.timedelta(hours=25)).status
            == "scheduled"
        )

    def test_a_person_resending_is_not_a_duplicate(self, world):
        notice = message_template_for(world.tenant, "notice", channels=("email",))
        at = dt.datetime(2026, 6, 8, 15, 0, tzinfo=dt.UTC)
        _schedule(world, "email", key="a", template=notice, at=at)
        resend = _schedule(
            world, "email", key="b", template=notice, source=MessageSource.QUOTE, at=at
        )
        assert resend.status == "scheduled"


class TestConsent:
    def test_marketing_needs_an_opt_in(self, world):
        survey = message_template_for(
            world.tenant, "survey", channels=("sms",), purpose="marketing"
        )
        at = dt.datetime(2026, 6, 8, 15, 0, tzinfo=dt.UTC)
        message = _schedule(world, key="s", template=survey, at=at)
        assert message.status == "suppressed"
        assert message.decisions[-1]["reason"] == "Blocked: no marketing opt-in for SMS"
        with world.active():
            blocked = TimelineEvent.objects.get(kind="message.blocked")
        # Kept as a message: the outbox and the timeline read it in the reader's language.
        with translation.override("nl"):
            assert decision_reason(message.decisions[-1]) == (
                "Geblokkeerd: geen toestemming voor marketing via kanaal Sms"
            )
            assert (
                "Geblokkeerd: geen toestemming voor marketing via kanaal Sms"
                in blocked.shown_summary
            )

    def test_transactional_goes_unless_the_contact_opted_out(self, world):
        at = dt.datetime(2026, 6, 8, 15, 0, tzinfo=dt.UTC)
        assert _schedule(world, key="a", at=at).status == "scheduled"
        with world.active():
            consent_record(
                tenant=world.tenant,
                contact=world.contact,
                channel="sms",
                status=ConsentStatus.WITHDRAWN,
                source="STOP reply",
            )
        assert _schedule(world, key="b", at=at).status == "suppressed"

    def test_an_opt_out_after_scheduling_cancels_the_message_at_once(self, world):
        at = dt.datetime(2026, 6, 8, 15, 0, tzinfo=dt.UTC)
        message = _schedule(world, key="a", at=at)
        with world.active():
            consent_record(
                tenant=world.tenant,
                contact=world.contact,
                channel="sms",
                status=ConsentStatus.WITHDRAWN,
                source="STOP reply",
            )
            message.refresh_from_db()
            assert message.status == "cancelled"
            assert message.decisions[-1]["reason"] == (
                "Cancelled: SMS consent withdrawn (STOP reply)"
            )
            assert outbox.outbox_claim_due(tenant=world.tenant, now=at) == []

    def test_an_opt_out_the_outbox_was_not_told_of_still_stops_it_at_send_time(self, world):
        """The last guard: consent written without the service (no event) is read when sending."""
        at = dt.datetime(2026, 6, 8, 15, 0, tzinfo=dt.UTC)
        message = _schedule(world, key="a", at=at)
        with world.active():
            ContactConsent.objects.update_or_create(
                tenant=world.tenant,
                contact=world.contact,
                channel="sms",
                defaults={"status": ConsentStatus.WITHDRAWN},
            )
            outbox.outbox_claim_due(tenant=world.tenant, now=at)
            assert outbox_send.message_send(tenant=world.tenant, message_id=message.pk, now=at) == (
                "suppressed"
            )

    def test_a_bounced_address_is_blocked(self, world):
        at = dt.datetime(2026, 6, 8, 15, 0, tzinfo=dt.UTC)
        with world.active():
            ContactCommsProfile.objects.create(
                tenant=world.tenant,
                contact=world.contact,
                email_bounced_at=at,
                bounced_email=world.contact.emails.first().email,
            )
        message = _schedule(world, "email", key="a", at=at)
        assert message.status == "suppressed" and "bounced" in message.decisions[-1]["reason"]

    def test_whatsapp_outside_the_session_needs_an_approved_template(self, world):
        at = dt.datetime(2026, 6, 8, 15, 0, tzinfo=dt.UTC)
        plain = message_template_for(world.tenant, "plain", channels=("whatsapp",))
        approved = message_template_for(
            world.tenant, "approved", channels=("whatsapp",), whatsapp_approved=True
        )
        assert _schedule(world, "whatsapp", key="p", template=plain, at=at).status == "suppressed"
        assert _schedule(world, "whatsapp", key="a", template=approved, at=at).status == (
            "scheduled"
        )
        with world.active():
            ContactCommsProfile.objects.update_or_create(
                tenant=world.tenant,
                contact=world.contact,
                defaults={"last_whatsapp_inbound_at": at - dt.timedelta(hours=2)},
            )
        assert _schedule(world, "whatsapp", key="p2", template=plain, at=at).status == ("scheduled")


class TestUnsubscribeLink:
    def _link(self, world, channel="email"):
        url = unsubscribe_url(
            tenant_id=world.tenant.pk, contact_id=world.contact.pk, channel=channel
        )
        return url.split("://", 1)[1].split("/", 1)[1]

    def test_opening_the_link_changes_nothing_and_the_button_unsubscribes(self, client, world):
        path = "/" + self._link(world)
        page = client.get(path)
        assert page.status_code == 200 and "Unsubscribe" in page.content.decode()
        with world.active():
            assert not ContactConsent.objects.filter(contact=world.contact).exists()

        done = client.post(path)

        assert done.status_code == 200 and "You are unsubscribed" in done.content.decode()
        with world.active():
            consent = ContactConsent.objects.get(contact=world.contact, channel="email")
        assert consent.status == ConsentStatus.NO_MARKETING
        assert consent.source == "unsubscribe link"

    def test_after_unsubscribing_job_messages_still_go_and_marketing_does_not(self, client, world):
        client.post("/" + self._link(world))
        at = dt.datetime(2026, 6, 8, 15, 0, tzinfo=dt.UTC)
        survey = message_template_for(
            world.tenant, "survey", channels=("email",), purpose="marketing"
        )
        assert _schedule(world, "email", key="job", at=at).status == "scheduled"
        assert _schedule(world, "email", key="m", template=survey, at=at).status == "suppressed"

    def test_a_tampered_link_is_refused(self, client, world):
        path = "/" + self._link(world)
        tampered = path[:-3] + ("A" if path[-3] != "A" else "B") + path[-2:]
        assert client.post(tampered).status_code == 404
        assert (
            client.get(reverse("comms-public:unsubscribe", kwargs={"token": "junk"})).status_code
            == 404
        )
        with world.active():
            assert not ContactConsent.objects.filter(contact=world.contact).exists()

    def test_a_link_for_another_tenants_contact_id_does_nothing_here(
        self, client, world, other_world
    ):
        forged = unsubscribe_url(
            tenant_id=world.tenant.pk, contact_id=other_world.contact.pk, channel="email"
        )
        path = "/" + forged.split("://", 1)[1].split("/", 1)[1]
        assert client.post(path).status_code == 404
        with other_world.active():
            assert not ContactConsent.objects.filter(contact=other_world.contact).exists()
