"""/settings/triggers/: admins configure status and time triggers and their steps. Admins only;
every rule a trigger and a step must follow is shown on the form; the demo triggers seed once."""

import html
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from automation.demo_triggers import seed_triggers
from automation.models import (
    ChannelChoice,
    FollowUpKind,
    StepAction,
    Trigger,
    TriggerDateField,
    TriggerOn,
    TriggerStep,
)
from automation.selectors.triggers import trigger_get, trigger_summary
from automation.services.configuration_triggers import (
    trigger_save,
    trigger_step_save,
)
from crm.models import Role
from messaging.models import MessageTemplate, TemplateVariant
from tests import factories
from tests.conftest import queries_for, sign_in
from tests.factories import pipeline_for, stage_named

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def _page(response) -> str:
    return html.unescape(response.content.decode())


def _errors(response) -> list[str]:
    page = response.content.decode()
    field_errors = re.findall(r'<small class="error">([^<]*)</small>', page)
    form_errors = re.findall(r'<div class="flash flash-error" role="alert">([^<]*)</div>', page)
    return [html.unescape(error).strip() for error in field_errors + form_errors]


def _template(world, key: str, channels=("email", "sms"), *, name: str = "", archived=False):
    """A message template with wording for `channels`, made directly (not through the template
    pages, which another part of the comms work builds)."""
    with world.active():
        template = MessageTemplate.objects.create(
            tenant=world.tenant,
            key=key,
            name=name or key.replace("-", " ").capitalize(),
            is_archived=archived,
        )
        for channel in channels:
            TemplateVariant.objects.create(
                tenant=world.tenant,
                template=template,
                channel=channel,
                subject="Hello" if channel == "email" else "",
                body_text="Hello {{ customer_name }}",
            )
    return template


def _trigger(world, **values) -> Trigger:
    values.setdefault("name", "Thank new leads")
    values.setdefault("event", TriggerOn.LEAD_CREATED)
    with world.active():
        return trigger_save(tenant=world.tenant, actor=world.admin.user, **values)


def _step(world, trigger, **values) -> TriggerStep:
    with world.active():
        return trigger_step_save(
            tenant=world.tenant, actor=world.admin.user, trigger=trigger, **values
        )


def _refusal(world, save, **values) -> dict:
    """What the service `save` refuses, caught inside the tenant's context: an error that leaves
    it dooms the test's transaction, as it dooms a request's."""
    if save is trigger_save:
        values = {"name": "Refused", "event": TriggerOn.LEAD_CREATED, **values}
    with world.active(), pytest.raises(ValidationError) as refused:
        save(tenant=world.tenant, actor=world.admin.user, **values)
    return refused.value.message_dict


def _follow_up(world, trigger, subject: str, **values) -> TriggerStep:
    return _step(
        world,
        trigger,
        action=StepAction.FOLLOW_UP,
        follow_up_kind=values.pop("kind", FollowUpKind.CALL),
        follow_up_subject=subject,
        **values,
    )


def _trigger_data(**overrides) -> dict:
    """A trigger form as the browser sends it: unchecked boxes are left out."""
    data = {
        "name": "Quote sent",
        "is_active": "on",
        "event": TriggerOn.LEAD_CREATED,
        "stage": "",
        "date_field": "",
        "offset_amount": "",
        "offset_unit": "hours",
        "offset_direction": "before",
        "pipeline": "",
        "lead_type": "",
        "brand": "",
        "source": "",
        "min_priority": "",
    }
    data.update(overrides)
    return {key: str(value) for key, value in data.items() if value is not False}


def _step_data(**overrides) -> dict:
    data = {
        "action": StepAction.SEND,
        "delay_amount": "",
        "delay_unit": "days",
        "template": "",
        "channels": [],
        "channel_choice": ChannelChoice.ALL,
        "follow_up_kind": "",
        "follow_up_subject": "",
        "repeat_every_days": "",
        "only_while_in_stage": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not False}


def _stored(world, trigger_pk: int) -> Trigger:
    with world.active():
        return Trigger.objects.get(pk=trigger_pk)


def _steps(world, trigger) -> list[TriggerStep]:
    with world.active():
        return list(TriggerStep.objects.filter(trigger=trigger).order_by("position", "id"))


@pytest.fixture
def config(world):
    """A residential pipeline, a quote template and a trigger with one step of each kind."""
    pipeline = pipeline_for(world.tenant)
    quote_stage = stage_named(pipeline, "Quote sent")
    template = _template(world, "quote-sent", ("email", "sms"), name="Quote sent")
    trigger = _trigger(world, name="Quote sent", event=TriggerOn.STAGE_ENTERED, stage=quote_stage)
    step = _step(world, trigger, action=StepAction.SEND, template=template, channels=["email"])
    _follow_up(world, trigger, "Call about the quote", delay_minutes=7 * 24 * 60)
    return {
        "pipeline": pipeline,
        "stage": quote_stage,
        "template": template,
        "trigger": trigger,
        "step": step,
    }


PAGES = [
    ("automation-settings:triggers", {}),
    ("automation-settings:trigger-create", {}),
    ("automation-settings:trigger-edit", {"trigger_pk": "trigger"}),
    ("automation-settings:trigger-step-create", {"trigger_pk": "trigger"}),
    ("automation-settings:trigger-step-edit", {"step_pk": "step"}),
]

POSTS = [
    ("automation-settings:trigger-create", {}, _trigger_data(name="Hijack")),
    ("automation-settings:trigger-edit", {"trigger_pk": "trigger"}, _trigger_data(name="Hijacked")),
    ("automation-settings:trigger-toggle", {"trigger_pk": "trigger"}, {"active": "0"}),
    ("automation-settings:trigger-step-create", {"trigger_pk": "trigger"}, _step_data()),
    ("automation-settings:trigger-step-edit", {"step_pk": "step"}, _step_data()),
    ("automation-settings:trigger-step-move", {"step_pk": "step"}, {"direction": "down"}),
    ("automation-settings:trigger-step-delete", {"step_pk": "step"}, {}),
    ("automation-settings:trigger-delete", {"trigger_pk": "trigger"}, {}),
]


def _url(config, name, kwargs) -> str:
    return reverse(name, kwargs={key: config[value].pk for key, value in kwargs.items()})


class TestOnlyAdmins:
    @pytest.mark.parametrize(("name", "kwargs"), PAGES)
    def test_admin_opens_every_page(self, client, world, config, name, kwargs):
        sign_in(client, world.admin)

        response = client.get(_url(config, name, kwargs))

        assert response.status_code == 200

    @pytest.mark.parametrize("role", [Role.MANAGER, Role.REP])
    @pytest.mark.parametrize(("name", "kwargs"), PAGES)
    def test_managers_and_reps_get_403(self, client, world, config, role, name, kwargs):
        sign_in(client, world.membership(role))

        response = client.get(_url(config, name, kwargs))

        assert response.status_code == 403

    @pytest.mark.parametrize("role", [Role.MANAGER, Role.REP])
    def test_managers_and_reps_cannot_change_anything(self, client, world, config, role):
        sign_in(client, world.membership(role))

        codes = [
            client.post(_url(config, name, kwargs), data).status_code
            for name, kwargs, data in POSTS
        ]

        assert codes == [403] * len(POSTS)
        trigger = _stored(world, config["trigger"].pk)
        assert (trigger.name, trigger.is_active) == ("Quote sent", True)
        assert _steps(world, trigger)[0].pk == config["step"].pk
        with world.active():
            assert Trigger.objects.count() == 1

    def test_the_settings_menu_marks_triggers(self, client, world):
        sign_in(client, world.admin)

        page = _page(client.get(reverse("automation-settings:triggers")))

        assert 'aria-current="page">Triggers</a>' in page

    @pytest.mark.parametrize(("name", "kwargs"), PAGES[2:])
    def test_another_tenants_pages_are_not_found(self, client, world, other_world, name, kwargs):
        theirs = self._theirs(other_world)
        sign_in(client, world.admin)

        response = client.get(_url(theirs, name, kwargs))

        assert response.status_code == 404

    @pytest.mark.parametrize(("name", "kwargs", "data"), POSTS[1:])
    def test_another_tenants_triggers_cannot_be_changed(
        self, client, world, other_world, name, kwargs, data
    ):
        theirs = self._theirs(other_world)
        sign_in(client, world.admin)

        response = client.post(_url(theirs, name, kwargs), data)

        assert response.status_code == 404
        trigger = _stored(other_world, theirs["trigger"].pk)
        assert (trigger.name, trigger.is_active) == ("Theirs", True)
        assert len(_steps(other_world, trigger)) == 2

    @staticmethod
    def _theirs(other_world) -> dict:
        template = _template(other_world, "theirs", ("email",))
        trigger = _trigger(other_world, name="Theirs")
        step = _step(other_world, trigger, action="send", template=template, channels=["email"])
        _follow_up(other_world, trigger, "Call them")
        return {"trigger": trigger, "step": step}


# --- Triggers -----------------------------------------------------------------------------------


class TestCreateTriggers:
    def test_a_stage_trigger(self, client, world, config):
        sign_in(client, world.admin)
        stage = stage_named(config["pipeline"], "Completed")

        response = client.post(
            reverse("automation-settings:trigger-create"),
            _trigger_data(name="Job done", event=TriggerOn.STAGE_ENTERED, stage=stage.pk),
        )

        with world.active():
            trigger = Trigger.objects.get(name="Job done")
        assert response["Location"] == reverse(
            "automation-settings:trigger-edit", kwargs={"trigger_pk": trigger.pk}
        )
        assert (trigger.event, trigger.stage_id, trigger.is_active) == (
            TriggerOn.STAGE_ENTERED,
            stage.pk,
            True,
        )

    @pytest.mark.parametrize("event", [TriggerOn.LEAD_CREATED, TriggerOn.LEAD_LOST])
    def test_lead_created_and_lost_keep_no_stage_or_offset(self, client, world, config, event):
        sign_in(client, world.admin)

        client.post(
            reverse("automation-settings:trigger-create"),
            _trigger_data(
                name="Lead event",
                event=event,
                stage=config["stage"].pk,
                date_field=TriggerDateField.WON_AT,
                offset_amount="3",
            ),
        )

        with world.active():
            trigger = Trigger.objects.get(name="Lead event")
        assert (trigger.event, trigger.stage, trigger.date_field, trigger.offset_minutes) == (
            event,
            None,
            "",
            0,
        )

    def test_a_time_trigger_before_a_date(self, client, world):
        sign_in(client, world.admin)

        client.post(
            reverse("automation-settings:trigger-create"),
            _trigger_data(
                name="Reminder",
                event=TriggerOn.DATE_REACHED,
                date_field=TriggerDateField.APPOINTMENT_AT,
                offset_amount="48",
                offset_unit="hours",
                offset_direction="before",
            ),
        )

        with world.active():
            trigger = Trigger.objects.get(name="Reminder")
        assert (trigger.date_field, trigger.offset_minutes) == ("appointment_at", -48 * 60)

    def test_a_time_trigger_after_a_date(self, client, world):
        sign_in(client, world.admin)

        client.post(
            reverse("automation-settings:trigger-create"),
            _trigger_data(
                name="A year on",
                event=TriggerOn.DATE_REACHED,
                date_field=TriggerDateField.WON_AT,
                offset_amount="365",
                offset_unit="days",
                offset_direction="after",
            ),
        )

        with world.active():
            assert Trigger.objects.get(name="A year on").offset_minutes == 365 * 24 * 60

    def test_a_no_response_trigger(self, client, world):
        sign_in(client, world.admin)

        client.post(
            reverse("automation-settings:trigger-create"),
            _trigger_data(
                name="Quiet",
                event=TriggerOn.NO_RESPONSE,
                offset_amount="72",
                offset_unit="hours",
                offset_direction="before",
            ),
        )

        with world.active():
            trigger = Trigger.objects.get(name="Quiet")
        assert (trigger.event, trigger.offset_minutes) == (TriggerOn.NO_RESPONSE, 72 * 60)

    def test_conditions_are_stored(self, client, world, config):
        source = factories.LeadSourceFactory(tenant=world.tenant, name="Google Ads")
        sign_in(client, world.admin)

        client.post(
            reverse("automation-settings:trigger-create"),
            _trigger_data(
                name="Picky",
                event=TriggerOn.STAGE_ENTERED,
                stage=config["stage"].pk,
                pipeline=config["pipeline"].pk,
                lead_type="commercial",
                brand=world.brand.pk,
                source=source.pk,
                min_priority="20",
            ),
        )

        with world.active():
            trigger = trigger_get(
                tenant=world.tenant, trigger_id=Trigger.objects.get(name="Picky").pk
            )
        assert (trigger.pipeline, trigger.lead_type, trigger.brand, trigger.source) == (
            config["pipeline"],
            "commercial",
            world.brand,
            source,
        )
        assert trigger.min_priority == 20

    def test_edit_shows_the_offset_as_entered_and_saves(self, client, world):
        trigger = _trigger(
            world,
            name="Reminder",
            event=TriggerOn.DATE_REACHED,
            date_field=TriggerDateField.APPOINTMENT_AT,
            offset_minutes=-48 * 60,
        )
        url = reverse("automation-settings:trigger-edit", kwargs={"trigger_pk": trigger.pk})
        sign_in(client, world.admin)

        page = _page(client.get(url))
        response = client.post(
            url,
            _trigger_data(
                name="Reminder, earlier",
                is_active=False,
                event=TriggerOn.DATE_REACHED,
                date_field=TriggerDateField.APPOINTMENT_AT,
                offset_amount="3",
                offset_unit="days",
                offset_direction="before",
            ),
        )

        assert 'name="offset_amount" value="48"' in page
        assert '<option value="hours" selected>' in page
        assert '<option value="before" selected>' in page
        assert response["Location"] == reverse("automation-settings:triggers")
        stored = _stored(world, trigger.pk)
        assert (stored.name, stored.is_active, stored.offset_minutes) == (
            "Reminder, earlier",
            False,
            -3 * 24 * 60,
        )


class TestTriggerRules:
    def _post(self, client, world, **data):
        sign_in(client, world.admin)
        return client.post(reverse("automation-settings:trigger-create"), _trigger_data(**data))

    def _nothing_saved(self, world):
        with world.active():
            return not Trigger.objects.exists()

    def test_a_stage_trigger_needs_a_stage(self, client, world):
        response = self._post(client, world, event=TriggerOn.STAGE_ENTERED, stage="")

        assert "Pick the stage a lead enters." in _errors(response)
        assert self._nothing_saved(world)

    def test_a_time_trigger_needs_a_date(self, client, world):
        response = self._post(client, world, event=TriggerOn.DATE_REACHED, offset_amount="2")

        assert "Pick the date on the lead to count from." in _errors(response)
        assert self._nothing_saved(world)

    @pytest.mark.parametrize("amount", ["", "0"])
    def test_no_response_needs_a_time(self, client, world, amount):
        response = self._post(client, world, event=TriggerOn.NO_RESPONSE, offset_amount=amount)

        assert "Say how long without a reply: more than zero." in _errors(response)
        assert self._nothing_saved(world)

    def test_the_stage_must_be_in_the_chosen_pipeline(self, client, world, config):
        other = pipeline_for(world.tenant, name="Gutters")

        response = self._post(
            client,
            world,
            event=TriggerOn.STAGE_ENTERED,
            stage=config["stage"].pk,
            pipeline=other.pk,
        )

        assert any("is a stage of another pipeline" in error for error in _errors(response))
        with world.active():
            assert not Trigger.objects.filter(pipeline=other).exists()

    def test_names_are_unique(self, client, world, config):
        response = self._post(client, world, name="quote SENT")

        assert "There is already a trigger called “quote SENT”." in _errors(response)

    def test_another_tenants_stage_is_not_offered_nor_accepted(self, client, world, other_world):
        theirs = stage_named(pipeline_for(other_world.tenant), "Quote sent")
        sign_in(client, world.admin)

        form_page = _page(client.get(reverse("automation-settings:trigger-create")))
        response = self._post(client, world, event=TriggerOn.STAGE_ENTERED, stage=theirs.pk)

        assert f'<option value="{theirs.pk}">' not in form_page
        assert response.status_code == 200
        assert any("Select a valid choice" in error for error in _errors(response))
        assert self._nothing_saved(world)

    @pytest.mark.parametrize("field", ["pipeline", "brand", "source"])
    def test_another_tenants_conditions_are_not_accepted(self, client, world, other_world, field):
        theirs = {
            "pipeline": pipeline_for(other_world.tenant),
            "brand": other_world.brand,
            "source": factories.LeadSourceFactory(tenant=other_world.tenant),
        }[field]

        response = self._post(client, world, **{field: theirs.pk})

        assert any("Select a valid choice" in error for error in _errors(response))
        assert self._nothing_saved(world)

    def test_the_service_refuses_another_tenants_rows(self, world, other_world):
        their_pipeline = pipeline_for(other_world.tenant)
        their_stage = stage_named(their_pipeline, "Quote sent")

        their_source = factories.LeadSourceFactory(tenant=other_world.tenant)

        refused = _refusal(
            world,
            trigger_save,
            event=TriggerOn.STAGE_ENTERED,
            stage=their_stage,
            brand=other_world.brand,
            source=their_source,
        )

        assert refused == {
            "stage": ["Pick one of this team's stages."],
            "brand": ["Pick one of this team's brands."],
            "source": ["Pick one of this team's lead sources."],
        }
        assert _refusal(world, trigger_save, pipeline=their_pipeline) == {
            "pipeline": ["Pick one of this team's pipelines."]
        }


class TestFieldsFollowTheEvent:
    @pytest.mark.parametrize(
        ("event", "shown", "hidden"),
        [
            (
                TriggerOn.STAGE_ENTERED,
                ['name="stage"'],
                ['name="date_field"', 'name="offset_amount"'],
            ),
            (
                TriggerOn.DATE_REACHED,
                ['name="date_field"', 'name="offset_amount"', 'name="offset_direction"'],
                ['name="stage"'],
            ),
            (
                TriggerOn.NO_RESPONSE,
                ['name="offset_amount"', 'name="offset_unit"'],
                ['name="stage"', 'name="date_field"', 'name="offset_direction"'],
            ),
            (
                TriggerOn.LEAD_LOST,
                [],
                ['name="stage"', 'name="date_field"', 'name="offset_amount"'],
            ),
        ],
    )
    def test_htmx_redraws_only_the_fields_of_the_event(
        self, client, world, config, event, shown, hidden
    ):
        sign_in(client, world.admin)

        response = client.post(
            reverse("automation-settings:trigger-create"),
            _trigger_data(event=event, refresh="1", name=""),
            **HX,
        )

        page = _page(response)
        assert page.lstrip().startswith('<div id="trigger-fields"')
        assert all(marker in page for marker in shown)
        assert not any(marker in page for marker in hidden)
        assert _errors(response) == []
        with world.active():
            assert Trigger.objects.count() == 1

    def test_without_htmx_the_page_is_redrawn_with_what_was_typed(self, client, world):
        sign_in(client, world.admin)

        response = client.post(
            reverse("automation-settings:trigger-create"),
            _trigger_data(event=TriggerOn.NO_RESPONSE, refresh="1", name="Half typed"),
        )

        page = _page(response)
        assert 'value="Half typed"' in page
        assert 'name="offset_unit"' in page
        assert _errors(response) == []

    def test_the_step_form_redraws_the_fields_of_its_action(self, client, world, config):
        sign_in(client, world.admin)
        url = reverse(
            "automation-settings:trigger-step-create", kwargs={"trigger_pk": config["trigger"].pk}
        )

        follow_up = _page(client.post(url, _step_data(action="follow_up", refresh="1"), **HX))
        send = _page(client.post(url, _step_data(action="send", refresh="1"), **HX))

        assert 'name="follow_up_subject"' in follow_up and 'name="template"' not in follow_up
        assert 'name="template"' in send and 'name="follow_up_subject"' not in send


class TestToggleAndDelete:
    def test_switch_off_and_on_with_htmx(self, client, world, config):
        sign_in(client, world.admin)
        url = reverse(
            "automation-settings:trigger-toggle", kwargs={"trigger_pk": config["trigger"].pk}
        )

        off = client.post(url, {"active": "0"}, **HX)
        stored_off = _stored(world, config["trigger"].pk).is_active
        again = client.post(url, {"active": "0"}, **HX)
        on = client.post(url, {"active": "1"}, **HX)

        assert stored_off is False
        assert (
            _page(off)
            .lstrip()
            .startswith(f'<article class="card trigger is-off" id="trigger-{config["trigger"].pk}"')
        )
        assert "Switch on" in _page(off) and "Switch on" in _page(again)
        assert "Switch off" in _page(on)
        assert _stored(world, config["trigger"].pk).is_active is True

    def test_switch_off_without_htmx(self, client, world, config):
        sign_in(client, world.admin)

        response = client.post(
            reverse(
                "automation-settings:trigger-toggle", kwargs={"trigger_pk": config["trigger"].pk}
            ),
            {"active": "0"},
        )

        assert response["Location"] == reverse("automation-settings:triggers")
        assert _stored(world, config["trigger"].pk).is_active is False
        assert "Trigger Quote sent switched off." in _page(client.get(response["Location"]))

    def test_delete_a_trigger_with_its_steps(self, client, world, config):
        sign_in(client, world.admin)

        response = client.post(
            reverse(
                "automation-settings:trigger-delete", kwargs={"trigger_pk": config["trigger"].pk}
            )
        )

        assert response["Location"] == reverse("automation-settings:triggers")
        with world.active():
            assert not Trigger.objects.exists()
            assert not TriggerStep.objects.exists()
            assert MessageTemplate.objects.filter(pk=config["template"].pk).exists()


# --- Steps --------------------------------------------------------------------------------------


class TestSteps:
    def _url(self, config) -> str:
        return reverse(
            "automation-settings:trigger-step-create", kwargs={"trigger_pk": config["trigger"].pk}
        )

    def test_add_a_message_step_last(self, client, world, config):
        follow_up_template = _template(world, "quote-follow-up", ("email",), name="Quote follow-up")
        sign_in(client, world.admin)

        response = client.post(
            self._url(config),
            _step_data(
                template=follow_up_template.pk,
                channels=["email"],
                delay_amount="3",
                delay_unit="days",
            ),
        )

        assert response["Location"] == reverse(
            "automation-settings:trigger-edit", kwargs={"trigger_pk": config["trigger"].pk}
        )
        added = _steps(world, config["trigger"])[-1]
        assert (added.position, added.template_id, added.channels, added.delay_minutes) == (
            2,
            follow_up_template.pk,
            ["email"],
            3 * 24 * 60,
        )

    def test_add_a_repeating_follow_up(self, client, world, config):
        sign_in(client, world.admin)

        client.post(
            self._url(config),
            _step_data(
                action="follow_up",
                follow_up_kind="call",
                follow_up_subject="Check in",
                repeat_every_days="7",
                delay_amount="7",
                template=config["template"].pk,
                channels=["sms"],
            ),
        )

        added = _steps(world, config["trigger"])[-1]
        assert (added.follow_up_kind, added.follow_up_subject, added.repeat_every_days) == (
            "call",
            "Check in",
            7,
        )
        assert (added.template_id, added.channels, added.delay_minutes) == (None, [], 7 * 24 * 60)

    def test_a_message_needs_a_template_and_a_channel(self, client, world, config):
        sign_in(client, world.admin)

        response = client.post(self._url(config), _step_data())

        errors = _errors(response)
        assert "Pick the template to send." in errors
        assert "Tick at least one channel." in errors
        assert len(_steps(world, config["trigger"])) == 2

    def test_a_template_without_a_channels_wording_is_refused(self, client, world, config):
        sign_in(client, world.admin)

        response = client.post(
            self._url(config),
            _step_data(template=config["template"].pk, channels=["email", "sms", "whatsapp"]),
        )

        assert _errors(response) == [
            "“Quote sent” has no WhatsApp version yet: write it on the template's page, "
            "or untick that channel."
        ]
        assert len(_steps(world, config["trigger"])) == 2

    def test_the_refusal_names_every_missing_channel(self, world, config):
        email_only = _template(world, "email-only", ("email",), name="Email only")

        refused = _refusal(
            world,
            trigger_step_save,
            trigger=config["trigger"],
            action="send",
            template=email_only,
            channels=["sms", "email", "whatsapp"],
        )

        assert refused["channels"] == [
            "“Email only” has no SMS and WhatsApp version yet: write it on the template's page, "
            "or untick them."
        ]

    def test_a_follow_up_needs_a_kind_and_a_subject(self, client, world, config):
        sign_in(client, world.admin)

        response = client.post(self._url(config), _step_data(action="follow_up"))

        errors = _errors(response)
        assert "Pick the kind of follow-up." in errors
        assert "Say what the owner should follow up on." in errors

    def test_only_follow_ups_repeat(self, client, world, config):
        sign_in(client, world.admin)

        response = client.post(
            self._url(config),
            _step_data(template=config["template"].pk, channels=["email"], repeat_every_days="7"),
        )

        assert "Only follow-ups repeat: a message goes once." in _errors(response)

    def test_archived_and_foreign_templates_are_refused(self, world, other_world, config):
        archived = _template(world, "old", ("email",), name="Old", archived=True)
        theirs = _template(other_world, "theirs", ("email",), name="Theirs")

        step = {"trigger": config["trigger"], "action": "send", "channels": ["email"]}

        archived_refused = _refusal(world, trigger_step_save, template=archived, **step)
        foreign_refused = _refusal(world, trigger_step_save, template=theirs, **step)

        assert archived_refused == {"template": ["“Old” is archived: pick a template in use."]}
        assert foreign_refused == {"template": ["Pick one of this team's templates."]}

    def test_the_form_offers_only_live_templates_with_their_channels(self, client, world, config):
        _template(world, "old", ("email",), name="Old", archived=True)
        _template(world, "x", ("whatsapp",), name="WhatsApp only")
        sign_in(client, world.admin)

        page = _page(client.get(self._url(config)))

        assert "Quote sent (Email, SMS)" in page
        assert "WhatsApp only (WhatsApp)" in page
        assert ">Old (" not in page

    def test_edit_a_step(self, client, world, config):
        sign_in(client, world.admin)
        url = reverse(
            "automation-settings:trigger-step-edit", kwargs={"step_pk": config["step"].pk}
        )

        page = _page(client.get(url))
        client.post(
            url,
            _step_data(
                template=config["template"].pk,
                channels=["email", "sms"],
                channel_choice="preferred",
                delay_amount="2",
                delay_unit="hours",
                only_while_in_stage=False,
            ),
        )

        assert "<h1>Step 1</h1>" in page
        step = _steps(world, config["trigger"])[0]
        assert (step.channels, step.channel_choice, step.delay_minutes) == (
            ["email", "sms"],
            "preferred",
            120,
        )
        assert step.only_while_in_stage is False

    def test_move_a_step(self, client, world, config):
        third = _follow_up(world, config["trigger"], "Last")
        sign_in(client, world.admin)

        response = client.post(
            reverse("automation-settings:trigger-step-move", kwargs={"step_pk": third.pk}),
            {"direction": "up"},
        )
        client.post(
            reverse("automation-settings:trigger-step-move", kwargs={"step_pk": third.pk}),
            {"direction": "up"},
        )
        client.post(
            reverse("automation-settings:trigger-step-move", kwargs={"step_pk": third.pk}),
            {"direction": "up"},
        )

        assert response["Location"] == reverse(
            "automation-settings:trigger-edit", kwargs={"trigger_pk": config["trigger"].pk}
        )
        steps = _steps(world, config["trigger"])
        assert [step.follow_up_subject or "message" for step in steps] == [
            "Last",
            "message",
            "Call about the quote",
        ]
        assert [step.position for step in steps] == [0, 1, 2]

    def test_delete_a_step_closes_the_gap(self, client, world, config):
        _follow_up(world, config["trigger"], "Last")
        sign_in(client, world.admin)

        client.post(
            reverse(
                "automation-settings:trigger-step-delete", kwargs={"step_pk": config["step"].pk}
            )
        )

        steps = _steps(world, config["trigger"])
        assert [step.follow_up_subject for step in steps] == ["Call about the quote", "Last"]
        assert [step.position for step in steps] == [0, 1]


# --- The list and its summaries -----------------------------------------------------------------


def _add_triggers(world, config, count: int) -> None:
    for number in range(count):
        stage = stage_named(config["pipeline"], "Completed")
        trigger = _trigger(
            world,
            name=f"Extra {number}",
            event=TriggerOn.STAGE_ENTERED,
            stage=stage,
            brand=world.brand,
            source=factories.LeadSourceFactory(tenant=world.tenant),
        )
        _step(world, trigger, action="send", template=config["template"], channels=["sms"])
        _follow_up(world, trigger, "Check", delay_minutes=60)


class TestList:
    def test_grouped_by_event_with_summaries(self, client, world, config):
        _trigger(
            world,
            name="Reminder",
            event=TriggerOn.DATE_REACHED,
            date_field=TriggerDateField.APPOINTMENT_AT,
            offset_minutes=-48 * 60,
        )
        sign_in(client, world.admin)

        page = _page(client.get(reverse("automation-settings:triggers")))

        assert page.index("A lead enters a stage</h2>") < page.index(
            "A time relative to a date on the lead</h2>"
        )
        assert (
            "When a lead enters Quote sent (Residential roofing) · Quote sent by email now → "
            "Call follow-up after 7 days"
        ) in page
        assert "48 hours before the appointment · no steps yet" in page
        assert "Every lead" in page

    def test_the_query_count_does_not_grow_with_the_triggers(self, client, world, config):
        sign_in(client, world.admin)
        url = reverse("automation-settings:triggers")
        few = queries_for(client, url)

        _add_triggers(world, config, 6)
        many = queries_for(client, url)

        assert many == few

    def test_the_edit_page_query_count_does_not_grow_with_the_steps(self, client, world, config):
        sign_in(client, world.admin)
        url = reverse(
            "automation-settings:trigger-edit", kwargs={"trigger_pk": config["trigger"].pk}
        )
        few = queries_for(client, url)

        for number in range(5):
            _follow_up(world, config["trigger"], f"Again {number}")
        many = queries_for(client, url)

        assert many == few


class TestSummaries:
    def test_the_issues_quote_example(self, world, config):
        follow_up = _template(world, "quote-follow-up", ("email",), name="Quote follow-up")
        trigger = _trigger(
            world, name="Quote chase", event=TriggerOn.STAGE_ENTERED, stage=config["stage"]
        )
        _step(world, trigger, action="send", template=config["template"],
              channels=["email", "sms"], channel_choice="all")  # fmt: skip
        _step(world, trigger, action="send", template=follow_up, channels=["email"],
              delay_minutes=3 * 24 * 60)  # fmt: skip
        _follow_up(world, trigger, "Call about the quote", delay_minutes=7 * 24 * 60)

        with world.active():
            summary = trigger_summary(trigger_get(tenant=world.tenant, trigger_id=trigger.pk))

        assert summary == (
            "When a lead enters Quote sent (Residential roofing) · Quote sent by email + SMS now"
            " → Quote follow-up by email after 3 days → Call follow-up after 7 days"
        )

    @pytest.mark.parametrize(
        ("values", "expected"),
        [
            ({"event": "lead_created"}, "When a new lead arrives"),
            ({"event": "lead_lost"}, "When a lead is lost"),
            (
                {"event": "date_reached", "date_field": "appointment_at", "offset_minutes": -120},
                "2 hours before the appointment",
            ),
            (
                {"event": "date_reached", "date_field": "won_at", "offset_minutes": 365 * 1440},
                "365 days after the lead was won",
            ),
            (
                {"event": "date_reached", "date_field": "appointment_at", "offset_minutes": 0},
                "At the time of the appointment",
            ),
            ({"event": "no_response", "offset_minutes": 2880}, "After 48 hours without a reply"),
            (
                {"event": "no_response", "offset_minutes": 14 * 1440},
                "After 14 days without a reply",
            ),
            ({"event": "no_response", "offset_minutes": 90}, "After 90 minutes without a reply"),
        ],
    )
    def test_events_in_words(self, world, values, expected):
        trigger = _trigger(world, **values)

        with world.active():
            assert trigger_summary(trigger) == f"{expected} · no steps yet"

    def test_preferred_channel_and_repeats_in_words(self, world, config):
        trigger = _trigger(world, name="On hold")
        _step(world, trigger, action="send", template=config["template"], channels=["email", "sms"],
              channel_choice="preferred")  # fmt: skip
        _follow_up(world, trigger, "Check in", delay_minutes=7 * 1440, repeat_every_days=7)

        with world.active():
            summary = trigger_summary(trigger_get(tenant=world.tenant, trigger_id=trigger.pk))

        assert summary == (
            "When a new lead arrives · Quote sent by email or SMS (whichever they prefer) now"
            " → Call follow-up after 7 days, then every 7 days"
        )


# --- Demo ---------------------------------------------------------------------------------------

DEMO_KEYS = [
    "new-lead-ack",
    "quote-sent",
    "quote-follow-up",
    "appointment-confirmation",
    "appointment-reminder",
    "job-completed",
    "satisfaction-survey",
    "review-request",
    "on-hold",
    "sorry-to-see-you-go",
    "annual-check-up",
    "biweekly-update",
]


class TestDemoTriggers:
    def _templates(self, world, keys=DEMO_KEYS, channels=("email", "sms", "whatsapp")) -> dict:
        return {key: _template(world, key, channels) for key in keys}

    def _seed(self, world, templates) -> list[Trigger]:
        with world.active():
            return seed_triggers(tenant=world.tenant, templates=templates)

    def test_seeding_twice_adds_nothing(self, world):
        pipeline_for(world.tenant)
        templates = self._templates(world)

        first = self._seed(world, templates)
        second = self._seed(world, templates)

        with world.active():
            assert Trigger.objects.count() == len(first) == len(second) == 13
            assert TriggerStep.objects.count() == 18
        assert {t.pk for t in first} == {t.pk for t in second}

    def test_the_issues_examples_on_the_demo_pipeline(self, world):
        pipeline = pipeline_for(world.tenant)
        self._seed(world, self._templates(world))

        with world.active():
            quote = Trigger.objects.get(stage=stage_named(pipeline, "Quote sent"))
            quote_steps = list(quote.steps.order_by("position"))
            reminders = Trigger.objects.filter(event="date_reached").order_by("offset_minutes")
            silences = Trigger.objects.filter(event="no_response").order_by("offset_minutes")
            done = Trigger.objects.get(stage=stage_named(pipeline, "Completed"))
            visit = Trigger.objects.get(stage=stage_named(pipeline, "Inspection scheduled"))
            lost = Trigger.objects.get(event="lead_lost").steps.get()
            welcome = Trigger.objects.get(event="lead_created").steps.get()
            reminder_channels = [r.steps.get().channels for r in reminders]
            silence_steps = [s.steps.get() for s in silences]
            done_delays = list(done.steps.values_list("delay_minutes", "only_while_in_stage"))
            visit_steps = visit.steps.count()

        assert [(s.action, s.channels, s.delay_minutes) for s in quote_steps] == [
            ("send", ["email", "sms"], 0),
            ("send", ["email"], 3 * 1440),
            ("follow_up", [], 7 * 1440),
        ]
        assert [r.offset_minutes for r in reminders] == [-48 * 60, -24 * 60, -2 * 60]
        assert reminder_channels == [["email"], ["sms"], ["whatsapp"]]
        assert [s.offset_minutes for s in silences] == [48 * 60, 72 * 60, 14 * 1440]
        assert [(s.action, s.follow_up_kind or s.channels[0]) for s in silence_steps] == [
            ("send", "sms"),
            ("follow_up", "call"),
            ("follow_up", "escalation"),
        ]
        assert done_delays == [(0, True), (7 * 1440, False), (365 * 1440, False)]
        assert visit_steps == 1
        assert (lost.delay_minutes, lost.channels) == (60, ["email"])
        assert (welcome.channels, welcome.channel_choice) == (
            ["email", "sms", "whatsapp"],
            "preferred",
        )

    def test_missing_templates_and_channels_are_left_out(self, world):
        pipeline_for(world.tenant)
        templates = self._templates(world, ["new-lead-ack", "quote-sent"], ("email",))

        seeded = self._seed(world, templates)

        with world.active():
            names = sorted(trigger.name for trigger in seeded)
            welcome = Trigger.objects.get(event="lead_created").steps.get()
            quote_steps = list(
                Trigger.objects.get(name__startswith="Quote sent").steps.order_by("position")
            )
        assert names == [
            # Follow-ups only: it needs no template.
            "Job paid: thank-you call and review request · Residential roofing",
            "New lead: thank them",
            "No reply for 14 days: escalate",
            "No reply for 72 hours: call them",
            "Quote sent: send and follow up · Residential roofing",
        ]
        assert welcome.channels == ["email"]
        assert [(s.action, s.channels) for s in quote_steps] == [
            ("send", ["email"]),
            ("follow_up", []),
        ]
