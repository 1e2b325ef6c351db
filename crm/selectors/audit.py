"""Reads of the audit history (django-pghistory events) of every audited model: filtered by who,
what and when, searched, paged by keyset, and named as people know the things changed
("Consent for SMS granted for Casey Morgan", not "Created contact consent #26").

The audited models live in every app (templates in messaging, triggers in automation …); each
app declares how its rows read in its `audit_trail.py` (crm.audit), so the core names no app
above it.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.apps import apps
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext as _
from pghistory.models import Event, Events

from crm.audit import AuditRow, audit_kinds, audit_reader, audit_references, model_or_none
from crm.models import Contact, Membership, Tenant
from crm.pagination import KeysetPage, keyset_page

AUDIT_PER_PAGE = 50
AUDIT_ORDER = ("-pgh_created_at", "-pgh_slug")
AUDIT_HIDDEN_FIELDS = {"id", "tenant_id", "updated_at", "created_at", "search_vector"}

SYSTEM = "system"


@dataclass(frozen=True)
class AuditFilters:
    who: str = ""  # a user's id, or "system"
    what: str = ""  # a key of crm.audit.audit_kinds()
    since: dt.date | None = None
    until: dt.date | None = None
    q: str = ""


def _event_models() -> list[type[Event]]:
    return [
        model
        for model in apps.get_models()
        if issubclass(model, Event)
        and getattr(model, "pgh_tracked_model", None) is not None
        and (
            model.pgh_tracked_model is Tenant
            or any(f.name == "tenant" for f in model.pgh_tracked_model._meta.fields)
        )
    ]


def _words(text: str) -> list[str]:
    return [word for word in text.split() if word][:5]


def _search(tenant: Tenant, q: str) -> Q:
    """Every word in the row's data, or naming the contact or team member the row is about."""
    condition = Q()
    for word in _words(q):
        contacts = list(
            Contact.objects.filter(tenant=tenant)
            .filter(
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(company_name__icontains=word)
            )
            .values_list("pk", flat=True)[:500]
        )
        users = list(
            Membership.objects.filter(tenant=tenant, user__full_name__icontains=word).values_list(
                "user_id", flat=True
            )
        )
        condition &= (
            Q(data_text__icontains=word)
            | Q(pgh_data__contact_id__in=contacts)
            | Q(pgh_obj_model="crm.Contact", pgh_obj_id__in=[str(pk) for pk in contacts])
            | Q(pgh_data__user_id__in=users)
        )
    return condition


def audit_page(
    *,
    tenant: Tenant,
    filters: AuditFilters,
    after: str | None,
    per_page: int = AUDIT_PER_PAGE,
    team: dict | None = None,
) -> KeysetPage:
    """One page of the tenant's audit trail, newest first, each entry described."""
    own_rows = Q(pgh_data__tenant_id=tenant.pk) | Q(
        pgh_obj_model=Tenant._meta.label, pgh_obj_id=str(tenant.pk)
    )
    events = Events.objects.across(*_event_models()).filter(own_rows)
    if filters.who == SYSTEM:
        events = events.filter(Q(pgh_context__isnull=True) | Q(pgh_context__user__isnull=True))
    elif filters.who.isdigit():
        events = events.filter(pgh_context__user=int(filters.who))
    kind = audit_kinds().get(filters.what)
    if kind is not None:
        events = events.filter(pgh_obj_model__in=kind.models)
    zone = tenant.zone
    if filters.since:
        start = dt.datetime.combine(filters.since, dt.time.min, tzinfo=zone)
        events = events.filter(pgh_created_at__gte=start)
    if filters.until:
        end = dt.datetime.combine(filters.until + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        events = events.filter(pgh_created_at__lt=end)
    if filters.q.strip():
        events = events.annotate(data_text=Cast("pgh_data", TextField())).filter(
            _search(tenant, filters.q)
        )
    page = keyset_page(events, order=AUDIT_ORDER, after=after, per_page=per_page)
    _describe(tenant, page.items, team if team is not None else audit_team(tenant=tenant))
    return page


def audit_entries(*, tenant: Tenant, limit: int = AUDIT_PER_PAGE) -> list:
    """The newest `limit` entries, described (the first page without filters)."""
    return audit_page(tenant=tenant, filters=AuditFilters(), after=None, per_page=limit).items


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


def _describe(tenant: Tenant, entries: list, team: dict) -> None:
    references = audit_references()
    wanted: dict[str, set] = defaultdict(set)
    actor_ids = set()
    for entry in entries:
        data = entry.pgh_data or {}
        for key in references:
            if data.get(f"{key}_id") is not None:
                wanted[key].add(data[f"{key}_id"])
        actor_ids.add((entry.pgh_context or {}).get("user"))
    # The actors and the team members named are users alike: one query for both.
    wanted["user"] |= actor_ids - {None}
    names = _names(tenant, wanted, team)
    actors = names["user"]
    for entry in entries:
        row = AuditRow(entry=entry, data=entry.pgh_data or {}, names=names)
        entry.actor = actors.get((entry.pgh_context or {}).get("user"))
        entry.action = row.verb
        entry.sentence = audit_reader(row.model)(row)
        entry.changes = {
            field: change
            for field, change in (entry.pgh_diff or {}).items()
            if field not in AUDIT_HIDDEN_FIELDS
        }
