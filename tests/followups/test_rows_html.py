"""The follow-up list's rows and the board's cards, built in Python (followups/rows.py), are the
markup the templates that drew them produced: the old templates (fixtures/old_list_rows.html and
fixtures/old_board_cards.html, copied as they were) and the new code render the same follow-ups
in each language and are compared, CSRF tokens and insignificant whitespace aside. The filter and
bulk forms' fields, drawn without a template per option (crm.kit.widgets), are Django's markup."""

import datetime as dt
import re
from pathlib import Path

import pytest
import time_machine
from django.template import engines
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html_join

from crm.kit.formatting import DATE_STYLES
from crm.models import Role
from followups.models import FollowUp, Outcome, Priority, Status
from followups.rows import FollowUpMarkup
from followups.services import followups as services
from tests import factories
from tests.conftest import sign_in
from tests.factories import lead_for
from tests.followups.test_pages import follow_up_for

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
OLD_ROWS = (FIXTURES / "old_list_rows.html").read_text()
OLD_CARDS = (FIXTURES / "old_board_cards.html").read_text()
NOW = dt.datetime(2025, 3, 12, 15, 0, tzinfo=dt.UTC)
LANGUAGES = ["en", "nl", "es"]


def in_readers_order(template: str, language: str) -> str:
    """The old templates wrote every language's dates in English order; the rows write the
    reader's (crm.kit.formatting.DATE_STYLES): the old template with the reader's shapes."""
    for english, style in [
        ("D M j, g:i A", "weekday_month_day_time"),
        ("M j, g:i A", "month_day_time"),
        ("D M j", "weekday_month_day"),
        ("g:i A", "time"),
    ]:
        shape = DATE_STYLES[style].get(language, english)
        for quote in "\"'":
            template = template.replace(f"date:{quote}{english}{quote}", f'date:"{shape}"')
    return template


def normalized(html: str) -> str:
    """Whitespace runs as one space (where there is whitespace counts: the inline-block buttons
    and badges are spaced by it); CSRF tokens blanked (Django masks the token afresh at each
    use)."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken"', html)
    return re.sub(r"\s+", " ", html).strip()


def _follow_ups(world) -> list[FollowUp]:
    """One of each shape a row or card takes: with and without a lead, overdue, started,
    completed with an outcome, missed, cancelled, someone else's, names that need escaping."""
    other_rep = factories.MembershipFactory(tenant=world.tenant, role=Role.REP)
    other_rep.user.full_name = 'Bo "B" <Smith> & Co'
    other_rep.user.save()
    with world.active():
        contact = factories.ContactFactory(
            tenant=world.tenant, first_name='Ann <b>"&', last_name="O'Neil"
        )
    lead = lead_for(world, owner=world.rep)
    hour = dt.timedelta(hours=1)
    made = [
        follow_up_for(world, subject='Tile & "slate" <roof> it\'s', lead=lead, at=NOW + hour),
        follow_up_for(world, subject="Overdue, theirs", assignee=other_rep, at=NOW - hour),
        follow_up_for(world, subject="Started", contact=contact, at=NOW + 2 * hour),
        follow_up_for(world, subject="Done", lead=lead, at=NOW - 3 * hour),
        follow_up_for(world, subject="Missed", assignee=other_rep, at=NOW - 5 * hour),
        follow_up_for(world, subject="Dropped", at=NOW - 4 * hour, priority=Priority.HIGH),
    ]
    with world.active():
        services.follow_up_start(tenant=world.tenant, actor=None, follow_up=made[2])
        services.follow_up_complete(
            tenant=world.tenant,
            actor=None,
            follow_up=made[3],
            outcome=Outcome.NOT_INTERESTED,
            notes="",
        )
        FollowUp.objects.filter(pk=made[4].pk).update(status=Status.MISSED)
        services.follow_up_cancel(tenant=world.tenant, actor=None, follow_up=made[5], reason="")
    return made


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("signed_in", ["rep", "manager"])
def test_the_list_rows_are_the_markup_the_old_template_drew(client, world, signed_in):
    made = _follow_ups(world)
    sign_in(client, getattr(world, signed_in))
    response = client.get(reverse("followups:list"), {"status": "all", "assignee": "all"})
    rows = response.context["rows"]
    assert {row.pk for row in rows} == {follow_up.pk for follow_up in made}
    assert {row.may_act for row in rows} == ({True} if signed_in == "manager" else {True, False})
    request, back_url = response.wsgi_request, response.context["back_url"]
    page = response.content.decode()
    # The page carries the rows the renderer drew, and they are the old template's.
    assert normalized(response.context["rows_html"]) in normalized(page)
    zone = request.zone
    for language in LANGUAGES:
        with translation.override(language), timezone.override(zone):
            context = {"rows": rows, "back_url": back_url}
            old_rows = in_readers_order(OLD_ROWS, language)
            old = engines["django"].from_string(old_rows).render(context, request)
            new = FollowUpMarkup.for_request(request, back_url=back_url).rows(rows)
        assert normalized(new) == normalized(old), language
    assert "&lt;roof&gt;" in new
    assert (" disabled" in new) == (signed_in == "rep")


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("signed_in", ["rep", "manager"])
def test_the_board_cards_are_the_markup_the_old_template_drew(client, world, signed_in):
    made = _follow_ups(world)
    sign_in(client, getattr(world, signed_in))
    response = client.get(reverse("followups:board"), {"assignee": "all"})
    columns = response.context["board_columns"]
    assert {card.pk for column, _ in columns for card in column.cards} == {
        follow_up.pk for follow_up in made
    }
    request, back_url = response.wsgi_request, response.context["back_url"]
    page = normalized(response.content.decode())
    zone = request.zone
    outcome_options = format_html_join("", '<option value="{}">{}</option>', Outcome.choices)
    for column, cards_html in columns:
        assert normalized(cards_html) in page
        for language in LANGUAGES:
            with translation.override(language), timezone.override(zone):
                context = {"column": column, "back_url": back_url}
                context["outcome_options"] = format_html_join(
                    "", '<option value="{}">{}</option>', Outcome.choices
                )
                old_cards = in_readers_order(OLD_CARDS, language)
                old = engines["django"].from_string(old_cards).render(context, request)
                new = FollowUpMarkup.for_request(request, back_url=back_url).cards(column.cards)
            assert normalized(new) == normalized(old), (column.status, language)
    assert outcome_options in page.replace("> <", "><")


@time_machine.travel(NOW, tick=False)
def test_a_row_after_an_action_is_the_markup_the_old_template_drew(client, world):
    follow_up = _follow_ups(world)[0]
    sign_in(client, world.rep)
    back_url = "/followups/?q=a&b=<c>"
    response = client.post(
        reverse("followups:complete", kwargs={"follow_up_pk": follow_up.pk}),
        {"outcome": Outcome.SUCCESSFUL, "notes": "", "from": "row", "next": back_url},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    new = response.content.decode()
    with world.active():
        done = FollowUp.objects.select_related("type", "contact", "assignee__user", "lead").get(
            pk=follow_up.pk
        )
    done.may_act, done.is_overdue = True, False
    context = {"rows": [done], "back_url": back_url, "row_done": "Completed."}
    with timezone.override(response.wsgi_request.zone):
        old = engines["django"].from_string(OLD_ROWS).render(context, response.wsgi_request)
    assert normalized(new) == normalized(old)
    assert "Completed." in new and "Successful" in new


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"status": "all", "assignee": "mine", "when": "overdue", "order": "latest"},
        {"type": "valid", "priority": "high", "date_from": "2025-01-02", "date_to": "x"},
        {"status": "nonsense", "assignee": "999999", "type": "999999", "contact": "3", "lead": "4"},
    ],
)
def test_the_filter_and_bulk_form_fields_are_the_markup_djangos_widgets_draw(world, data):
    from crm.kit.widgets import field_html
    from followups.forms.follow_ups import BulkForm, FollowUpFilterForm
    from followups.selectors.lists import filter_choices
    from followups.services.followups import follow_up_types_ensure

    with world.active():
        types = follow_up_types_ensure(tenant=world.tenant)
        if data.get("type") == "valid":
            data = {**data, "type": str(types[0].pk)}
        choices = filter_choices(tenant=world.tenant, membership=world.manager)
        filters = FollowUpFilterForm(
            data,
            tenant=world.tenant,
            membership=world.manager,
            members=choices.members,
            types=choices.types,
        )
        filters.query()
        bulk = BulkForm(
            {"scheduled_at": "2025-03-14T09:30", "priority": "low"} if data else None,
            follow_ups=FollowUp.unscoped.none(),
            members=choices.members,
        )
        bulk.is_valid()
        for form in (filters, bulk):
            for field in form:
                assert normalized(field_html(field)) == normalized(str(field)), field.name
                drawn = re.sub(r"\n\s*", "", field_html(field))
                assert drawn == re.sub(r"\n\s*", "", str(field)), field.name


@pytest.mark.parametrize("chosen", ["", "type", "assignee", "999999", "abc"])
def test_the_filter_choices_read_together_draw_and_check_as_the_querysets_did(
    world, other_world, chosen
):
    """The filter form's types and the bulk form's members come from one statement
    (filter_choices) instead of a query each: the same options, labels, errors and cleaned
    objects as the ModelChoiceFields over the querysets the forms had before; another tenant's
    are not offered (row-level security holds for the combined statement too)."""
    from django import forms
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from crm.kit.forms import MemberChoiceField
    from followups.forms.follow_ups import BulkForm, FollowUpFilterForm
    from followups.selectors.lists import filter_choices, follow_up_types
    from followups.selectors.members import assignable_members
    from followups.services.followups import follow_up_types_ensure

    with other_world.active():
        follow_up_types_ensure(tenant=other_world.tenant)
    with world.active():
        types = follow_up_types_ensure(tenant=world.tenant)
        valid = {"type": str(types[0].pk), "assignee": str(world.rep.pk)}
        value = valid.get(chosen, chosen)
        with CaptureQueriesContext(connection) as captured:
            choices = filter_choices(
                tenant=world.tenant, membership=world.manager, with_saved_filters=True
            )
        assert len(captured) == 1
        members, own_types = (
            assignable_members(tenant=world.tenant),
            follow_up_types(tenant=world.tenant),
        )
        assert [m.pk for m in choices.members] == [m.pk for m in members]
        assert [t.pk for t in choices.types] == [t.pk for t in own_types]
        with CaptureQueriesContext(connection) as captured:
            filters = FollowUpFilterForm(
                {"type": value},
                tenant=world.tenant,
                membership=world.manager,
                members=choices.members,
                types=choices.types,
            )
            filters.is_valid()
            bulk = BulkForm(
                {"assignee": value, "priority": "low"},
                follow_ups=FollowUp.unscoped.none(),
                members=choices.members,
            )
            bulk.is_valid()
            drawn = {"type": str(filters["type"]), "assignee": str(bulk["assignee"])}
        assert not captured.captured_queries
        before = {
            "type": forms.ModelChoiceField(
                queryset=own_types, required=False, empty_label=filters.fields["type"].empty_label
            ),
            "assignee": MemberChoiceField(
                queryset=members, required=False, empty_label=bulk.fields["assignee"].empty_label
            ),
        }
        for name, field in before.items():
            form = forms.Form({name: value})
            form.fields[name] = field
            form.is_valid()
            now = filters if name == "type" else bulk
            assert normalized(drawn[name]) == normalized(str(form[name])), name
            assert now.errors.get(name) == form.errors.get(name), name
            got, expected = now.cleaned_data.get(name), form.cleaned_data.get(name)
            assert (got and got.pk) == (expected and expected.pk), name
    with other_world.active():
        theirs = {t.pk for t in follow_up_types(tenant=other_world.tenant)}
    assert theirs and not theirs & {t.pk for t in choices.types}
