"""How the leads app's audited models read in the audit trail (see crm.audit)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.audit import (
    AuditKind,
    AuditReference,
    AuditRow,
    register_audit_kinds,
    register_audit_readers,
    register_audit_references,
)


def _stage(row: AuditRow) -> str:
    pipeline = row.named("pipeline")
    values = row.values(name=row.data.get("name", ""), pipeline=pipeline.name if pipeline else "?")
    return _("Stage %(name)s of %(pipeline)s %(verb)s") % values


def _job(row: AuditRow) -> str:
    lead = row.named("lead")
    return f"{lead.reference} ({lead.contact.display_name})" if lead else _("a deleted lead")


def _quote(row: AuditRow) -> str:
    values = row.values(lead=_job(row), title=row.data.get("title") or _("Quote"))
    return _("Quote “%(title)s” for %(lead)s %(verb)s") % values


def _payment(row: AuditRow) -> str:
    values = row.values(lead=_job(row), amount=row.data.get("amount", ""))
    return _("Payment of %(amount)s for %(lead)s %(verb)s") % values


register_audit_kinds(
    AuditKind(
        "pipelines",
        gettext_lazy("Pipelines, stages and sources"),
        ("leads.Pipeline", "leads.Stage", "leads.LeadSource"),
    ),
    AuditKind("money", gettext_lazy("Quotes and payments"), ("leads.Quote", "leads.Payment")),
)
register_audit_references(
    AuditReference("pipeline", "leads.Pipeline"),
    AuditReference("lead", "leads.Lead", related=("contact",)),
)
register_audit_readers({"leads.Stage": _stage, "leads.Quote": _quote, "leads.Payment": _payment})
