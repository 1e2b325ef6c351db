"""/settings/delivery/: admins set the sending hours per channel, the weekly marketing caps, the
duplicate window and the customer-update rhythm. Admins only; invalid input is refused with a
message; what is saved is what messaging.services.policy applies to the next message."""

import datetime as dt
import html
import re
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from automation.services import updates
from automation.tasks import refresh_update_rhythms
from crm.models import Role
from crm.services.consent import consent_record
from leads.models import Lead
from leads.services.stages import lead_move_to_stage
from messaging.models import (
    CommsSettings,
    MessageSource,
    MessageStatus,
    MessageTemplate,
    default_quiet_hours,
    default_weekly_caps,
)
from messaging.services import outbox
from messaging.services.configuration_delivery import comms_settings_update
from messaging.services.policy import comms_settings_get
from tests.conftest import sign_in
from tests.factories import lead_for, message_template_for, stage_named

pytestmark = pytest.mark.django_db

URL = "/settings/delivery/"
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def _page(response) -> str:
    return html.unescape(response.content.decode())


def _errors(response) -> list[str]:
    page = response.content.decode()
    field_errors = re.findall(r'<small class="error">([^<]*)</small>', page)
    form_errors = re.findall(r'<div class="flash flash-error" role="alert">([^<]*)</div>', page)
    return [html.unescape(error).strip() for error in field_errors + form_errors]


def _form(**overrides) -> dict:
    """The page's form as the browser sends it with the defaults in it (unticked boxes left out)."""
    data = {
        "sms_start": "08:00",
        "sms_end": "20:00",
        "whatsapp_start": "08:00",
        "whatsapp_end": "22:00",
        "phone_start": "09:00",
        "phone_end": "17:00",
        "email_any_time": "on",
        "email_start": "",
        "email_end": "",
        "email_cap": "3",
        "sms_cap": "2",
        "whatsapp_cap": "2",
        "duplicate_window_hours": "24",
        "update_interval_days": "14",
        "update_template": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def _settings(world) -> CommsSettings:
    with world.active():
        return comms_settings_get(tenant=world.tenant)


def test_the_url_is_named():
    assert reverse("comms-settings:delivery") == URL


@pytest.mark.parametrize("role", [Role.MANAGER, Role.REP])
def test_only_admins_open_the_page(client, world, role):
    sign_in(client, world.membership(role))
    assert client.get(URL).status_code == 403
    assert client.post(URL, _form(sms_cap="9")).status_code == 403
    assert _settings(world).weekly_caps["sms"] == 2


def test_the_page_shows_the_defaults_and_how_the_policy_applies(client, world):
    sign_in(client, world.admin)
    response = client.get(URL)
    page = _page(response)
    assert response.status_code == 200
    assert "Default: 08:00–20:00" in page and "Default: any time" in page
    assert "Default: 3 a week. Empty: no cap." in page
    assert "Default: 24 hours" in page and "Default: 14 days" in page
    assert "again just before it is sent" in page
    assert "Transactional" in page and "Marketing" in page
    assert "else the business's (America/New_York)" in page
    assert re.search(r'name="email_any_time"[^>]*checked', page)
    assert not re.search(r'name="sms_any_time"[^>]*checked', page)
    assert 'value="08:00"' in page and 'value="20:00"' in page


def test_saving_every_field(client, world):
    template = message_template_for(world.tenant, "biweekly-update", channels=("email",))
    sign_in(client, world.admin)
    response = client.post(
        URL,
        _form(
            email_any_time=None,
            email_start="07:00",
            email_end="21:00",
            sms_start="09:30",
            sms_end="18:00",
            whatsapp_any_time="on",
            phone_start="10:00",
            phone_end="16:00",
            email_cap="",
            sms_cap="1",
            whatsapp_cap="0",
            duplicate_window_hours="48",
            update_interval_days="7",
            update_template=str(template.pk),
        ),
    )
    assert response.status_code == 302
    saved = _settings(world)
    assert saved.quiet_hours == {
        "email": ["07:00", "21:00"],
        "sms": ["09:30", "18:00"],
        "whatsapp": None,
        "phone": ["10:00", "16:00"],
    }
    assert saved.weekly_caps == {"email": None, "sms": 1, "whatsapp": 0}
    assert (saved.duplicate_window_hours, saved.update_interval_days) == (48, 7)
    assert saved.update_template_id == template.pk
    assert "Delivery policy saved" in _page(client.get(URL))


def test_a_window_past_midnight_is_allowed_and_explained(client, world):
    sign_in(client, world.admin)
    assert client.post(URL, _form(phone_start="21:00", phone_end="07:00")).status_code == 302
    assert _settings(world).quiet_hours["phone"] == ["21:00", "07:00"]
    page = _page(client.get(URL))
    assert "21:00–07:00 means from 9 pm until 7 the next morning" in page
    assert page.count("runs past midnight into the next morning") == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"sms_start": "25:00"}, "Times look like 08:00 (24-hour clock)."),
        ({"sms_end": "8pm"}, "Times look like 08:00 (24-hour clock)."),
        ({"sms_start": "20:00"}, "The start and the end are the same time: tick any time instead."),
        ({"phone_end": ""}, "Give both times, or tick any time for this channel."),
        ({"email_cap": "-1"}, "Ensure this value is greater than or equal to 0."),
        ({"update_interval_days": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"update_interval_days": "91"}, "Ensure this value is less than or equal to 90."),
        ({"duplicate_window_hours": ""}, "This field is required."),
    ],
)
def test_invalid_values_are_refused_with_a_message(client, world, overrides, message):
    sign_in(client, world.admin)
    response = client.post(URL, _form(**overrides))
    assert response.status_code == 400
    assert message in _errors(response)
    saved = _settings(world)
    assert saved.quiet_hours == default_quiet_hours()
    assert saved.weekly_caps == default_weekly_caps()
    assert saved.update_interval_days == 14


def test_any_time_ignores_the_times_left_in_the_row(client, world):
    sign_in(client, world.admin)
    response = client.post(URL, _form(sms_any_time="on", sms_start="nonsense", sms_end=""))
    assert response.status_code == 302
    assert _settings(world).quiet_hours["sms"] is None


def test_archived_and_other_tenants_templates_are_not_offered(client, world, other_world):
    archived = message_template_for(world.tenant, "old-update")
    with world.active():
        MessageTemplate.objects.filter(pk=archived.pk).update(is_archived=True)
    foreign = message_template_for(other_world.tenant, "their-update")
    sign_in(client, world.admin)
    page = _page(client.get(URL))
    assert "Old update" not in page and "Their update" not in page
    for template in (archived, foreign):
        response = client.post(URL, _form(update_template=str(template.pk)))
        assert response.status_code == 400
        assert any("Select a valid choice" in error for error in _errors(response))
    assert _settings(world).update_template_id is None


class TestTheService:
    def test_channels_left_out_keep_their_setting(self, world):
        with world.active():
            comms_settings_update(
                tenant=world.tenant, actor=world.admin.user, quiet_hours={"sms": ["07:00", "19:00"]}
            )
            comms_settings_update(
                tenant=world.tenant, actor=world.admin.user, weekly_caps={"email": None}
            )
        saved = _settings(world)
        assert saved.quiet_hours == {**default_quiet_hours(), "sms": ["07:00", "19:00"]}
        assert saved.weekly_caps == {**default_weekly_caps(), "email": None}

    def test_bad_values_are_refused_by_setting(self, world):
        other = message_template_for(world.tenant, "archived")
        with world.active():
            MessageTemplate.objects.filter(pk=other.pk).update(is_archived=True)
            other.refresh_from_db()
            with pytest.raises(ValidationError) as refused:
                comms_settings_update(
                    tenant=world.tenant,
                    actor=world.admin.user,
                    quiet_hours={"sms": ["8:00pm", "22:00"], "fax": None},
                    weekly_caps={"sms": -1},
                    duplicate_window_hours=1000,
                    update_interval_days=0,
                    update_template=other,
                )
        assert set(refused.value.message_dict) == {
            "quiet_hours.sms",
            "quiet_hours.fax",
            "weekly_caps.sms",
            "duplicate_window_hours",
            "update_interval_days",
            "update_template",
        }
        assert _settings(world).quiet_hours == default_quiet_hours()

    def test_an_unknown_setting_is_a_programming_error(self, world):
        with world.active(), pytest.raises(TypeError):
            comms_settings_update(tenant=world.tenant, actor=world.admin.user, quiet_hour={})


class TestTheChangeTakesEffect:
    def _sms(self, world, key: str, at: dt.datetime):
        with world.active():
            return outbox.message_schedule(
                tenant=world.tenant,
                channel="sms",
                source=MessageSource.MANUAL,
                idempotency_key=key,
                contact=world.contact,
                body_text="Hello",
                now=at,
            )

    def test_a_new_sms_follows_the_hours_saved_on_the_page(self, client, world):
        nine_am = dt.datetime(2026, 6, 9, 9, 0, tzinfo=NEW_YORK)
        assert self._sms(world, "before", nine_am).send_after == nine_am

        sign_in(client, world.admin)
        client.post(URL, _form(sms_start="10:00", sms_end="12:00"))
        deferred = self._sms(world, "after", nine_am)
        assert deferred.status == MessageStatus.SCHEDULED
        assert deferred.send_after == dt.datetime(2026, 6, 9, 10, 0, tzinfo=NEW_YORK)
        assert "SMS only 10:00–12:00 (America/New_York)" in deferred.decisions[-1]["reason"]

        client.post(URL, _form(sms_any_time="on"))
        midnight = dt.datetime(2026, 6, 10, 0, 30, tzinfo=NEW_YORK)
        assert self._sms(world, "any-time", midnight).send_after == midnight

    def test_a_cap_saved_on_the_page_suppresses_the_next_marketing_email(self, client, world):
        promo = message_template_for(
            world.tenant, "spring-promo", channels=("email",), purpose="marketing"
        )
        with world.active():
            consent_record(
                tenant=world.tenant,
                contact=world.contact,
                channel="email",
                status="granted",
                source="web form",
            )
        sign_in(client, world.admin)
        client.post(URL, _form(email_cap="0"))
        with world.active():
            message = outbox.message_schedule(
                tenant=world.tenant,
                channel="email",
                source=MessageSource.TRIGGER,
                idempotency_key="promo",
                contact=world.contact,
                template=promo,
            )
        assert message.status == MessageStatus.SUPPRESSED
        reason = message.decisions[-1]["reason"]
        assert reason == "Suppressed by the cap: 0 marketing Email messages per week"


def test_a_new_interval_replans_the_active_jobs(client, world, django_capture_on_commit_callbacks):
    lead = lead_for(world, owner=world.rep)
    with world.active():
        lead_move_to_stage(
            tenant=world.tenant,
            actor=None,
            lead=lead,
            stage=stage_named(lead.pipeline, "In production"),
        )
        lead = Lead.objects.select_related("stage", "contact").get(pk=lead.pk)
        due_before = updates.lead_update_rhythm(tenant=world.tenant, lead=lead)
    assert due_before is not None

    sign_in(client, world.admin)
    with django_capture_on_commit_callbacks() as callbacks:
        assert client.post(URL, _form(update_interval_days="7")).status_code == 302
    assert len(callbacks) == 1  # the re-plan is queued for a worker, not done in the request
    refresh_update_rhythms(world.tenant.pk)  # what the worker runs
    with world.active():
        lead.refresh_from_db()
    assert lead.next_update_due_at == due_before - dt.timedelta(days=7)
