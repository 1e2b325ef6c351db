"""The shared kit (crm/kit): each piece of plumbing, tested once where it is written."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from crm.kit.actions import first_error, run_action
from crm.kit.csv_files import (
    CsvLayout,
    ImportFileError,
    csv_data_rows,
    csv_header,
    csv_records,
    csv_stream,
    decode_csv_upload,
    rejected_rows_csv,
    spreadsheet_safe,
)
from crm.kit.formatting import money, short_datetime
from crm.kit.forms import MemberChoiceField, ServiceErrorsMixin, TenantFormMixin
from crm.kit.redirects import safe_next
from crm.kit.signed_tokens import signed_token_read
from crm.kit.translations import Translations
from crm.models import Membership, Role, Tenant, User


def _post(next_url: str, *, secure: bool = False):
    return RequestFactory().post("/", {"next": next_url}, secure=secure)


class TestSafeNext:
    @pytest.mark.parametrize("url", ["/leads/", "/leads/?stage=3&sort=-age", "/followups/#due"])
    def test_accepts_a_path_on_this_site(self, url):
        assert safe_next(_post(url)) == url

    def test_accepts_an_absolute_url_to_this_host(self):
        assert safe_next(_post("http://testserver/leads/")) == "http://testserver/leads/"

    @pytest.mark.parametrize(
        "url",
        [
            "//evil.com",
            "https://evil.com",
            "http://evil.com/leads/",
            "///evil.com",
            "/\\evil.com",
            "javascript:alert(1)",
            "\x00/leads/",
            "/leads/\x00",
            "/leads/\r\nSet-Cookie: x=1",
            "/\t/evil.com",
        ],
    )
    def test_refuses_another_site_or_control_characters(self, url):
        assert safe_next(_post(url)) == ""

    def test_a_page_served_over_https_does_not_send_back_to_http(self):
        assert safe_next(_post("http://testserver/leads/", secure=True)) == ""

    def test_reads_next_from_the_post_then_the_query(self):
        both = RequestFactory().post("/?next=/from-query/", {"next": "/from-post/"})
        query_only = RequestFactory().post("/?next=/from-query/")
        assert safe_next(both) == "/from-post/"
        assert safe_next(query_only) == "/from-query/"

    def test_an_explicit_url_ignores_the_request(self):
        request = _post("/leads/")
        assert safe_next(request, "") == ""
        assert safe_next(request, "/tickets/") == "/tickets/"

    def test_within_keeps_the_user_under_a_prefix(self):
        request = _post("/")
        assert safe_next(request, "/portal/jobs/", within="/portal/") == "/portal/jobs/"
        assert safe_next(request, "/leads/", within="/portal/") == ""


class TestMemberChoiceField:
    def test_shows_the_name_or_the_name_and_role(self):
        user = User(full_name="Dana Reyes", email="dana@example.com")
        membership = Membership(user=user, role=Role.MANAGER)
        assert (
            MemberChoiceField(queryset=Membership.unscoped.none()).label_from_instance(membership)
            == "Dana Reyes"
        )
        with_role = MemberChoiceField(queryset=Membership.unscoped.none(), with_role=True)
        assert with_role.label_from_instance(membership) == "Dana Reyes (Manager)"


class _PlanForm(ServiceErrorsMixin, TenantFormMixin, forms.Form):
    service_fields = {"offset_minutes": "offset"}

    offset = forms.IntegerField()
    name = forms.CharField()


class TestForms:
    def test_a_tenant_form_keeps_its_tenant_and_requires_it(self):
        tenant = Tenant(name="Acme")
        assert _PlanForm({}, tenant=tenant).tenant is tenant
        with pytest.raises(TypeError):
            _PlanForm({})

    def test_service_errors_land_on_the_fields_the_user_filled_in(self):
        form = _PlanForm({"offset": "5", "name": "x"}, tenant=Tenant())
        assert form.is_valid()
        form.add_service_error(
            ValidationError({"offset_minutes": "Too soon.", "name": "Taken.", "other": "Odd."})
        )
        assert form.errors == {"offset": ["Too soon."], "name": ["Taken."], "__all__": ["Odd."]}

    def test_a_plain_service_error_goes_to_the_top_of_the_form(self):
        form = _PlanForm({"offset": "5", "name": "x"}, tenant=Tenant())
        form.is_valid()
        form.add_service_error(ValidationError("Not now."))
        assert form.non_field_errors() == ["Not now."]


class _NoteForm(forms.Form):
    body = forms.CharField()
    count = forms.IntegerField()


class TestRunAction:
    def test_an_invalid_form_is_not_performed(self):
        performed = []
        error = run_action(_NoteForm({"count": "x"}), performed.append)
        assert performed == []
        assert error == "This field is required. Enter a whole number."

    def test_first_error_only(self):
        error = run_action(_NoteForm({}), print, describe_errors=first_error)
        assert error == "This field is required."

    def test_a_service_refusal_becomes_the_error(self):
        def refuse(data):
            raise ValidationError(["Closed.", "Ask a manager."])

        assert run_action(None, refuse) == "Closed. Ask a manager."

    def test_success_performs_with_the_cleaned_data(self):
        performed = []
        assert run_action(_NoteForm({"body": "hi", "count": "2"}), performed.append) == ""
        assert performed == [{"body": "hi", "count": 2}]


class TestSignedTokenRead:
    def _read(self, token, **kwargs):
        return signed_token_read(token, salt="kit.test", read=lambda p: int(p["t"]), **kwargs)

    def test_reads_a_token_we_signed(self):
        assert self._read(signing.dumps({"t": "7"}, salt="kit.test")) == 7

    def test_fails_closed_on_a_token_we_did_not_sign(self):
        assert self._read("nonsense") is None
        assert self._read(signing.dumps({"t": 7}, salt="another.salt")) is None

    @pytest.mark.parametrize("payload", [{"x": 7}, {"t": "seven"}, ["t"]])
    def test_fails_closed_on_a_payload_it_cannot_read(self, payload):
        assert self._read(signing.dumps(payload, salt="kit.test")) is None

    def test_an_expired_token_reads_as_none(self):
        token = signing.dumps({"t": 7}, salt="kit.test")
        assert self._read(token, max_age=-1) is None


class TestCsvFiles:
    def test_decodes_utf8_with_a_byte_order_mark_and_falls_back_to_windows_1252(self):
        assert decode_csv_upload("\ufeffName\nZoë\n".encode()) == ("Name\nZoë\n", "")
        text, note = decode_csv_upload("Name\nZoë\n".encode("cp1252"))
        assert text == "Name\nZoë\n"
        assert "Windows-1252" in note

    @pytest.mark.parametrize("raw", [b"PK\x03\x04rest", b"%PDF-1.7", b"a,b\x00c"])
    def test_refuses_what_is_not_csv_text(self, raw):
        with pytest.raises(ImportFileError):
            decode_csv_upload(raw)

    def test_finds_the_delimiter_and_skips_blank_records(self):
        text = 'Name;Email\n\nAna;"a@x.test"\n"Bo\nB";b@x.test\n'
        delimiter, headers = csv_header(text)
        assert (delimiter, headers) == (";", ["Name", "Email"])
        layout = CsvLayout(headers, delimiter, {"name": 0}, [])
        assert list(csv_data_rows(text, layout)) == [
            (3, ["Ana", "a@x.test"]),
            (4, ["Bo\nB", "b@x.test"]),
        ]

    def test_an_unclosed_quote_is_an_error_naming_the_line(self):
        with pytest.raises(ImportFileError, match="Line"):
            list(csv_records('a,b\n"open,2\n', ","))

    @pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
    def test_a_formula_is_written_as_text(self, cell):
        assert spreadsheet_safe(cell) == "'" + cell

    def test_plain_cells_and_none_are_left_alone(self):
        assert spreadsheet_safe("Ana") == "Ana"
        assert spreadsheet_safe(None) == ""
        assert spreadsheet_safe(3) == "3"

    def test_streams_rows_after_a_byte_order_mark(self):
        chunks = list(csv_stream([["a", "b,c"], [1, 2]], byte_order_mark=True))
        assert chunks == ["\ufeff", 'a,"b,c"\r\n', "1,2\r\n"]

    def test_rejected_rows_are_formula_safe(self):
        out = rejected_rows_csv(
            headers=["Name"], rejected=[{"line": 2, "reasons": ["No email"], "cells": ["=x"]}]
        )
        assert out == "\ufeffLine,Reason,Name\r\n2,No email,'=x\r\n"


class TestFormatting:
    @pytest.mark.parametrize(
        ("value", "currency", "shown"),
        [
            (18000, "USD", "$18,000"),
            (Decimal("1234.5"), "EUR", "€1,234.50"),
            ("99.99", "GBP", "£99.99"),
            (5, "CHF", "CHF 5"),
            (None, "USD", "—"),
            ("", "USD", "—"),
        ],
    )
    def test_money(self, value, currency, shown):
        assert money(value, currency) == shown

    def test_short_datetime_in_a_zone(self):
        at = dt.datetime(2026, 3, 4, 14, 30, tzinfo=dt.UTC)
        assert short_datetime(at, zoneinfo.ZoneInfo("America/New_York")) == "Wed Mar 4, 09:30"


def test_a_pages_translations_are_gettexts_in_the_language_active_when_made():
    from django.db import models
    from django.utils import translation
    from django.utils.translation import gettext

    from leads.models import Location

    class Place(models.TextChoices):
        UNKNOWN = "unknown", "Somewhere"  # the value of Location.UNKNOWN

    with translation.override("nl"):
        translate = Translations()
        assert translate("Priority") == gettext("Priority") != "Priority"
        assert translate("Priority") is translate("Priority")  # looked up once
        assert translate.label(Location.IN_STATE) == str(Location.IN_STATE.label) != "In-state"
        # Two choices with the same value are two labels.
        assert translate.label(Location.UNKNOWN) == str(Location.UNKNOWN.label)
        assert translate.label(Place.UNKNOWN) == "Somewhere"


@pytest.mark.django_db
def test_a_statement_by_id_is_compiled_once_and_reads_other_ids_converted(world, other_world):
    """crm.kit.statements.RowsById: the ids are the statement's last parameters; each run puts
    others in their place, and the columns come back as the queryset gives them (JSON parsed)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from crm.kit.statements import RowsById, kept
    from leads.models import Lead
    from tests.factories import lead_for

    first, second, third = (lead_for(world) for _ in range(3))
    theirs = lead_for(other_world)
    with world.active():
        Lead.objects.filter(tenant=world.tenant).update(assignment_decision={})
        Lead.objects.filter(pk=second.pk).update(assignment_decision={"why": "round robin"})
        leads = Lead.objects.filter(tenant=world.tenant).values_list("id", "assignment_decision")
        statement = kept(
            ("test", world.tenant.pk, 2), lambda: RowsById(leads, [first.pk, third.pk])
        )
        assert kept(("test", world.tenant.pk, 2), lambda: None) is statement
        with CaptureQueriesContext(connection) as captured:
            rows = statement.rows([second.pk, third.pk])
        assert len(captured) == 1
        assert sorted(map(tuple, rows)) == [(second.pk, {"why": "round robin"}), (third.pk, {})]
        # The tenant's own filter is part of the kept SQL: another tenant's id reads nothing.
        assert [tuple(row) for row in statement.rows([theirs.pk, first.pk])] == [(first.pk, {})]
        with pytest.raises(ValueError):
            statement.rows([first.pk])


@pytest.mark.parametrize("language", ["en", "nl", "es"])
@pytest.mark.parametrize(
    "format_string",
    ["M j, g:i A", "j b, H:i", "D M j", r"l d/m/Y \a\t h:i a", "F y n G", "<b>&N W</b>"],
)
def test_row_times_write_what_djangos_date_format_writes(language, format_string):
    """crm.kit.row_markup.RowTimes.formatter: the fast path for the specifiers the lists use,
    Django's own for the others (a, N, W here), escaped as a template escapes the filter's text."""
    from html import escape

    from django.utils import translation
    from django.utils.dateformat import format as date_format

    from crm.kit.row_markup import RowTimes

    times = [
        dt.datetime(2026, month, 1 + month * 2, hour, minute)
        for month, hour, minute in [(1, 0, 5), (3, 11, 59), (6, 12, 0), (9, 13, 30), (12, 23, 1)]
    ]
    with translation.override(language):
        write = RowTimes().formatter(format_string)
        for moment in times:
            assert write(moment) == escape(date_format(moment, format_string)), moment


@pytest.mark.parametrize(
    ("language", "day", "month_day", "clock"),
    [
        ("en", "Tue Dec 1", "Dec 1", "2:05 PM"),
        ("nl", "di 1 dec", "1 dec", "14:05"),
        ("es", "mar 1 dic", "1 dic", "14:05"),
    ],
)
def test_row_times_write_the_readers_order_and_clock(language, day, month_day, clock):
    """The follow-up and ticket lists' dates: "Tue Dec 1, 2:05 PM" is English only."""
    from django.utils import translation

    from crm.kit.row_markup import RowTimes

    moment = dt.datetime(2026, 12, 1, 14, 5)
    with translation.override(language):
        times = RowTimes()
        assert (times.day(moment), times.month_day(moment), times.clock(moment)) == (
            day,
            month_day,
            clock,
        )


@pytest.mark.django_db
def test_a_statement_for_a_few_ids_is_compiled_once_and_reads_other_ids(world, other_world):
    """crm.kit.statements.RowsFor: compiled with stand-in ids, each run puts the call's ids in
    their places; rows come back named as the queryset names its columns."""
    from django.db import connection
    from django.db.models import F
    from django.test.utils import CaptureQueriesContext

    from crm.kit.statements import RowsFor
    from leads.models import Lead
    from tests.factories import lead_for

    first, second = lead_for(world), lead_for(world)
    theirs = lead_for(other_world)
    with world.active():

        def build(one, other):
            return (
                Lead.objects.filter(tenant=world.tenant, pk__in=[one, other])
                .values("id", twice=F("id") * 2)
                .order_by("id")
            )

        statement = RowsFor(build, 2)
        with CaptureQueriesContext(connection) as captured:
            rows = statement.rows(first.pk, second.pk)
        assert len(captured) == 1
        assert rows == list(build(first.pk, second.pk))
        assert rows == [
            {"id": first.pk, "twice": 2 * first.pk},
            {"id": second.pk, "twice": 2 * second.pk},
        ]
        # The tenant's own filter is part of the kept SQL: another tenant's id reads nothing.
        assert statement.rows(theirs.pk, second.pk) == [{"id": second.pk, "twice": 2 * second.pk}]
        with pytest.raises(ValueError):
            statement.rows(first.pk)
        with pytest.raises(ValueError):
            RowsFor(lambda one, other: build(one, one), 2)  # the second id is not a parameter


def _prepared_statements(connection) -> dict[str, tuple[int, int]]:
    """This connection's prepared statements: {SQL: (generic plans, custom plans)}."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
        return {sql: (generic, custom) for sql, generic, custom in cursor.fetchall()}


@pytest.mark.django_db
def test_a_kept_statement_runs_prepared_and_row_level_security_still_filters_it(world, other_world):
    """crm.kit.statements.prepared_cursor: a kept statement is parsed and planned once per
    connection and run by name. Its plan stays generic after a few runs, and the tenant's
    setting, read when it runs, still decides what row-level security lets through: a
    statement without the tenant's own filter reads nothing of the other tenant's."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from crm.kit.statements import RowsById
    from crm.tenancy.context import tenant_context
    from leads.models import Lead
    from tests.factories import lead_for

    ours, theirs = lead_for(world), lead_for(other_world)
    # No tenant filter in the SQL: only wall 2 stands between the tenants.
    statement = RowsById(Lead.unscoped.values_list("id", "tenant_id"), [ours.pk])
    with world.active():
        for _ in range(8):  # past PostgreSQL's five custom plans: the plan is now generic
            assert statement.rows([ours.pk]) == [(ours.pk, world.tenant.pk)]
        assert statement.rows([theirs.pk]) == []
        generic, custom = _prepared_statements(connection)[statement.sql.replace("%s", "$1")]
        assert generic >= 1 and custom == 5
    with tenant_context(other_world.tenant):
        with CaptureQueriesContext(connection) as captured:
            assert statement.rows([ours.pk]) == []
            assert statement.rows([theirs.pk]) == [(theirs.pk, other_world.tenant.pk)]
        # Counted and logged as any statement (the pages' query budgets), its values in place.
        assert len(captured) == 2
        assert f"IN ({ours.pk})" in captured[0]["sql"]


@pytest.mark.django_db
def test_prepared_statements_can_be_turned_off(world, settings):
    """DATABASE_PREPARED_STATEMENTS off (a pooler that cannot keep them): the same rows, bound
    on the client, nothing prepared."""
    from django.db import connection

    from crm.kit.statements import RowsById
    from leads.models import Lead
    from tests.factories import lead_for

    settings.DATABASE_PREPARED_STATEMENTS = False
    lead = lead_for(world)
    with world.active():
        statement = RowsById(Lead.objects.filter(tenant=world.tenant).values_list("id"), [lead.pk])
        assert statement.rows([lead.pk]) == [(lead.pk,)]
        assert statement.sql.replace("%s", "$1") not in _prepared_statements(connection)


@pytest.mark.django_db
def test_a_prepared_statement_first_in_a_request_gets_the_tenant_setting_sent_before_it(world):
    """crm.tenancy.context.settings_sent_with_next_query puts the settings in front of a block's
    first statement; a prepared one takes one statement, so they go just before it instead."""
    from django.db import transaction

    from crm.kit.statements import RowsById
    from crm.tenancy.context import TENANT_SETTING, settings_sent_with_next_query
    from leads.models import Lead
    from tests.factories import lead_for

    lead = lead_for(world)
    statement = RowsById(Lead.unscoped.values_list("id"), [lead.pk])
    with transaction.atomic(), settings_sent_with_next_query({TENANT_SETTING: world.tenant.pk}):
        assert statement.rows([lead.pk]) == [(lead.pk,)]


@pytest.mark.django_db
def test_a_statement_prepared_in_a_block_that_fails_runs_after_it(world):
    """The server keeps a prepared statement whatever becomes of the transaction it was first
    run in, and psycopg runs it by name afterwards."""
    from django.db import DatabaseError, connection, transaction

    from crm.kit.statements import RowsById
    from leads.models import Lead
    from tests.factories import lead_for

    lead = lead_for(world)
    statement = RowsById(Lead.unscoped.values_list("id"), [lead.pk])
    with world.active():
        with pytest.raises(DatabaseError), transaction.atomic():
            assert statement.rows([lead.pk]) == [(lead.pk,)]  # prepared here
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 / 0")
        assert statement.rows([lead.pk]) == [(lead.pk,)]


@pytest.mark.django_db
def test_instances_for_a_few_ids_are_the_querysets_own_with_their_relations(world, other_world):
    """crm.kit.statements.InstancesFor: compiled once, each read gives the instances the
    queryset gives (its select_related relations read in the same statement, its annotations),
    and nothing of another tenant's."""
    from django.db import connection
    from django.db.models import F
    from django.test.utils import CaptureQueriesContext

    from crm.kit.statements import InstancesFor
    from leads.models import Lead
    from tests.factories import lead_for

    first, second = lead_for(world), lead_for(world)
    theirs = lead_for(other_world)
    with world.active():

        def build(pk):
            return (
                Lead.objects.filter(tenant=world.tenant, pk=pk)
                .select_related("contact", "stage__pipeline", "owner__user")
                .annotate(doubled=F("priority_score") * 2)
            )

        statement = InstancesFor(build, 1)
        for lead in (first, second):
            with CaptureQueriesContext(connection) as captured:
                (read,) = statement.instances(lead.pk)
                expected = build(lead.pk).get()
                shown = (
                    read.number,
                    read.contact.display_name,
                    read.stage.pipeline.name,
                    read.owner.user.email if read.owner else None,
                    read.doubled,
                )
            assert len(captured) == 2  # the kept statement and the ORM's own: no lazy reads
            assert isinstance(read, Lead) and read == expected and not read._state.adding
            assert shown == (
                expected.number,
                expected.contact.display_name,
                expected.stage.pipeline.name,
                expected.owner.user.email if expected.owner else None,
                expected.priority_score * 2,
            )
        # The tenant's own filter is part of the kept SQL: another tenant's id reads nothing.
        assert statement.instances(theirs.pk) == []
        # An id past bigint (a typed URL) finds nothing, as the ORM's lookup does.
        assert statement.instances(2**70) == [] == list(build(2**70))


@pytest.mark.django_db
@pytest.mark.parametrize("prepared", [True, False])
def test_a_kept_statement_runs_on_the_connection_of_the_thread_that_runs_it(world, prepared):
    """A statement kept by one thread (a web process's first request) is run by the others on
    their own connections: nothing of the keeping thread's connection stays bound to it."""
    import threading

    from django.db import connection, transaction

    from crm.kit.statements import RowsFor
    from leads.models import Lead

    statement = RowsFor(lambda pk: Lead.unscoped.filter(pk=pk).values("id"), 1, prepared=prepared)
    errors = []

    def run():
        try:
            with transaction.atomic():
                statement.rows(1)
        except Exception as error:  # reported by the test
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert errors == []
