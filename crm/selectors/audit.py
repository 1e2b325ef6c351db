"""Reads of the audit history (django-pghistory events) of every audited model: filtered by who,
what and when, searched, paged by keyset, and named as people know the things changed
("Consent for SMS granted for Casey Morgan", not "Created contact consent #26").

The audited models live in every app (templates in messaging, triggers in automation …); each
app declares how its rows read in its `audit_trail.py` (crm.audit), so the core names no app
above it.

A page is two queries whatever the size of the history. The first walks each event table's
index on (tenant, pgh_created_at, pgh_id) newest first, stopping at a page of rows that pass the
filters, and merges the tables' pages; the second reads those rows with the object's previous
version (index on pgh_obj, pgh_id), from which the changes are shown. An update whose shown
fields equal the previous version's is left out: rows of bookkeeping the history no longer
tracks (a sweep's cursor, crm.models.audited) changed nothing a person reads.
"""

import datetime as dt
import functools
import json
import operator
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.db.models import BooleanField, F, Func, Q, TextField, Value
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _
from pghistory.models import Event

from crm.audit import (
    AuditRow,
    AuditValues,
    audit_kinds,
    audit_reader,
    audit_references,
    model_or_none,
)
from crm.kit.search import MOST_WORDS, fold, search_words
from crm.models import Membership, Tenant
from crm.pagination import KeysetPage, decode_values, encode_cursor

AUDIT_PER_PAGE = 50
# Shown nowhere: the row's own identity, its tenant and the moments the history already gives.
AUDIT_HIDDEN_FIELDS = frozenset({"id", "tenant_id", "created_at", "updated_at", "search_vector"})
# Searched in a row's own data: what people type (names, addresses, subjects), not codes.
TEXT_TYPES = ("CharField", "TextField", "SlugField", "EmailField", "URLField")

SYSTEM = "system"


@dataclass(frozen=True)
class AuditFilters:
    who: str = ""  # a user's id, or "system"
    what: str = ""  # a key of crm.audit.audit_kinds()
    since: dt.date | None = None
    until: dt.date | None = None
    q: str = ""


@dataclass(frozen=True)
class _History:
    """One audited model's event table as the trail reads it."""

    event_model: type[Event]
    label: str  # the tracked model's, "crm.Contact"
    owned: bool  # it has a tenant column; else it is the tenant's own history (crm.Tenant)
    shown: tuple[str, ...]  # the columns whose changes are shown
    text: tuple[str, ...]  # the columns the search box reads

    @property
    def table(self) -> str:
        return self.event_model._meta.db_table


@dataclass
class AuditEntry:
    """One change as the page shows it."""

    pgh_id: int
    pgh_created_at: dt.datetime
    pgh_label: str  # insert, update, delete
    pgh_obj_id: int
    pgh_obj_model: str
    pgh_context: dict | None
    pgh_data: dict
    previous: dict | None
    actor: object = None
    action: str = ""
    sentence: str = ""
    changes: list = field(default_factory=list)


@dataclass(frozen=True)
class AuditChange:
    field: str
    before: str
    after: str


@functools.cache
def _histories() -> dict[str, _History]:
    """{tracked model label: its history}, for every tenant's audited model."""
    found = {}
    for model in apps.get_models():
        tracked = getattr(model, "pgh_tracked_model", None)
        if not issubclass(model, Event) or tracked is None:
            continue
        owned = any(f.name == "tenant" for f in tracked._meta.fields)
        if not owned and tracked is not Tenant:
            continue
        fields = [f for f in model._meta.concrete_fields if not f.name.startswith("pgh_")]
        # A concrete field's column is always set.
        shown = tuple(f.column for f in fields if f.column and f.column not in AUDIT_HIDDEN_FIELDS)
        text = tuple(f.column for f in fields if f.column and f.get_internal_type() in TEXT_TYPES)
        label = tracked._meta.label
        found[label] = _History(model, label, owned, shown, text)
    return found


# --- Which rows: the first query -----------------------------------------------------------------


def _changed_something(history: _History) -> RawSQL:
    """Not an update whose shown fields equal the object's previous version's."""
    table = f'"{history.table}"'
    columns = ", ".join(f'{table}."{c}"' for c in history.shown)
    previous = ", ".join(f'previous."{c}"' for c in history.shown)
    # Table and column names are the models' own, never text from the request.
    sql = (
        f"NOT ({table}.pgh_label = 'update' AND ROW({columns}) IS NOT DISTINCT FROM ("  # noqa: S608
        f"SELECT ROW({previous}) FROM {table} AS previous "
        f"WHERE previous.pgh_obj_id = {table}.pgh_obj_id AND previous.pgh_id < {table}.pgh_id "
        "ORDER BY previous.pgh_id DESC LIMIT 1))"
    )
    return RawSQL(sql, [], output_field=BooleanField())  # noqa: S611  # nosec B611


def _after(history: _History, cursor: list | None) -> Q:
    """Rows after the cursor in the page's order (pgh_created_at, model label, pgh_id, all
    descending), written for one table so each reads its own index as a range."""
    if cursor is None:
        return Q()
    at, label, pgh_id = cursor
    if history.label < label:
        return Q(pgh_created_at__lte=at)
    if history.label > label:
        return Q(pgh_created_at__lt=at)
    # The redundant leading bound lets PostgreSQL read the index as a range.
    return Q(pgh_created_at__lte=at) & (
        Q(pgh_created_at__lt=at) | Q(pgh_created_at=at, pgh_id__lt=pgh_id)
    )


def _who(filters: AuditFilters) -> Q:
    if filters.who == SYSTEM:
        return Q(pgh_context__isnull=True) | Q(pgh_context__user__isnull=True)
    if filters.who.isdigit():
        return Q(pgh_context__user=int(filters.who))
    return Q()


def _when(tenant: Tenant, filters: AuditFilters) -> Q:
    condition = Q()
    if filters.since:
        start = dt.datetime.combine(filters.since, dt.time.min, tzinfo=tenant.zone)
        condition &= Q(pgh_created_at__gte=start)
    if filters.until:
        end = dt.datetime.combine(filters.until + dt.timedelta(days=1), dt.time.min)
        condition &= Q(pgh_created_at__lt=end.replace(tzinfo=tenant.zone))
    return condition


@dataclass(frozen=True)
class _Search:
    """A search box's text: its folded words, and what it names ({reference key: pks})."""

    words: tuple[str, ...]
    named: dict

    def condition(self, history: _History) -> Q:
        """Every word in the row's own text, or the row is about something the text names (its
        contact, its lead, its team member, or that thing itself)."""
        conditions = []
        if self.words and history.text:
            conditions.append(Q(*[Q(audit_text__contains=word) for word in self.words]))
        references = audit_references()
        columns = {f.column for f in history.event_model._meta.concrete_fields}
        for key, pks in self.named.items():
            if f"{key}_id" in columns:
                conditions.append(Q(**{f"{key}_id__in": pks}))
            if references[key].model == history.label:
                conditions.append(Q(pgh_obj_id__in=pks))
        return functools.reduce(operator.or_, conditions, Q(pk__in=[]))


def _search(tenant: Tenant, text: str, team: dict) -> _Search | None:
    words = tuple(search_words(text)[:MOST_WORDS])
    if not words:
        return None
    named = {}
    for key, reference in audit_references().items():
        if reference.search is not None:
            named[key] = reference.search(tenant, text)
    named["user"] = [
        pk
        for pk, user in team.items()
        if all(word in fold(f"{user.full_name} {user.email}") for word in words)
    ]
    return _Search(words, named)


def _arm(history, tenant, filters, search, cursor, per_page):
    """One table's first rows after the cursor that pass the filters, newest first."""
    manager = history.event_model.objects
    events = manager.filter(tenant=tenant) if history.owned else manager.filter(pgh_obj=tenant)
    events = events.filter(_who(filters), _when(tenant, filters), _after(history, cursor))
    if search is not None:
        if history.text:
            columns = [F(column) for column in history.text]
            text = Func(Value(" "), *columns, function="concat_ws", output_field=TextField())
            events = events.annotate(audit_text=Func(text, function="threadline_fold"))
        events = events.filter(search.condition(history))
    events = events.filter(_changed_something(history))
    return (
        events.annotate(model=Value(history.label, output_field=TextField()))
        .values("pgh_created_at", "model", "pgh_id")
        .order_by("-pgh_created_at", "-pgh_id")[: per_page + 1]
    )


def _page_keys(tenant, filters, search, cursor, per_page) -> list[tuple]:
    kind = audit_kinds().get(filters.what)
    histories = [
        history for label, history in _histories().items() if kind is None or label in kind.models
    ]
    arms = [_arm(history, tenant, filters, search, cursor, per_page) for history in histories]
    if not arms:
        return []
    if len(arms) == 1:
        rows = arms[0]
    else:
        merged = arms[0].union(*arms[1:], all=True)
        rows = merged.order_by("-pgh_created_at", "-model", "-pgh_id")[: per_page + 1]
    return [(row["pgh_created_at"], row["model"], row["pgh_id"]) for row in rows]


# --- The rows themselves: the second query -------------------------------------------------------


def _json(text: str | None) -> dict | None:
    # Amounts stay exact ("9000.00", not the float 9000.0).
    return json.loads(text, parse_float=Decimal) if text else None


def _versions(history: _History, pgh_ids: list[int]):
    """The rows, each with its object's previous version (the index on tenant, object, id)."""
    table = f'"{history.table}"'
    previous = (
        f"SELECT to_jsonb(previous)::text FROM {table} AS previous "  # noqa: S608
        f"WHERE previous.pgh_obj_id = {table}.pgh_obj_id AND previous.pgh_id < {table}.pgh_id "
        "ORDER BY previous.pgh_id DESC LIMIT 1"
    )
    # Table names are the models' own, never text from the request.
    data = RawSQL(f"to_jsonb({table})::text", [], output_field=TextField())  # noqa: S611  # nosec B611
    previous_data = RawSQL(f"({previous})", [], output_field=TextField())  # noqa: S611  # nosec B611
    return (
        history.event_model.objects.filter(pgh_id__in=pgh_ids)
        .annotate(
            model=Value(history.label, output_field=TextField()),
            data=data,
            previous_data=previous_data,
        )
        .values(
            "pgh_id",
            "pgh_created_at",
            "pgh_label",
            "pgh_obj_id",
            "pgh_context",
            "model",
            "data",
            "previous_data",
        )
    )


def _read(keys: list[tuple]) -> list[AuditEntry]:
    """The rows of the page's keys, in their order, with each object's previous version."""
    wanted = defaultdict(list)
    for _at, label, pgh_id in keys:
        wanted[label].append(pgh_id)
    arms = [_versions(_histories()[label], pgh_ids) for label, pgh_ids in wanted.items()]
    rows = arms[0].union(*arms[1:], all=True) if len(arms) > 1 else arms[0]
    found = {(row["model"], row["pgh_id"]): row for row in rows}
    entries = []
    for _at, label, pgh_id in keys:
        row = found[(label, pgh_id)]
        context = row["pgh_context"]
        entries.append(
            AuditEntry(
                pgh_id=pgh_id,
                pgh_created_at=row["pgh_created_at"],
                pgh_label=row["pgh_label"],
                pgh_obj_id=row["pgh_obj_id"],
                pgh_obj_model=label,
                pgh_context=json.loads(context) if isinstance(context, str) else context,
                pgh_data=_without_history_columns(_json(row["data"])) or {},  # never null
                previous=_without_history_columns(_json(row["previous_data"])),
            )
        )
    return entries


def _without_history_columns(data: dict | None) -> dict | None:
    if data is None:
        return None
    return {key: value for key, value in data.items() if not key.startswith("pgh_")}


def audit_page(
    *,
    tenant: Tenant,
    filters: AuditFilters,
    after: str | None,
    per_page: int = AUDIT_PER_PAGE,
    team: dict | None = None,
) -> KeysetPage:
    """One page of the tenant's audit trail, newest first, each entry described."""
    team = team if team is not None else audit_team(tenant=tenant)
    cursor = decode_values(after, (dt.datetime.fromisoformat, str, int)) if after else None
    search = _search(tenant, filters.q, team) if filters.q.strip() else None
    keys = _page_keys(tenant, filters, search, cursor, per_page)
    more = len(keys) > per_page
    keys = keys[:per_page]
    entries = _read(keys) if keys else []
    _describe(tenant, entries, team)
    next_cursor = encode_cursor(list(keys[-1])) if more else None
    return KeysetPage(items=entries, next_cursor=next_cursor)


def audit_team(*, tenant: Tenant) -> dict:
    """{user id: user} of the team, in name order: the "who" filter's choices, and the names of
    the entries (one query for both)."""
    members = Membership.objects.filter(tenant=tenant).select_related("user")
    ordered = sorted((m.user for m in members), key=lambda u: (u.full_name, u.email))
    return {user.pk: user for user in ordered}


def audit_actor_choices(*, team: dict) -> list[tuple[str, str]]:
    return [(str(pk), str(user)) for pk, user in team.items()] + [(SYSTEM, _("System"))]


def audit_kind_choices() -> list[tuple[str, str]]:
    """The "what" filter's choices: each app's kinds (crm.audit)."""
    return [(key, str(kind.label)) for key, kind in audit_kinds().items()]


# --- Names people use (each app's readers: crm.audit) --------------------------------------------


def _names(tenant: Tenant, wanted: dict[str, set], team: dict) -> dict[str, dict]:
    """{reference: {id: row}} for every id the entries point at, one query per kind."""
    found: dict[str, dict] = {}
    for key, reference in audit_references().items():
        model = model_or_none(reference.model)
        ids = {int(i) for i in wanted.get(key, ()) if str(i).isdigit()}
        if model is None or not ids:
            found[key] = {}
        elif key == "user":
            found[key] = {pk: team[pk] for pk in ids if pk in team}
            missing = ids - found[key].keys()
            found[key] |= model.objects.in_bulk(missing) if missing else {}
        else:
            rows = model.objects.filter(tenant=tenant, pk__in=ids)
            if reference.related:
                rows = rows.select_related(*reference.related)
            found[key] = {row.pk: row for row in rows}
    return found


@functools.cache
def _reference_columns(label: str) -> dict[str, str]:
    """{column: reference key} of the ids a model's rows hold: `<key>_id`, and each foreign key
    to a model a reference names (created_by_id names a user)."""
    tracked = model_or_none(label)
    if tracked is None:
        return {}
    references = audit_references()
    by_model = {reference.model: key for key, reference in references.items()}
    fields = [f for f in tracked._meta.concrete_fields if f.is_relation]
    columns = {f.column: by_model.get(f.related_model._meta.label) for f in fields}
    columns |= {f"{key}_id": key for key in references if f"{key}_id" in columns}
    return {column: key for column, key in columns.items() if key}


def _wanted(entries: list[AuditEntry]) -> dict[str, set]:
    wanted: dict[str, set] = defaultdict(set)
    for entry in entries:
        for column, key in _reference_columns(entry.pgh_obj_model).items():
            for data in (entry.pgh_data, entry.previous or {}):
                if data.get(column) is not None:
                    wanted[key].add(data[column])
        # The actors and the team members named are users alike: one query for both.
        actor = (entry.pgh_context or {}).get("user")
        if actor is not None:
            wanted["user"].add(actor)
    return wanted


def _changes(entry: AuditEntry, values: AuditValues) -> list[AuditChange]:
    if entry.pgh_label != "update" or entry.previous is None:
        return []
    history = _histories()[entry.pgh_obj_model]
    model = entry.pgh_obj_model
    return [
        AuditChange(
            values.label(model, column),
            values.shown(model, column, entry.previous.get(column)),
            values.shown(model, column, entry.pgh_data.get(column)),
        )
        for column in history.shown
        if column in entry.previous and entry.previous[column] != entry.pgh_data.get(column)
    ]


def _describe(tenant: Tenant, entries: list[AuditEntry], team: dict) -> None:
    names = _names(tenant, _wanted(entries), team)
    by_model = {reference.model: key for key, reference in audit_references().items()}
    values = AuditValues(tenant, names, by_model)
    for entry in entries:
        row = AuditRow(entry=entry, data=entry.pgh_data, names=names, values_read=values)
        entry.actor = names["user"].get((entry.pgh_context or {}).get("user"))
        entry.action = row.verb
        entry.sentence = audit_reader(row.model)(row)
        entry.changes = _changes(entry, values)
