"""Another tenant's ids in form fields and htmx values are never linked to, and no foreign key in
the database points from one tenant's row to another tenant's (issue 18).

The forms are every POST form and htmx action the pages of one tenant render (harvested from the
pages, so a new form is covered the day it is added), posted by its admin with each field that
names an object set to the other tenant's object of that kind. Then, with the demo seed and the
URL-isolation objects of both tenants in the database, every foreign key between tenant-owned
models (walked from Django's model meta, many-to-many tables included) is checked in SQL, as the
tables' owner so row-level security hides nothing: the child's tenant is the parent's.
"""

import contextlib
import json
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.db import connections
from django.db.models import ForeignKey
from django.test import Client

from crm.tenancy.rls import is_tenant_owned, tenant_owned_models
from tests.conftest import sign_in
from tests.fuzz.test_query_string_fuzz import FOREIGN_NAME, _get_pages
from tests.security.test_url_isolation import OBJECT_KWARGS

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "owner"])

# A form field's name (without _id/_pk and a plural s) -> the URL keyword of the object it names.
FIELD_OBJECTS = {
    "contact": "contact_pk",
    "lead": "lead_pk",
    "job": "lead_pk",
    "membership": "membership_pk",
    "assignee": "membership_pk",
    "owner": "membership_pk",
    "team_lead": "membership_pk",
    "member": "membership_pk",
    "rep": "membership_pk",
    "brand": "brand_pk",
    "pipeline": "pipeline_pk",
    "stage": "stage_pk",
    "target_stage": "stage_pk",
    "inbox": "inbox_pk",
    "property": "property_pk",
    "source": "source_pk",
    "template": "template_pk",
    "type": "follow_up_type_pk",
    "follow_up_type": "follow_up_type_pk",
    "sequence": "sequence_pk",
    "ticket": "ticket_pk",
    "document": "document_pk",
    "quote": "quote_pk",
    "trigger": "trigger_pk",
}


def _object_keyword(field: str) -> str | None:
    name = field.lower().removesuffix("_id").removesuffix("_pk").removesuffix("_ids")
    return FIELD_OBJECTS.get(name) or FIELD_OBJECTS.get(name.removesuffix("s"))


class _PostForms(HTMLParser):
    """(action, {field: default value}) of every POST form and hx-post element with hx-vals."""

    def __init__(self, page_path: str):
        super().__init__()
        self.page_path = page_path
        self.forms: list[tuple[str, dict[str, str]]] = []
        self.current: dict[str, str] | None = None
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            action = attrs.get("hx-post") or attrs.get("action") or self.page_path
            is_post = (attrs.get("method") or "").lower() == "post" or "hx-post" in attrs
            self.current = {} if is_post else None
            if is_post:
                self.forms.append((action, self.current))
        elif self.current is not None and attrs.get("name"):
            name = attrs["name"]
            if tag == "select":
                self.select = name
                self.current.setdefault(name, "")
            elif tag == "input" and attrs.get("type") in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.current[name] = attrs.get("value") or "on"
            elif tag in ("input", "textarea"):
                self.current.setdefault(name, attrs.get("value") or "")
        choosing = tag == "option" and self.current is not None and self.select
        if choosing and ("selected" in attrs or not self.current.get(self.select)):
            self.current[self.select] = attrs.get("value") or ""
        if attrs.get("hx-post") and attrs.get("hx-vals") and tag != "form":
            with contextlib.suppress(ValueError, TypeError):  # not JSON: not ours to read
                values = json.loads(attrs["hx-vals"])
                self.forms.append((attrs["hx-post"], {k: str(v) for k, v in values.items()}))

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None


def _foreign_posts(world, other_world) -> list[tuple[str, dict[str, str]]]:
    """Each harvested form with every field that names an object set to the other tenant's."""
    client = _admin_client(world)
    posts = []
    for _name, path, is_portal in _get_pages(world):
        response = client.get(path)
        if is_portal or response.status_code != 200 or response.streaming:
            continue
        harvest = _PostForms(path)
        harvest.feed(response.content.decode(errors="replace"))
        for action, fields in harvest.forms:
            swapped = {
                field: str(OBJECT_KWARGS[_object_keyword(field)](other_world))
                for field in fields
                if _object_keyword(field)
            }
            if swapped and action.startswith("/"):
                posts.append((action, {**fields, **swapped}))
    return posts


def _admin_client(world) -> Client:
    client = Client(raise_request_exception=False)
    sign_in(client, world.admin)
    return client


def _tenant_links():
    """(SQL, label) per foreign key between tenant-owned rows: rows whose tenant differs."""
    owned = set(tenant_owned_models())
    checks = []
    for model in owned:
        for field in model._meta.concrete_fields:
            if not isinstance(field, ForeignKey) or field.name == "tenant":
                continue
            parent = field.related_model
            if parent not in owned:
                continue
            child_table, parent_table = model._meta.db_table, parent._meta.db_table
            target = parent._meta.get_field(field.target_field.name).column
            checks.append(
                (
                    f'SELECT count(*) FROM "{child_table}" c JOIN "{parent_table}" p '  # noqa: S608
                    f'ON c."{field.column}" = p."{target}" WHERE c.tenant_id <> p.tenant_id',
                    f"{model._meta.label}.{field.name} -> {parent._meta.label}",
                )
            )
    for model in owned:
        for m2m in model._meta.local_many_to_many:
            through = m2m.remote_field.through
            if is_tenant_owned(through) or not is_tenant_owned(m2m.related_model):
                continue
            left, right = (f for f in through._meta.concrete_fields if isinstance(f, ForeignKey))
            checks.append(
                (
                    f'SELECT count(*) FROM "{through._meta.db_table}" t '  # noqa: S608
                    f'JOIN "{left.related_model._meta.db_table}" a ON t."{left.column}" = a.id '
                    f'JOIN "{right.related_model._meta.db_table}" b ON t."{right.column}" = b.id '
                    "WHERE a.tenant_id <> b.tenant_id",
                    f"{through._meta.label} ({left.name} / {right.name})",
                )
            )
    return checks


def test_the_walk_finds_the_foreign_keys_between_tenant_rows():
    labels = {label for _sql, label in _tenant_links()}
    assert "leads.Lead.contact -> crm.Contact" in labels
    assert "tickets.InboxAddress.inbox -> tickets.Inbox" in labels
    assert len(labels) > 50


def test_no_foreign_key_crosses_tenants_after_foreign_ids_in_every_form(world, other_world):
    call_command("seed_demo", "--without-history", verbosity=0)
    with other_world.active():
        other_world.contact.first_name, other_world.contact.last_name = FOREIGN_NAME.split()
        other_world.contact.save(update_fields=["first_name", "last_name"])
    posts = _foreign_posts(world, other_world)
    assert len(posts) > 20, "the harvest found too few forms to mean anything"
    client = _admin_client(world)

    for action, data in posts:
        response = client.post(action, data, headers={"HX-Request": "true"})
        assert response.status_code < 500, f"{action} answered {response.status_code} to {data}"
        if not response.streaming:
            assert FOREIGN_NAME not in response.content.decode(errors="replace"), action

    assert _crossings() == {}, f"rows linked to another tenant's: {_crossings()}"


def test_the_check_sees_a_row_linked_to_another_tenants(world, other_world):
    """The control: a property linked, behind the app's back, to another tenant's contact."""
    with connections["owner"].cursor() as cursor:
        cursor.execute(
            "UPDATE crm_propertycontact SET contact_id = %s WHERE tenant_id = %s",
            [other_world.contact.pk, world.tenant.pk],
        )
    assert _crossings().get("crm.PropertyContact.contact -> crm.Contact") == 1


def _crossings() -> dict[str, int]:
    """Rows per foreign key whose tenant is not their parent's, read as the tables' owner."""
    crossing = {}
    with connections["owner"].cursor() as cursor:
        for sql, label in _tenant_links():
            cursor.execute(sql)
            if count := cursor.fetchone()[0]:
                crossing[label] = count
    return crossing
