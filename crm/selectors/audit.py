"""Reads of the audit history (django-pghistory events) of the audited apps."""

from django.apps import apps
from django.db.models import Q
from pghistory.models import Event, Events

from crm.models import Tenant, User

AUDIT_ENTRIES_SHOWN = 100
AUDITED_APPS = ("crm", "leads", "tickets")


def audit_entries(*, tenant: Tenant, limit: int = AUDIT_ENTRIES_SHOWN) -> list:
    """Who changed what, newest first: the tenant's profile and every tracked tenant-owned row."""
    event_models = [
        model
        for model in apps.get_models()
        if issubclass(model, Event) and model.pgh_tracked_model._meta.app_label in AUDITED_APPS
    ]
    own_rows = Q(pgh_data__tenant_id=tenant.pk) | Q(
        pgh_obj_model=Tenant._meta.label, pgh_obj_id=str(tenant.pk)
    )
    entries = list(
        Events.objects.across(*event_models).filter(own_rows).order_by("-pgh_created_at")[:limit]
    )
    actor_ids = {entry.pgh_context.get("user") for entry in entries if entry.pgh_context} - {None}
    actors = User.objects.in_bulk(actor_ids)
    for entry in entries:
        entry.actor = actors.get((entry.pgh_context or {}).get("user"))
        entry.action = AUDIT_ACTIONS.get(entry.pgh_label, entry.pgh_label)
        entry.subject = _audit_subject(entry)
        entry.changes = {
            field: change
            for field, change in (entry.pgh_diff or {}).items()
            if field not in AUDIT_HIDDEN_FIELDS
        }
    return entries


AUDIT_ACTIONS = {"insert": "Created", "update": "Changed", "delete": "Deleted"}
AUDIT_HIDDEN_FIELDS = {"id", "tenant_id", "updated_at", "created_at"}


def _audit_subject(entry) -> str:
    model = apps.get_model(entry.pgh_obj_model)
    data = entry.pgh_data or {}
    name = (
        data.get("name")
        or data.get("email")
        or " ".join(filter(None, (data.get("first_name"), data.get("last_name"))))
        or data.get("company_name")
        or data.get("address_line1")
        or f"#{entry.pgh_obj_id}"
    )
    return f"{model._meta.verbose_name} {name}"
