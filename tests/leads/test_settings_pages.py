"""/settings/ lead configuration: pipelines, stages, lead sources, assignment rules, speed to lead,
and time off on the team member page. Admins only."""

import datetime as dt
import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from crm.models import WEEKDAYS, Role, TimelineEvent, TimeOff
from crm.tenancy import tenant_context
from leads.models import (
    AssignmentRule,
    LeadEvent,
    LeadSettings,
    LeadSource,
    Pipeline,
    Stage,
    StageVisit,
)
from leads.pipeline_templates import COMMERCIAL_ROOFING, EV_CHARGER_INSTALL, INSURANCE_CLAIM
from leads.selectors import details
from leads.services.configuration import assignment_rule_save
from leads.services.stages import lead_mark_lost, lead_move_to_next_stage, lead_move_to_stage
from tests import factories
from tests.conftest import queries_for, sign_in
from tests.factories import lead_for, pipeline_for, stage_named

pytestmark = pytest.mark.django_db


def _page(response) -> str:
    return response.content.decode()


def _errors(response) -> list[str]:
    page = _page(response)
    field_errors = re.findall(r'<small class="error">([^<]*)</small>', page)
    form_errors = re.findall(r'<div class="flash flash-error" role="alert">([^<]*)</div>', page)
    return [html.unescape(error).strip() for error in field_errors + form_errors]


def _flashes(client) -> str:
    """The messages waiting for the next page, as that page shows them."""
    return html.unescape(_page(client.get(reverse("settings:profile"))))


def _ordered_names(pipeline) -> list[str]:
    with tenant_context(pipeline.tenant):
        stages = Stage.objects.filter(pipeline=pipeline).order_by("position", "id")
        return list(stages.values_list("name", flat=True))


def _positions(model, tenant, **filters) -> list[int]:
    with tenant_context(tenant):
        rows = model.objects.filter(tenant=tenant, **filters).order_by("position", "id")
        return list(rows.values_list("position", flat=True))


def _rule(world, *, members=(), **values) -> AssignmentRule:
    with world.active():
        return assignment_rule_save(
            tenant=world.tenant, actor=world.admin.user, members=list(members), **values
        )


ALL_DAY_EVERY_DAY = {day: [["00:00", "23:59"]] for day in WEEKDAYS}


def _stage_data(stage=None, **overrides) -> dict:
    """A stage form as the browser sends it: unchecked boxes are left out."""
    data = {
        "name": "Site visit",
        "customer_label": "",
        "phase": "sales",
        "delay_unit": "business_days",
        "orange_after": "2",
        "red_after": "4",
        "is_won": False,
        "is_lost": False,
        "is_terminal": False,
        "show_in_portal": True,
        "moves_on": "",
    }
    if stage is not None:
        for field in data:
            value = getattr(stage, field)
            data[field] = "" if value is None else value
    data.update(overrides)
    cleaned = {}
    for field, value in data.items():
        if value is True:
            cleaned[field] = "on"
        elif value is not False:
            cleaned[field] = str(value)
    return cleaned


def _rule_data(**overrides) -> dict:
    data = {
        "name": "Commercial jobs",
        "is_active": "on",
        "pipeline": "",
        "lead_type": "",
        "source": "",
        "require_availability": "on",
        "require_capacity": "on",
        "require_expertise": "on",
        "require_territory": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not False}


def _post_move(client, name: str, direction: str, **kwargs):
    return client.post(reverse(f"lead-settings:{name}", kwargs=kwargs), {"direction": direction})


@pytest.fixture
def config(world):
    """The world's lead configuration: a pipeline from a template, a source and a rule."""
    pipeline = pipeline_for(world.tenant)
    return {
        "pipeline": pipeline,
        "stage": stage_named(pipeline, "Contacted"),
        "source": factories.LeadSourceFactory(tenant=world.tenant, name="Google Ads"),
        "rule": _rule(world, name="Everyone"),
    }


PAGES = [
    ("lead-settings:pipelines", {}),
    ("lead-settings:pipeline-create", {}),
    ("lead-settings:pipeline", {"pipeline_pk": "pipeline"}),
    ("lead-settings:pipeline-edit", {"pipeline_pk": "pipeline"}),
    ("lead-settings:stage-create", {"pipeline_pk": "pipeline"}),
    ("lead-settings:stage-edit", {"stage_pk": "stage"}),
    ("lead-settings:sources", {}),
    ("lead-settings:source-create", {}),
    ("lead-settings:source-edit", {"source_pk": "source"}),
    ("lead-settings:assignment", {}),
    ("lead-settings:rule-create", {}),
    ("lead-settings:rule-edit", {"rule_pk": "rule"}),
    ("lead-settings:rule-next", {"rule_pk": "rule"}),
    ("lead-settings:speed-to-lead", {}),
]

POSTS = [
    ("lead-settings:pipeline-move", {"pipeline_pk": "pipeline"}, {"direction": "down"}),
    ("lead-settings:stage-move", {"stage_pk": "stage"}, {"direction": "down"}),
    ("lead-settings:stage-archive", {"stage_pk": "stage"}, {}),
    ("lead-settings:stage-restore", {"stage_pk": "stage"}, {}),
    ("lead-settings:stage-delete", {"stage_pk": "stage"}, {}),
    ("lead-settings:rule-move", {"rule_pk": "rule"}, {"direction": "down"}),
    ("lead-settings:rule-delete", {"rule_pk": "rule"}, {}),
    ("lead-settings:stage-edit", {"stage_pk": "stage"}, _stage_data(name="Hijacked")),
    ("lead-settings:speed-to-lead", {}, {"untouched_owner_alert_minutes": "1"}),
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
        with world.active():
            stage = Stage.objects.get(pk=config["stage"].pk)
            assert (stage.name, stage.position, stage.is_archived) == ("Contacted", 1, False)
            assert AssignmentRule.objects.filter(pk=config["rule"].pk).exists()
            assert not LeadSettings.objects.exists()

    def test_the_settings_menu_links_every_lead_page(self, client, world):
        sign_in(client, world.admin)

        page = _page(client.get(reverse("lead-settings:pipelines")))

        for name in ("pipelines", "sources", "assignment", "speed-to-lead"):
            assert f'href="{reverse(f"lead-settings:{name}")}"' in page
        assert 'aria-current="page">Pipelines</a>' in page

    @pytest.mark.parametrize(
        ("name", "kwarg", "key"),
        [
            ("lead-settings:pipeline", "pipeline_pk", "pipeline"),
            ("lead-settings:pipeline-edit", "pipeline_pk", "pipeline"),
            ("lead-settings:stage-create", "pipeline_pk", "pipeline"),
            ("lead-settings:stage-edit", "stage_pk", "stage"),
            ("lead-settings:source-edit", "source_pk", "source"),
            ("lead-settings:rule-edit", "rule_pk", "rule"),
            ("lead-settings:rule-next", "rule_pk", "rule"),
        ],
    )
    def test_another_tenants_objects_are_not_found(
        self, client, world, other_world, name, kwarg, key
    ):
        theirs = {
            "pipeline": pipeline_for(other_world.tenant),
            "source": factories.LeadSourceFactory(tenant=other_world.tenant),
            "rule": _rule(other_world, name="Theirs"),
        }
        theirs["stage"] = stage_named(theirs["pipeline"], "Contacted")
        sign_in(client, world.admin)

        response = client.get(reverse(name, kwargs={kwarg: theirs[key].pk}))

        assert response.status_code == 404

    def test_another_tenants_stage_cannot_be_moved_archived_or_deleted(
        self, client, world, other_world
    ):
        theirs = stage_named(pipeline_for(other_world.tenant), "Contacted")
        sign_in(client, world.admin)

        codes = [
            client.post(
                reverse(f"lead-settings:stage-{action}", kwargs={"stage_pk": theirs.pk})
            ).status_code
            for action in ("move", "archive", "restore", "delete")
        ]

        assert codes == [404] * 4
        with other_world.active():
            assert Stage.objects.get(pk=theirs.pk).is_archived is False


# --- Pipelines ----------------------------------------------------------------------------------


class TestPipelines:
    def test_the_list_shows_stage_and_open_lead_counts(self, client, world, config):
        pipeline = config["pipeline"]
        lead_for(world, pipeline, owner=world.rep)
        lead_for(world, pipeline, owner=world.rep)
        lost = lead_for(world, pipeline, owner=world.rep)
        with world.active():
            lead_mark_lost(tenant=world.tenant, actor=None, lead=lost, reason="price", note="")
        pipeline_for(world.tenant, COMMERCIAL_ROOFING)
        sign_in(client, world.admin)

        page = _page(client.get(reverse("lead-settings:pipelines")))

        row = page[page.index("Residential roofing") :]
        row = row[: row.index("</tr>")]
        assert re.findall(r'<td class="num">(\d+)</td>', row) == ["11", "2"]
        assert page.index("Residential roofing") < page.index("Commercial roofing")

    def test_create_from_a_template(self, client, world):
        sign_in(client, world.admin)

        response = client.post(
            reverse("lead-settings:pipeline-create"),
            {"template": INSURANCE_CLAIM.key, "name": "Storm claims"},
        )

        with world.active():
            pipeline = Pipeline.objects.get(name="Storm claims")
            stages = list(pipeline.stages.order_by("position").values_list("name", flat=True))
        assert response["Location"] == reverse(
            "lead-settings:pipeline", kwargs={"pipeline_pk": pipeline.pk}
        )
        assert stages == [spec.name for spec in INSURANCE_CLAIM.stages]
        assert pipeline.lead_type == INSURANCE_CLAIM.lead_type

    def test_a_template_without_a_name_takes_the_templates_name(self, client, world):
        sign_in(client, world.admin)

        client.post(reverse("lead-settings:pipeline-create"), {"template": EV_CHARGER_INSTALL.key})

        with world.active():
            assert Pipeline.objects.filter(name=EV_CHARGER_INSTALL.name).exists()

    def test_create_a_blank_pipeline_after_the_others(self, client, world, config):
        sign_in(client, world.admin)

        response = client.post(
            reverse("lead-settings:pipeline-create"),
            {"template": "", "name": "Gutters", "description": "Small jobs", "lead_type": ""},
        )

        assert response.status_code == 302
        with world.active():
            pipeline = Pipeline.objects.get(name="Gutters")
            assert pipeline.stages.count() == 0
            assert (pipeline.description, pipeline.lead_type) == ("Small jobs", "")
            assert pipeline.position == config["pipeline"].position + 1

    def test_a_blank_pipeline_needs_a_name(self, client, world):
        sign_in(client, world.admin)

        response = client.post(reverse("lead-settings:pipeline-create"), {"template": ""})

        assert response.status_code == 200
        assert "Name the new pipeline." in _errors(response)

    def test_names_are_unique_per_tenant(self, client, world, other_world, config):
        pipeline_for(other_world.tenant, COMMERCIAL_ROOFING)
        sign_in(client, world.admin)

        taken = client.post(
            reverse("lead-settings:pipeline-create"),
            {"template": "", "name": "residential ROOFING"},
        )
        free_here = client.post(
            reverse("lead-settings:pipeline-create"),
            {"template": "", "name": COMMERCIAL_ROOFING.name},
        )

        assert taken.status_code == 200
        assert "There is already a pipeline called “residential ROOFING”." in _errors(taken)
        assert free_here.status_code == 302

    def test_edit_name_description_type_and_archive(self, client, world, config):
        pipeline = config["pipeline"]
        sign_in(client, world.admin)

        response = client.post(
            reverse("lead-settings:pipeline-edit", kwargs={"pipeline_pk": pipeline.pk}),
            {
                "name": "Homeowners",
                "description": "Re-roofs",
                "lead_type": "commercial",
                "is_archived": "on",
            },
        )

        assert response.status_code == 302
        with world.active():
            pipeline.refresh_from_db()
        assert (pipeline.name, pipeline.description) == ("Homeowners", "Re-roofs")
        assert (pipeline.lead_type, pipeline.is_archived) == ("commercial", True)
        page = _page(client.get(reverse("lead-settings:pipelines")))
        assert '<tr class="archived">' in page

        client.post(
            reverse("lead-settings:pipeline-edit", kwargs={"pipeline_pk": pipeline.pk}),
            {"name": "Homeowners", "description": "", "lead_type": ""},
        )
        with world.active():
            pipeline.refresh_from_db()
        assert pipeline.is_archived is False

    def test_renaming_onto_another_pipelines_name_is_an_error(self, client, world, config):
        other = pipeline_for(world.tenant, COMMERCIAL_ROOFING)
        sign_in(client, world.admin)

        response = client.post(
            reverse("lead-settings:pipeline-edit", kwargs={"pipeline_pk": other.pk}),
            {"name": "Residential roofing", "description": "", "lead_type": ""},
        )

        assert response.status_code == 200
        assert "There is already a pipeline called “Residential roofing”." in _errors(response)
        assert "<h1>Edit Commercial roofing</h1>" in _page(response)

    def test_reorder_up_and_down_keeps_positions_dense(self, client, world, config):
        first = config["pipeline"]
        second = pipeline_for(world.tenant, COMMERCIAL_ROOFING)
        third = pipeline_for(world.tenant, EV_CHARGER_INSTALL)
        with world.active():
            Pipeline.objects.filter(pk=third.pk).update(position=40)
        sign_in(client, world.admin)

        _post_move(client, "pipeline-move", "up", pipeline_pk=third.pk)
        with world.active():
            order = list(Pipeline.objects.order_by("position").values_list("pk", flat=True))
        assert order == [first.pk, third.pk, second.pk]
        assert _positions(Pipeline, world.tenant) == [0, 1, 2]

        _post_move(client, "pipeline-move", "down", pipeline_pk=first.pk)
        _post_move(client, "pipeline-move", "up", pipeline_pk=first.pk)
        _post_move(client, "pipeline-move", "up", pipeline_pk=first.pk)
        with world.active():
            order = list(Pipeline.objects.order_by("position").values_list("pk", flat=True))
        assert order == [first.pk, third.pk, second.pk]

    def test_an_unknown_direction_changes_nothing(self, client, world, config):
        second = pipeline_for(world.tenant, COMMERCIAL_ROOFING)
        sign_in(client, world.admin)

        _post_move(client, "pipeline-move", "sideways", pipeline_pk=second.pk)

        assert "Move up or down." in _flashes(client)
        with world.active():
            assert Pipeline.objects.get(pk=second.pk).position == 1


# --- Stages -------------------------------------------------------------------------------------


class TestStages:
    def test_the_pipeline_page_shows_every_stage_in_order(self, client, world, config):
        pipeline = config["pipeline"]
        lead_for(world, pipeline, owner=world.rep)
        sign_in(client, world.admin)

        page = _page(
            client.get(reverse("lead-settings:pipeline", kwargs={"pipeline_pk": pipeline.pk}))
        )

        positions = [page.index(f"<strong>{name}</strong>") for name in _ordered_names(pipeline)]
        assert positions == sorted(positions)
        assert "Customer sees: Request received" in page
        assert "Orange after 1h, red after 4h" in page
        assert "Orange after 3 business days, red after 7 business days" in page
        assert "No time limit" in page
        assert '<span class="badge info">on quote accepted</span>' in page
        assert '<span class="badge ok">won</span>' in page
        assert '<span class="badge danger">lost</span>' in page
        assert '<span class="badge">hidden in portal</span>' in page
        new_lead = stage_named(pipeline, "New lead")
        assert f'href="/leads/?stage={new_lead.pk}&amp;status=all&amp;scope=team">1</a>' in page

    def test_add_a_stage_at_the_end(self, client, world, config):
        pipeline = config["pipeline"]
        sign_in(client, world.admin)

        response = client.post(
            reverse("lead-settings:stage-create", kwargs={"pipeline_pk": pipeline.pk}),
            _stage_data(name="Permit filed", customer_label="Permit requested", phase="production"),
        )

        assert response["Location"] == reverse(
            "lead-settings:pipeline", kwargs={"pipeline_pk": pipeline.pk}
        )
        assert _ordered_names(pipeline)[-1] == "Permit filed"
        with world.active():
            stage = Stage.objects.get(name="Permit filed")
        assert stage.position == len(_ordered_names(pipeline)) - 1
        assert (stage.customer_label, stage.phase) == ("Permit requested", "production")
        assert (stage.orange_after, stage.red_after, stage.delay_unit) == (2, 4, "business_days")

    def test_edit_every_field(self, client, world, config):
        stage = config["stage"]
        sign_in(client, world.admin)

        response = client.post(
            reverse("lead-settings:stage-edit", kwargs={"stage_pk": stage.pk}),
            _stage_data(
                name="First call",
                customer_label="We called",
                phase="after_care",
                delay_unit="hours",
                orange_after="6",
                red_after="6",
                is_won=True,
                is_terminal=True,
                show_in_portal=False,
                moves_on=LeadEvent.CUSTOMER_REPLIED,
            ),
        )

        assert response.status_code == 302
        with world.active():
            stage.refresh_from_db()
        assert (stage.name, stage.customer_label, stage.phase) == (
            "First call",
            "We called",
            "after_care",
        )
        assert (stage.delay_unit, stage.orange_after, stage.red_after) == ("hours", 6, 6)
        assert (stage.is_won, stage.is_lost, stage.is_terminal) == (True, False, True)
        assert stage.show_in_portal is False
        assert stage.moves_on == LeadEvent.CUSTOMER_REPLIED

    def test_empty_delays_mean_never(self, client, world, config):
        stage = config["stage"]
        sign_in(client, world.admin)

        client.post(
            reverse("lead-settings:stage-edit", kwargs={"stage_pk": stage.pk}),
            _stage_data(stage, orange_after="", red_after=""),
        )

        with world.active():
            stage.refresh_from_db()
        assert (stage.orange_after, stage.red_after) == (None, None)

    @pytest.mark.parametrize(
        ("changes", "error"),
        [
            (
                {"orange_after": "5", "red_after": "3"},
                "Red comes after orange: give at least the orange delay.",
            ),
            ({"is_won": True, "is_lost": True}, "A stage cannot be both won and lost."),
            (
                {"moves_on": LeadEvent.QUOTE_SENT},
                "“Quote sent” already moves leads on “quote sent”.",
            ),
            ({"is_lost": True}, "“Lost” is already this pipeline's lost stage."),
        ],
    )
    def test_invalid_settings_are_refused_with_a_reason(
        self, client, world, config, changes, error
    ):
        stage = config["stage"]
        sign_in(client, world.admin)

        response = client.post(
            reverse("lead-settings:stage-edit", kwargs={"stage_pk": stage.pk}),
            _stage_data(stage, name="Renamed", **changes),
        )

        assert response.status_code == 200
        assert _errors(response) == [error]
        assert "<h1>Contacted</h1>" in _page(response)
        with world.active():
            assert Stage.objects.get(pk=stage.pk).name == "Contacted"

    def test_a_new_stage_cannot_take_an_event_already_taken(self, client, world, config):
        pipeline = config["pipeline"]
        sign_in(client, world.admin)

        response = client.post(
            reverse("lead-settings:stage-create", kwargs={"pipeline_pk": pipeline.pk}),
            _stage_data(moves_on=LeadEvent.PAID_IN_FULL),
        )

        assert response.status_code == 200
        assert _errors(response) == [
            "“Paid” already moves leads on “paid in full, work completed”."
        ]
        with world.active():
            assert not Stage.objects.filter(name="Site visit").exists()

    def test_an_archived_stage_frees_its_event(self, client, world, config):
        pipeline = config["pipeline"]
        quote_sent = stage_named(pipeline, "Quote sent")
        sign_in(client, world.admin)
        client.post(reverse("lead-settings:stage-archive", kwargs={"stage_pk": quote_sent.pk}))

        created = client.post(
            reverse("lead-settings:stage-create", kwargs={"pipeline_pk": pipeline.pk}),
            _stage_data(name="Proposal sent", moves_on=LeadEvent.QUOTE_SENT),
        )
        restored = client.post(
            reverse("lead-settings:stage-restore", kwargs={"stage_pk": quote_sent.pk})
        )

        assert created.status_code == 302
        assert restored.status_code == 302
        assert "“Proposal sent” already moves leads on “quote sent”." in _flashes(client)
        with world.active():
            assert Stage.objects.get(pk=quote_sent.pk).is_archived is True

    def test_reorder_swaps_neighbours_and_keeps_positions_dense(self, client, world, config):
        pipeline = config["pipeline"]
        contacted = config["stage"]
        with world.active():
            Stage.objects.filter(pk=contacted.pk).update(position=25)  # a gap from old data
        sign_in(client, world.admin)
        names = _ordered_names(pipeline)

        _post_move(client, "stage-move", "up", stage_pk=contacted.pk)

        moved = _ordered_names(pipeline)
        index = names.index("Contacted")
        assert moved[index - 1 : index + 1] == ["Contacted", names[index - 1]]
        assert _positions(Stage, world.tenant, pipeline=pipeline) == list(range(len(names)))

        _post_move(client, "stage-move", "down", stage_pk=contacted.pk)
        _post_move(client, "stage-move", "up", stage_pk=stage_named(pipeline, "New lead").pk)
        assert _ordered_names(pipeline) == names

    def test_the_last_stage_does_not_move_down(self, client, world, config):
        pipeline = config["pipeline"]
        names = _ordered_names(pipeline)
        sign_in(client, world.admin)

        _post_move(client, "stage-move", "down", stage_pk=stage_named(pipeline, names[-1]).pk)

        assert _ordered_names(pipeline) == names

    def test_archive_and_restore(self, client, world, config):
        stage = config["stage"]
        sign_in(client, world.admin)

        client.post(reverse("lead-settings:stage-archive", kwargs={"stage_pk": stage.pk}))
        with world.active():
            stage.refresh_from_db()
        assert stage.is_archived is True
        assert "Stage Contacted archived." in _flashes(client)

        client.post(reverse("lead-settings:stage-restore", kwargs={"stage_pk": stage.pk}))
        with world.active():
            stage.refresh_from_db()
        assert stage.is_archived is False

    def test_archiving_a_stage_with_leads_warns_and_links_to_them(self, client, world, config):
        pipeline = config["pipeline"]
        new_lead = stage_named(pipeline, "New lead")
        lead_for(world, pipeline, owner=world.rep)
        lead_for(world, pipeline, owner=world.rep)
        sign_in(client, world.admin)

        client.post(reverse("lead-settings:stage-archive", kwargs={"stage_pk": new_lead.pk}))

        page = _page(
            client.get(reverse("lead-settings:pipeline", kwargs={"pipeline_pk": pipeline.pk}))
        )
        url = f"/leads/?stage={new_lead.pk}&amp;status=all&amp;scope=team"
        assert f'2 leads still sit in it: <a href="{url}">see them</a>' in page
        assert f'<a class="badge warning" href="{url}">2 leads still here</a>' in page

    def test_a_stage_no_lead_has_been_in_can_be_deleted(self, client, world, config):
        pipeline = config["pipeline"]
        stage = config["stage"]
        sign_in(client, world.admin)
        page = _page(
            client.get(reverse("lead-settings:pipeline", kwargs={"pipeline_pk": pipeline.pk}))
        )
        assert reverse("lead-settings:stage-delete", kwargs={"stage_pk": stage.pk}) in page

        client.post(reverse("lead-settings:stage-delete", kwargs={"stage_pk": stage.pk}))

        assert "Contacted" not in _ordered_names(pipeline)
        assert _positions(Stage, world.tenant, pipeline=pipeline) == list(
            range(len(_ordered_names(pipeline)))
        )

    def test_a_stage_a_lead_has_visited_can_only_be_archived(self, client, world, config):
        pipeline = config["pipeline"]
        stage = config["stage"]
        lead = lead_for(world, pipeline, owner=world.rep)
        with world.active():
            lead_move_to_stage(tenant=world.tenant, actor=None, lead=lead, stage=stage)
            lead_move_to_next_stage(tenant=world.tenant, actor=None, lead=lead)
        sign_in(client, world.admin)
        delete_url = reverse("lead-settings:stage-delete", kwargs={"stage_pk": stage.pk})
        page = _page(
            client.get(reverse("lead-settings:pipeline", kwargs={"pipeline_pk": pipeline.pk}))
        )
        assert delete_url not in page

        response = client.post(delete_url)

        assert response.status_code == 302
        assert "Leads have been in “Contacted”, so it keeps their history" in _flashes(client)
        assert "Contacted" in _ordered_names(pipeline)

    def test_a_stage_a_lead_sits_in_cannot_be_deleted(self, client, world, config):
        pipeline = config["pipeline"]
        new_lead = stage_named(pipeline, "New lead")
        lead_for(world, pipeline, owner=world.rep)
        sign_in(client, world.admin)

        client.post(reverse("lead-settings:stage-delete", kwargs={"stage_pk": new_lead.pk}))

        assert "New lead" in _ordered_names(pipeline)

    def test_a_leads_history_survives_rename_reorder_and_archive(self, client, world, config):
        pipeline = config["pipeline"]
        contacted = config["stage"]
        inspection = stage_named(pipeline, "Inspection scheduled")
        lead = lead_for(world, pipeline, owner=world.rep)
        with world.active():
            for stage in (contacted, inspection):
                lead_move_to_stage(
                    tenant=world.tenant, actor=world.rep.user, lead=lead, stage=stage
                )
            visits_before = list(
                StageVisit.objects.filter(lead=lead)
                .order_by("entered_at", "id")
                .values_list("pk", "stage_id", "entered_at", "left_at", "entered_by_id")
            )
            timeline_before = list(
                TimelineEvent.objects.filter(lead_id=lead.pk)
                .order_by("pk")
                .values_list("pk", "kind", "summary", "occurred_at")
            )
        sign_in(client, world.admin)

        client.post(
            reverse("lead-settings:stage-edit", kwargs={"stage_pk": contacted.pk}),
            _stage_data(contacted, name="First call made"),
        )
        _post_move(client, "stage-move", "down", stage_pk=contacted.pk)
        _post_move(client, "stage-move", "down", stage_pk=contacted.pk)
        client.post(reverse("lead-settings:stage-archive", kwargs={"stage_pk": contacted.pk}))

        with world.active():
            contacted.refresh_from_db()
            assert (contacted.name, contacted.is_archived) == ("First call made", True)
            assert _ordered_names(pipeline)[:4] == [
                "New lead",
                "Inspection scheduled",
                "Quote sent",
                "First call made",
            ]
            visits_after = list(
                StageVisit.objects.filter(lead=lead)
                .order_by("entered_at", "id")
                .values_list("pk", "stage_id", "entered_at", "left_at", "entered_by_id")
            )
            timeline_after = list(
                TimelineEvent.objects.filter(lead_id=lead.pk)
                .order_by("pk")
                .values_list("pk", "kind", "summary", "occurred_at")
            )
            detail = details.lead_detail(tenant=world.tenant, lead_id=lead.pk)
        assert visits_after == visits_before
        assert timeline_after == timeline_before
        assert [visit.stage.name for visit in detail.visits] == [
            "New lead",
            "First call made",
            "Inspection scheduled",
        ]
        assert detail.row.lead.stage_id == inspection.pk
        assert "Moved to Contacted from New lead" in [event.summary for event in detail.timeline]

    def test_a_stage_rename_shows_in_the_audit_trail(self, client, world, config):
        stage = config["stage"]
        sign_in(client, world.admin)

        client.post(
            reverse("lead-settings:stage-edit", kwargs={"stage_pk": stage.pk}),
            _stage_data(stage, name="First call made"),
        )

        page = _page(client.get(reverse("settings:audit")))
        assert re.search(r"Stage First call made of [^<]+ changed", page)
        assert re.search(
            r"<strong>Name</strong>: <span[^>]*>Contacted</span> → <span[^>]*>First call made<",
            page,
        )


# --- Lead sources -------------------------------------------------------------------------------


class TestLeadSources:
    def test_the_list_shows_cost_points_and_lead_count(self, client, world, config):
        source = config["source"]
        with world.active():
            LeadSource.objects.filter(pk=source.pk).update(
                default_cost=Decimal("42.50"), priority_points=5
            )
        lead_for(world, config["pipeline"], owner=world.rep, source=source)
        sign_in(client, world.admin)

        page = _page(client.get(reverse("lead-settings:sources")))

        row = page[page.index("Google Ads") :]
        row = row[: row.index("</tr>")]
        assert re.findall(r'<td class="num">([^<]+)</td>', row) == ["$42.50", "+5", "1"]

    def test_create_edit_and_archive(self, client, world):
        sign_in(client, world.admin)

        response = client.post(
            reverse("lead-settings:source-create"),
            {"name": "Angi", "default_cost": "35", "priority_points": "-3"},
        )

        assert response["Location"] == reverse("lead-settings:sources")
        with world.active():
            source = LeadSource.objects.get(name="Angi")
        assert (source.default_cost, source.priority_points) == (Decimal("35"), -3)

        client.post(
            reverse("lead-settings:source-edit", kwargs={"source_pk": source.pk}),
            {
                "name": "Angi Leads",
                "default_cost": "40",
                "priority_points": "0",
                "is_archived": "on",
            },
        )
        with world.active():
            source.refresh_from_db()
        assert (source.name, source.default_cost, source.is_archived) == (
            "Angi Leads",
            Decimal("40"),
            True,
        )

    def test_names_are_unique_per_tenant(self, client, world, other_world, config):
        factories.LeadSourceFactory(tenant=other_world.tenant, name="Referral")
        sign_in(client, world.admin)

        taken = client.post(
            reverse("lead-settings:source-create"),
            {"name": "google ads", "default_cost": "1", "priority_points": "0"},
        )
        free_here = client.post(
            reverse("lead-settings:source-create"),
            {"name": "Referral", "default_cost": "0", "priority_points": "0"},
        )

        assert taken.status_code == 200
        assert _errors(taken) == ["There is already a lead source called “google ads”."]
        assert free_here.status_code == 302

    def test_negative_cost_is_refused(self, client, world):
        sign_in(client, world.admin)

        response = client.post(
            reverse("lead-settings:source-create"),
            {"name": "Odd", "default_cost": "-1", "priority_points": "0"},
        )

        assert response.status_code == 200
        with world.active():
            assert not LeadSource.objects.filter(name="Odd").exists()


# --- Assignment rules ---------------------------------------------------------------------------


class TestAssignmentRules:
    def test_create_a_rule_with_its_matches_and_members(self, client, world, config):
        second_rep = factories.MembershipFactory(tenant=world.tenant, role=Role.REP)
        sign_in(client, world.admin)

        response = client.post(
            reverse("lead-settings:rule-create"),
            _rule_data(
                pipeline=config["pipeline"].pk,
                lead_type="commercial",
                source=config["source"].pk,
                members=[world.rep.pk, second_rep.pk],
                require_territory=False,
            ),
        )

        assert response["Location"] == reverse("lead-settings:assignment")
        with world.active():
            rule = AssignmentRule.objects.get(name="Commercial jobs")
            assert set(rule.members.all()) == {world.rep, second_rep}
        assert (rule.pipeline_id, rule.source_id) == (config["pipeline"].pk, config["source"].pk)
        assert (rule.lead_type, rule.require_territory, rule.require_capacity) == (
            "commercial",
            False,
            True,
        )
        assert rule.position == config["rule"].position + 1

    def test_the_member_choices_are_this_teams_active_members(self, client, world, other_world):
        factories.MembershipFactory(tenant=world.tenant, role=Role.REP, is_active=False)
        sign_in(client, world.admin)

        page = _page(client.get(reverse("lead-settings:rule-create")))

        offered = set(re.findall(r'name="members" value="(\d+)"', page))
        assert offered == {str(m.pk) for m in (world.admin, world.manager, world.rep)}
        assert world.rep.user.full_name in page

    @pytest.mark.parametrize("field", ["pipeline", "source", "members"])
    def test_another_tenants_choices_are_refused(self, client, world, other_world, field):
        theirs = {
            "pipeline": pipeline_for(other_world.tenant).pk,
            "source": factories.LeadSourceFactory(tenant=other_world.tenant).pk,
            "members": [other_world.rep.pk],
        }
        sign_in(client, world.admin)

        response = client.post(
            reverse("lead-settings:rule-create"), _rule_data(**{field: theirs[field]})
        )

        assert response.status_code == 200
        assert any(error.startswith("Select a valid choice") for error in _errors(response))
        with world.active():
            assert not AssignmentRule.objects.filter(name="Commercial jobs").exists()

    def test_edit_a_rule(self, client, world, config):
        rule = config["rule"]
        sign_in(client, world.admin)

        client.post(
            reverse("lead-settings:rule-edit", kwargs={"rule_pk": rule.pk}),
            _rule_data(name="Residential only", is_active=False, lead_type="residential"),
        )

        with world.active():
            rule.refresh_from_db()
        assert (rule.name, rule.is_active, rule.lead_type) == (
            "Residential only",
            False,
            "residential",
        )

    def test_reorder_and_delete(self, client, world, config):
        first = config["rule"]
        _rule(world, name="Second")
        third = _rule(world, name="Third")
        sign_in(client, world.admin)

        _post_move(client, "rule-move", "up", rule_pk=third.pk)
        with world.active():
            order = list(AssignmentRule.objects.values_list("name", flat=True))
        assert order == ["Everyone", "Third", "Second"]

        client.post(reverse("lead-settings:rule-delete", kwargs={"rule_pk": first.pk}))
        with world.active():
            assert list(AssignmentRule.objects.values_list("name", flat=True)) == [
                "Third",
                "Second",
            ]
        assert "Assignment rule Everyone deleted." in _flashes(client)

    def test_the_page_explains_and_lists_rules_in_order(self, client, world, config):
        _rule(world, name="Storm season", members=[world.rep])
        sign_in(client, world.admin)

        page = _page(client.get(reverse("lead-settings:assignment")))

        assert "the first active rule that matches" in page
        assert "round robin" in page
        assert "waits in the managers' queue" in page
        assert "every active rep is eligible and every check applies" in page
        assert page.index("Everyone") < page.index("Storm season")
        assert reverse("lead-settings:rule-next", kwargs={"rule_pk": config["rule"].pk}) in page

    def test_who_gets_the_next_lead(self, client, world, config):
        relaxed = {
            "require_availability": False,
            "require_capacity": False,
            "require_expertise": False,
            "require_territory": False,
        }
        open_rule = _rule(world, name="Anyone", members=[world.manager], **relaxed)
        nobody = _rule(
            world, name="Commercial experts", lead_type="commercial", members=[world.rep]
        )
        with world.active():
            world.rep.expertise = "residential"
            world.rep.save(update_fields=["expertise"])
        sign_in(client, world.admin)

        anyone = _page(
            client.get(reverse("lead-settings:rule-next", kwargs={"rule_pk": open_rule.pk}))
        )
        experts = _page(
            client.get(reverse("lead-settings:rule-edit", kwargs={"rule_pk": nobody.pk}))
        )

        assert f"<strong>{world.manager.user}</strong>" in anyone
        assert "nobody right now" in experts
        assert "The next commercial lead" in experts

    def test_the_sample_lead_has_no_address_so_territories_are_not_checked(self, client, world):
        rule = _rule(world, name="Tampa", members=[world.rep], require_availability=False)
        with world.active():
            world.rep.territories = ["Tampa"]
            world.rep.save(update_fields=["territories"])
        sign_in(client, world.admin)

        page = _page(client.get(reverse("lead-settings:rule-next", kwargs={"rule_pk": rule.pk})))

        assert f"<strong>{world.rep.user}</strong>" in page
        assert "Territories are checked against each lead's address." in page

    def test_with_no_rules_the_page_shows_the_next_rep(self, client, world):
        with world.active():
            world.rep.weekly_availability = ALL_DAY_EVERY_DAY
            world.rep.save(update_fields=["weekly_availability"])
        sign_in(client, world.admin)

        page = _page(client.get(reverse("lead-settings:assignment")))

        assert "No rules yet" in page
        assert f"<strong>{world.rep.user}</strong>" in page

    def test_the_next_lead_skips_a_member_on_time_off(self, client, world, config):
        relaxed = {"require_capacity": False, "require_expertise": False}
        relaxed["require_territory"] = False
        rule = _rule(world, name="Rep only", members=[world.rep], **relaxed)
        with world.active():
            world.rep.weekly_availability = ALL_DAY_EVERY_DAY
            world.rep.save(update_fields=["weekly_availability"])
        sign_in(client, world.admin)
        url = reverse("lead-settings:rule-next", kwargs={"rule_pk": rule.pk})
        assert f"<strong>{world.rep.user}</strong>" in _page(client.get(url))

        today = world.tenant.today()
        client.post(
            reverse("settings:time-off-add", kwargs={"membership_pk": world.rep.pk}),
            {
                "starts_on": str(today - dt.timedelta(days=1)),
                "ends_on": str(today + dt.timedelta(days=1)),
            },
        )

        assert "nobody right now" in _page(client.get(url))


# --- Speed to lead ------------------------------------------------------------------------------


class TestSpeedToLead:
    def test_the_first_save_creates_the_settings(self, client, world):
        sign_in(client, world.admin)
        page = _page(client.get(reverse("lead-settings:speed-to-lead")))
        assert 'value="15"' in page and 'value="60"' in page

        response = client.post(
            reverse("lead-settings:speed-to-lead"),
            {"untouched_owner_alert_minutes": "5", "untouched_manager_alert_minutes": "20"},
        )
        client.post(
            reverse("lead-settings:speed-to-lead"),
            {"untouched_owner_alert_minutes": "10", "untouched_manager_alert_minutes": "10"},
        )

        assert response["Location"] == reverse("lead-settings:speed-to-lead")
        with world.active():
            row = LeadSettings.objects.get()
        assert (row.untouched_owner_alert_minutes, row.untouched_manager_alert_minutes) == (10, 10)

    def test_managers_are_not_alerted_before_the_owner(self, client, world):
        sign_in(client, world.admin)

        response = client.post(
            reverse("lead-settings:speed-to-lead"),
            {"untouched_owner_alert_minutes": "30", "untouched_manager_alert_minutes": "20"},
        )

        assert response.status_code == 200
        assert _errors(response) == ["Alert the managers no sooner than the owner."]
        with world.active():
            assert not LeadSettings.objects.exists()

    def test_each_tenant_has_its_own_settings(self, client, world, other_world):
        sign_in(client, world.admin)

        client.post(
            reverse("lead-settings:speed-to-lead"),
            {"untouched_owner_alert_minutes": "5", "untouched_manager_alert_minutes": "20"},
        )

        with other_world.active():
            assert not LeadSettings.objects.exists()


# --- Time off -----------------------------------------------------------------------------------


class TestTimeOff:
    def _add(self, client, membership, starts_on, ends_on, note=""):
        return client.post(
            reverse("settings:time-off-add", kwargs={"membership_pk": membership.pk}),
            {"starts_on": str(starts_on), "ends_on": str(ends_on), "note": note},
        )

    def test_add_and_list_time_off(self, client, world):
        today = world.tenant.today()
        sign_in(client, world.admin)

        response = self._add(
            client, world.rep, today + dt.timedelta(days=3), today + dt.timedelta(days=7), "Trip"
        )

        assert response["Location"] == reverse(
            "settings:member-edit", kwargs={"membership_pk": world.rep.pk}
        )
        with world.active():
            period = TimeOff.objects.get(membership=world.rep)
        assert (period.starts_on, period.ends_on, period.note) == (
            today + dt.timedelta(days=3),
            today + dt.timedelta(days=7),
            "Trip",
        )
        page = _page(client.get(response["Location"]))
        assert "Trip" in page
        assert reverse("settings:time-off-delete", kwargs={"time_off_pk": period.pk}) in page

    def test_the_last_day_cannot_be_before_the_first(self, client, world):
        today = world.tenant.today()
        sign_in(client, world.admin)

        response = self._add(client, world.rep, today, today - dt.timedelta(days=1))

        assert response.status_code == 400
        assert _errors(response) == ["The last day off cannot be before the first."]
        with world.active():
            assert not TimeOff.objects.exists()

    def test_remove_time_off(self, client, world):
        today = world.tenant.today()
        sign_in(client, world.admin)
        self._add(client, world.rep, today, today)
        with world.active():
            period = TimeOff.objects.get()

        response = client.post(
            reverse("settings:time-off-delete", kwargs={"time_off_pk": period.pk})
        )

        assert response.status_code == 302
        with world.active():
            assert not TimeOff.objects.exists()

    def test_past_time_off_is_not_listed(self, client, world):
        today = world.tenant.today()
        sign_in(client, world.admin)
        self._add(
            client, world.rep, today - dt.timedelta(days=9), today - dt.timedelta(days=8), "Old"
        )

        page = _page(
            client.get(reverse("settings:member-edit", kwargs={"membership_pk": world.rep.pk}))
        )

        assert "No time off planned." in page

    @pytest.mark.parametrize("role", [Role.MANAGER, Role.REP])
    def test_only_admins_manage_time_off(self, client, world, role):
        today = world.tenant.today()
        sign_in(client, world.admin)
        self._add(client, world.rep, today, today)
        with world.active():
            period = TimeOff.objects.get()
        sign_in(client, world.membership(role))

        added = self._add(client, world.rep, today, today)
        removed = client.post(
            reverse("settings:time-off-delete", kwargs={"time_off_pk": period.pk})
        )

        assert (added.status_code, removed.status_code) == (403, 403)
        with world.active():
            assert TimeOff.objects.count() == 1

    def test_another_tenants_member_and_time_off_are_not_found(self, client, world, other_world):
        today = world.tenant.today()
        sign_in(client, other_world.admin)
        self._add(client, other_world.rep, today, today)
        with other_world.active():
            theirs = TimeOff.objects.get()
        sign_in(client, world.admin)

        added = self._add(client, other_world.rep, today, today)
        removed = client.post(
            reverse("settings:time-off-delete", kwargs={"time_off_pk": theirs.pk})
        )

        assert (added.status_code, removed.status_code) == (404, 404)
        with other_world.active():
            assert TimeOff.objects.count() == 1


# --- Query counts -------------------------------------------------------------------------------


class TestQueryCounts:
    def test_the_pipelines_list_does_not_grow_with_pipelines_or_leads(self, client, world):
        pipeline = pipeline_for(world.tenant)
        lead_for(world, pipeline, owner=world.rep)
        sign_in(client, world.admin)
        url = reverse("lead-settings:pipelines")
        small = queries_for(client, url)

        for template in (COMMERCIAL_ROOFING, INSURANCE_CLAIM, EV_CHARGER_INSTALL):
            more = pipeline_for(world.tenant, template)
            lead_for(world, more, owner=world.rep)
            lead_for(world, more, owner=world.rep)

        assert queries_for(client, url) == small

    def test_the_pipeline_page_does_not_grow_with_stages_or_leads(self, client, world):
        pipeline = pipeline_for(world.tenant)
        sign_in(client, world.admin)
        url = reverse("lead-settings:pipeline", kwargs={"pipeline_pk": pipeline.pk})
        small = queries_for(client, url)

        for _ in range(3):
            lead = lead_for(world, pipeline, owner=world.rep)
            with world.active():
                lead_move_to_next_stage(tenant=world.tenant, actor=None, lead=lead)
        for number in range(3):
            client.post(
                reverse("lead-settings:stage-create", kwargs={"pipeline_pk": pipeline.pk}),
                _stage_data(name=f"Extra {number}"),
            )

        assert queries_for(client, url) == small

    def test_the_assignment_and_sources_pages_do_not_grow_with_rules_or_sources(
        self, client, world
    ):
        _rule(world, name="First", members=[world.rep])
        factories.LeadSourceFactory(tenant=world.tenant)
        sign_in(client, world.admin)
        rules_url, sources_url = (
            reverse("lead-settings:assignment"),
            reverse("lead-settings:sources"),
        )
        small = (queries_for(client, rules_url), queries_for(client, sources_url))

        for number in range(3):
            _rule(world, name=f"Rule {number}", members=[world.rep, world.manager])
            factories.LeadSourceFactory(tenant=world.tenant)

        assert (queries_for(client, rules_url), queries_for(client, sources_url)) == small


class TestCustomerLabelsPerLanguage:
    def test_an_admin_gives_the_customer_label_in_each_language_beside_the_stage(
        self, client, world, config
    ):
        stage = stage_named(config["pipeline"], "Quote sent")
        sign_in(client, world.admin)

        response = client.post(
            reverse("lead-settings:stage-edit", kwargs={"stage_pk": stage.pk}),
            _stage_data(
                stage,
                customer_label="Quote ready",
                customer_label_es=" Cotización lista ",
                customer_label_nl="",
            ),
        )

        assert response.status_code == 302
        with world.active():
            stage.refresh_from_db()
        assert (stage.customer_label, stage.customer_labels) == (
            "Quote ready",
            {"es": "Cotización lista"},
        )
        page = _page(client.get(response["Location"]))
        assert "Customer sees: Quote ready" in page
        assert 'ES: <span lang="es">Cotización lista</span>' in page

    def test_the_teams_language_comes_first_and_the_others_beside_it(self, client, world, config):
        world.tenant.language = "nl"
        world.tenant.save(update_fields=["language"])
        stage = stage_named(config["pipeline"], "Quote sent")
        sign_in(client, world.admin)

        response = client.get(reverse("lead-settings:stage-edit", kwargs={"stage_pk": stage.pk}))

        form = response.context["form"]
        assert [field.name for field in form.customer_label_fields] == [
            "customer_label",
            "customer_label_en",
            "customer_label_es",
        ]
        labels = re.findall(
            r'<label for="id_customer_label[a-z_]*">([^<]*)</label>', _page(response)
        )
        assert labels == ["Nederlands (de taal van het team)", "Engels", "Spaans"]
        assert form["customer_label_es"].value() == "Presupuesto listo"
