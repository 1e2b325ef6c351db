"""The follow-up settings pages: types (admins add, rename, archive their own), follow-up
templates, and the neglect thresholds (the team's and per stage) with the digest hour."""

import pytest
from django.urls import reverse

from followups.models import FollowUpTemplate, FollowUpType, StageNeglect
from followups.selectors.configuration import follow_up_settings_get
from followups.services.followups import follow_up_types_ensure
from tests.conftest import sign_in
from tests.factories import pipeline_for, stage_named

pytestmark = pytest.mark.django_db

PAGES = [
    reverse("followups-settings:follow-up-settings"),
    reverse("followups-settings:types"),
    reverse("followups-settings:templates"),
    reverse("followups-settings:template-create"),
]


@pytest.mark.parametrize("url", PAGES)
def test_only_admins_open_the_pages(client, world, url):
    pipeline_for(world.tenant)
    for member, status in ((world.rep, 403), (world.manager, 403), (world.admin, 200)):
        sign_in(client, member)
        assert client.get(url).status_code == status


def test_the_settings_nav_links_the_pages(client, world):
    sign_in(client, world.admin)
    page = client.get(reverse("followups-settings:types")).content.decode()
    for url in PAGES[:3]:
        assert f'href="{url}"' in page
    assert 'aria-current="page">Follow-up types</a>' in page


def test_an_admin_adds_renames_archives_and_restores_a_type(client, world):
    sign_in(client, world.admin)
    url = reverse("followups-settings:types")
    assert "Phone call" in client.get(url).content.decode()  # the built-ins, made on first read
    response = client.post(url, {"name": "Roof walk"})
    assert response.status_code == 302
    with world.active():
        added = FollowUpType.objects.get(name="Roof walk")
        assert added.key == "roof-walk" and not added.is_builtin
        assert FollowUpType.objects.filter(is_builtin=True).count() == 9
    # Names are unique whatever their case; the page says so.
    response = client.post(url, {"name": "roof WALK"})
    assert response.status_code == 400
    assert "There is already a type with this name." in response.content.decode()
    edit = reverse("followups-settings:type-edit", kwargs={"follow_up_type_pk": added.pk})
    assert client.post(edit, {"name": "Roof inspection walk"}).status_code == 302
    archive = reverse("followups-settings:type-archive", kwargs={"follow_up_type_pk": added.pk})
    assert client.post(archive).status_code == 302
    with world.active():
        added.refresh_from_db()
        assert added.name == "Roof inspection walk" and added.key == "roof-walk"
        assert added.is_archived
    page = client.get(url).content.decode()
    assert "Roof inspection walk" in page and "archived" in page
    restore = reverse("followups-settings:type-restore", kwargs={"follow_up_type_pk": added.pk})
    client.post(restore)
    with world.active():
        added.refresh_from_db()
        assert not added.is_archived


def test_the_last_type_in_use_cannot_be_archived(client, world):
    with world.active():
        types = follow_up_types_ensure(tenant=world.tenant)
        FollowUpType.objects.exclude(pk=types[0].pk).update(is_archived=True)
    sign_in(client, world.admin)
    url = reverse("followups-settings:type-archive", kwargs={"follow_up_type_pk": types[0].pk})
    response = client.post(url, follow=True)
    assert "Keep at least one type in use." in response.content.decode()
    with world.active():
        assert FollowUpType.objects.filter(is_archived=False).count() == 1


def test_an_admin_writes_a_follow_up_template(client, world):
    with world.active():
        meeting = follow_up_types_ensure(tenant=world.tenant)[0]
    sign_in(client, world.admin)
    response = client.post(
        reverse("followups-settings:template-create"),
        {
            "name": "Post-inspection call",
            "type": meeting.pk,
            "subject": "How did the inspection go?",
            "description": "Ask about the photos.",
            "priority": "high",
            "days_after": 2,
            "at_time": "09:30",
            "reminder_offsets": [60, 1440],
        },
    )
    assert response.status_code == 302
    with world.active():
        template = FollowUpTemplate.objects.get(name="Post-inspection call")
    assert template.reminder_offsets == [1440, 60] and str(template.at_time) == "09:30:00"
    assert template.type_id == meeting.pk and template.priority == "high"
    edit = reverse(
        "followups-settings:template-edit", kwargs={"follow_up_template_pk": template.pk}
    )
    page = client.get(edit).content.decode()
    assert 'value="How did the inspection go?"' in page and 'value="09:30"' in page
    response = client.post(
        edit,
        {
            "name": "Post-inspection call",
            "type": meeting.pk,
            "subject": "How did the inspection go?",
            "priority": "medium",
            "days_after": 0,
            "is_archived": "on",
        },
    )
    assert response.status_code == 302
    with world.active():
        template.refresh_from_db()
    assert template.is_archived and template.reminder_offsets == []
    assert "archived" in client.get(reverse("followups-settings:templates")).content.decode()


def test_neglect_thresholds_and_digest_hour_per_team_and_stage(client, world):
    pipeline = pipeline_for(world.tenant)
    contacted = stage_named(pipeline, "Contacted")
    new = stage_named(pipeline, "New lead")
    sign_in(client, world.admin)
    url = reverse("followups-settings:follow-up-settings")
    page = client.get(url).content.decode()
    assert pipeline.name in page and f'name="stage_{contacted.pk}"' in page
    response = client.post(
        url,
        {
            "neglect_after_days": 10,
            "manager_alert_after_days": 2,
            "digest_hour": 6,
            f"stage_{contacted.pk}": 4,
            f"stage_{new.pk}": "",
        },
    )
    assert response.status_code == 302
    with world.active():
        config = follow_up_settings_get(tenant=world.tenant)
        assert (config.neglect_after_days, config.manager_alert_after_days) == (10, 2)
        assert config.digest_hour == 6
        assert dict(StageNeglect.objects.values_list("stage_id", "neglect_after_days")) == {
            contacted.pk: 4
        }
    # Emptying a stage's number gives it back the team's.
    client.post(
        url,
        {"neglect_after_days": 10, "manager_alert_after_days": 2, "digest_hour": 6},
    )
    with world.active():
        assert not StageNeglect.objects.exists()
    response = client.post(
        url,
        {
            "neglect_after_days": 0,
            "manager_alert_after_days": 2,
            "digest_hour": 6,
            f"stage_{contacted.pk}": 900,
        },
    )
    assert response.status_code == 400


def test_another_tenants_types_and_templates_are_404(client, world, other_world):
    with other_world.active():
        theirs = follow_up_types_ensure(tenant=other_world.tenant)[0]
        template = FollowUpTemplate.objects.create(
            tenant=other_world.tenant, name="Theirs", type=theirs, subject="Theirs"
        )
    sign_in(client, world.admin)
    for name, kwargs in (
        ("type-edit", {"follow_up_type_pk": theirs.pk}),
        ("template-edit", {"follow_up_template_pk": template.pk}),
    ):
        assert client.get(reverse(f"followups-settings:{name}", kwargs=kwargs)).status_code == 404
    for name in ("type-archive", "type-restore"):
        url = reverse(f"followups-settings:{name}", kwargs={"follow_up_type_pk": theirs.pk})
        assert client.post(url).status_code == 404
    with other_world.active():
        theirs.refresh_from_db()
        assert not theirs.is_archived


def test_the_built_in_types_are_named_in_the_teams_language(world):
    with world.active():
        world.tenant.language = "nl"
        world.tenant.save(update_fields=["language"])
        names = {t.key: t.name for t in follow_up_types_ensure(tenant=world.tenant)}
    assert (names["call"], names["video"], names["payment"]) == (
        "Telefoon",
        "Videogesprek",
        "Opvolging betaling",
    )
