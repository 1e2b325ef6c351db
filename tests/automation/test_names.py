"""Automation answers to its own names: the URL namespaces `automation` and `automation-settings`
(at the paths its pages always had), templates under templates/automation/, Celery tasks
`automation.tasks.*` in the beat schedule. The tasks' old names (`comms.tasks.*`,
`followups.tasks.sweep_sequences`) still run what was queued under them, until the next release."""

import pytest
from django.conf import settings
from django.urls import NoReverseMatch, reverse

from automation import tasks
from config.celery import app as celery_app
from crm.tenancy.sweeps import sweep_get, sweep_tenant
from tests.conftest import sign_in

RENAMED_SWEEPS = {
    "comms.tasks.sweep_time_triggers": tasks.sweep_time_triggers,
    "comms.tasks.sweep_follow_ups": tasks.sweep_follow_ups,
    "comms.tasks.sweep_customer_updates": tasks.sweep_customer_updates,
    "followups.tasks.sweep_sequences": tasks.sweep_sequences,
}
RENAMED_TASKS = {
    **RENAMED_SWEEPS,
    "comms.tasks.refresh_update_rhythms": tasks.refresh_update_rhythms,
}


@pytest.mark.parametrize(("old", "task"), RENAMED_TASKS.items())
def test_each_task_is_named_in_automation_and_its_old_name_runs_the_same_function(old, task):
    assert task.name == f"automation.tasks.{old.rsplit('.', 1)[1]}"
    alias = celery_app.tasks[old]
    assert alias.run is celery_app.tasks[task.name].run
    assert (alias.soft_time_limit, alias.time_limit) == (task.soft_time_limit, task.time_limit)


@pytest.mark.parametrize(("old", "task"), RENAMED_SWEEPS.items())
def test_a_tenant_task_queued_under_a_sweeps_old_name_finds_the_same_sweep(old, task):
    """Its lock, schedule and limits are the renamed sweep's."""
    assert sweep_get(old) is task.sweep
    assert task.sweep.name == task.name


def test_a_tenant_task_queued_under_an_old_name_still_runs(world):
    old = "followups.tasks.sweep_sequences"
    assert sweep_tenant.apply(args=[old, world.tenant.pk]).get() == 0  # nothing due
    updated = celery_app.tasks["comms.tasks.refresh_update_rhythms"].apply(args=[world.tenant.pk])
    assert updated.get() == tasks.refresh_update_rhythms.apply(args=[world.tenant.pk]).get()


def test_beat_sends_the_new_names_only():
    beat = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {task.name for task in RENAMED_SWEEPS.values()} <= beat
    assert not beat & set(RENAMED_TASKS)


@pytest.mark.parametrize(
    ("name", "kwargs", "path"),
    [
        ("automation:updates", {}, "/updates/"),
        ("automation:lead-messages", {"lead_pk": 7}, "/leads/7/messages/"),
        ("automation:send-update", {"lead_pk": 7}, "/leads/7/send-update/"),
        ("automation:lead-sequences", {"lead_pk": 7}, "/followups/leads/7/sequences/"),
        ("automation:contact-sequences", {"contact_pk": 7}, "/followups/contacts/7/sequences/"),
        (
            "automation:enrolment-stop",
            {"enrolment_pk": 7},
            "/followups/sequence-enrolments/7/stop/",
        ),
        ("automation:sequences-enrol", {}, "/followups/sequences/enrol/"),
        ("automation-settings:triggers", {}, "/settings/triggers/"),
        (
            "automation-settings:trigger-step-move",
            {"step_pk": 7},
            "/settings/trigger-steps/7/move/",
        ),
        ("automation-settings:sequences", {}, "/settings/sequences/"),
        ("automation-settings:enrolments", {"sequence_pk": 7}, "/settings/sequences/7/enrolments/"),
        (
            "automation-settings:enrolment-stop",
            {"enrolment_pk": 7},
            "/settings/sequence-enrolments/7/stop/",
        ),
    ],
)
def test_automations_pages_keep_their_paths_under_its_own_namespaces(name, kwargs, path):
    assert reverse(name, kwargs=kwargs) == path


@pytest.mark.parametrize(
    "old",
    [
        "comms:updates",
        "comms-settings:triggers",
        "followups:lead-sequences",
        "followups-settings:sequences",
    ],
)
def test_messaging_and_followups_namespaces_no_longer_hold_automations_pages(old):
    with pytest.raises(NoReverseMatch):
        reverse(old, kwargs={"lead_pk": 7} if old.endswith("lead-sequences") else {})


@pytest.mark.django_db
def test_automations_pages_render_its_own_templates(client, world):
    sign_in(client, world.admin)
    for url, template in [
        (reverse("automation-settings:triggers"), "automation/settings/triggers/list.html"),
        (reverse("automation-settings:sequences"), "automation/sequences/list.html"),
        (reverse("automation:updates"), "automation/updates/list.html"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert template in [used.name for used in response.templates], url
