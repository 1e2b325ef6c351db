"""The lead list's rows, built in Python (shell/lead_rows.py), are the markup the template that drew
them produced: the old row template (fixtures/old_lead_rows.html, copied as it was) and the new
code render the same rows and are compared, CSRF tokens and insignificant whitespace aside."""

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.template import RequestContext, engines
from django.urls import reverse
from django.utils import timezone

from crm.models import Role
from leads.models import Lead, LeadStatus, LeadType, Location
from leads.services.stages import lead_mark_lost, lead_move_to_next_stage
from tests import factories
from tests.conftest import sign_in
from tests.factories import lead_for, pipeline_for

pytestmark = pytest.mark.django_db

OLD_ROWS = (Path(__file__).parent / "fixtures" / "old_lead_rows.html").read_text()


def normalized(html: str) -> str:
    """Whitespace runs as one space (the inline-block buttons and badges are spaced by them, so
    where there is whitespace counts); CSRF tokens blanked (Django masks the token afresh at
    each use)."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken"', html)
    return re.sub(r"\s+", " ", html).strip()


def _leads(world):
    pipeline = pipeline_for(world.tenant)
    other_rep = factories.MembershipFactory(tenant=world.tenant, role=Role.REP)
    with world.active():
        contact = factories.ContactFactory(
            tenant=world.tenant, first_name='Ann <b>"&', last_name="O'Neil"
        )
    plain = lead_for(world, pipeline, owner=world.rep, title='Tile & "slate" <roof>')
    moved = lead_for(
        world,
        pipeline,
        owner=other_rep,
        contact=contact,
        place=None,
        estimated_value=Decimal("18500.50"),
        lead_type=LeadType.COMMERCIAL,
    )
    unassigned = lead_for(world, pipeline, owner=None)
    lost = lead_for(world, pipeline, owner=world.rep)
    with world.active():
        lead_move_to_next_stage(tenant=world.tenant, actor=None, lead=moved)
        Lead.objects.filter(pk=moved.pk).update(
            location=Location.OUT_OF_STATE,
            next_follow_up_at=timezone.now() + dt.timedelta(days=2),
        )
        lead_mark_lost(tenant=world.tenant, actor=None, lead=lost, reason="price", note="")
    return [plain, moved, unassigned, lost]


def test_the_rows_are_the_markup_the_old_template_drew(client, world):
    leads = _leads(world)
    sign_in(client, world.manager)
    response = client.get(reverse("leads:list"), {"status": "all", "sort": "created"})
    rows = response.context["rows"]
    assert {row.lead.pk for row in rows} == {lead.pk for lead in leads}
    assert {row.lead.status for row in rows} >= {LeadStatus.OPEN, LeadStatus.LOST}
    request = response.wsgi_request
    back_url = response.context["back_url"]
    from shell.lead_rows import RowRenderer

    neglected = {leads[1].pk}
    context = {
        "rows": rows,
        "neglected_ids": neglected,
        "back_url": back_url,
        "can_bulk_assign": True,
    }
    old = engines["django"].from_string(OLD_ROWS).render(context, request)
    new = RowRenderer.for_request(request, back_url=back_url, neglected_ids=neglected).rows(rows)
    assert normalized(new) == normalized(old)
    assert "Neglected" in new and "commercial" in new and "out of state" in new
    # The page itself carries the rows the renderer drew.
    page = response.content.decode()
    assert normalized(response.context["rows_html"]) in normalized(page)


def test_a_row_after_an_action_is_the_markup_the_old_template_drew(client, world):
    lead = _leads(world)[0]
    sign_in(client, world.rep)
    response = client.post(
        reverse("leads:next-stage", kwargs={"lead_pk": lead.pk}),
        {"next": "/leads/?q=a&b"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    new = response.content.decode()
    from leads.selectors.lists import lead_row

    with world.active():
        old_row = lead_row(tenant=world.tenant, lead_id=lead.pk)
    context = RequestContext(
        response.wsgi_request,
        {
            "rows": [old_row],
            "neglected_ids": set(),
            "back_url": "/leads/?q=a&b",
            "row_done": "Moved to the next stage.",
        },
    )
    old = engines["django"].engine.from_string(OLD_ROWS).render(context)
    # The bar is read at another instant; only its durations may differ.
    strip_times = re.compile(r"\d+[smhd]\b|\d+ ?(?:min|h|d)\w*")
    assert strip_times.sub("", normalized(new)) == strip_times.sub("", normalized(old))
    assert "Moved to the next stage." in new


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"scope": "unassigned", "status": "all", "sort": "aging", "lead_type": "commercial"},
        {"aging": "red", "priority": "high", "created_from": "2026-01-02", "created_to": "x"},
        {"status": "nonsense", "owner": "999999"},
    ],
)
def test_the_filter_form_fields_are_the_markup_djangos_widgets_draw(world, data):
    from crm.kit.widgets import field_html
    from leads.filters import LeadFilter
    from leads.selectors.lists import lead_queryset

    pipeline_for(world.tenant)
    factories.LeadSourceFactory(tenant=world.tenant, name='Angi & "Co" <x>')
    with world.active():
        lead_filter = LeadFilter(
            {**data, **({"stage": str(pipeline_for(world.tenant).stages.first().pk)})},
            queryset=lead_queryset(tenant=world.tenant),
            tenant=world.tenant,
            membership=world.manager,
        )
        lead_filter.is_valid()
        for field in lead_filter.form:
            assert normalized(field_html(field)) == normalized(str(field)), field.name
            assert re.sub(r"\n\s*", "", field_html(field)) == re.sub(r"\n\s*", "", str(field))


@pytest.mark.parametrize("chosen", ["", "valid", "999999", "abc", "1.5"])
def test_the_prefetched_choice_filters_draw_and_check_as_djangos_model_choice_fields(
    world, other_world, chosen
):
    """Issue 21: owner, pipeline, stage and source take their choices from the page's lists read
    together (crm.kit.together) instead of querying: same options, labels, errors and cleaned
    objects as a ModelChoiceField over the querysets the filter used before; another tenant's
    objects are not offered (row-level security applies to the combined statement too)."""
    from django import forms
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from leads.filters import LeadFilter, stage_label
    from leads.models import Stage
    from leads.selectors import configuration
    from leads.selectors.lists import lead_queryset, list_references

    pipeline_for(world.tenant)
    factories.LeadSourceFactory(tenant=world.tenant, name='Angi & "Co" <x>')
    pipeline_for(other_world.tenant)
    factories.LeadSourceFactory(tenant=other_world.tenant, name="Theirs")
    with world.active():
        stage = Stage.objects.filter(tenant=world.tenant, is_archived=False).first()
        old = {
            "owner": configuration.assignable_members(tenant=world.tenant),
            "pipeline": configuration.pipelines_for_tenant(tenant=world.tenant),
            "stage": Stage.objects.filter(tenant=world.tenant)
            .select_related("pipeline")
            .order_by("is_archived", "pipeline__position", "pipeline_id", "position", "id"),
            "source": configuration.lead_sources_for_tenant(tenant=world.tenant),
        }
        valid = {
            "owner": world.rep.pk,
            "pipeline": stage.pipeline_id,
            "stage": stage.pk,
            "source": old["source"].first().pk,
        }
        references = list_references(tenant=world.tenant, membership=world.manager)
        data = {name: (valid[name] if chosen == "valid" else chosen) for name in old}
        with CaptureQueriesContext(connection) as captured:
            lead_filter = LeadFilter(
                data,
                queryset=lead_queryset(tenant=world.tenant),
                tenant=world.tenant,
                membership=world.manager,
                references=references,
            )
            lead_filter.form.is_valid()
            drawn = {name: str(lead_filter.form[name]) for name in old}
        assert not captured.captured_queries
        for name, queryset in old.items():
            field = lead_filter.form.fields[name]
            django_field = forms.ModelChoiceField(
                queryset=queryset, empty_label=field.empty_label, required=False
            )
            if name == "stage":
                django_field.label_from_instance = stage_label
            form = forms.Form(data)
            form.fields[name] = django_field
            form.is_valid()
            assert normalized(drawn[name]) == normalized(str(form[name])), name
            assert lead_filter.form.errors.get(name) == form.errors.get(name), name
            if name in form.cleaned_data:
                got = lead_filter.form.cleaned_data[name]
                assert (got and got.pk) == (form.cleaned_data[name] and form.cleaned_data[name].pk)
        assert "Theirs" not in drawn["source"]
