"""How the leads app's audited models read in the audit trail (see crm.audit)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.audit import (
    AuditKind,
    AuditReference,
    AuditRow,
    register_audit_kinds,
    register_audit_labels,
    register_audit_names,
    register_audit_readers,
    register_audit_references,
)
from leads.models import Lead
from leads.selectors.search import leads_matching


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
    values = row.values(lead=_job(row), amount=row.shown("amount"))
    return _("Payment of %(amount)s for %(lead)s %(verb)s") % values


register_audit_kinds(
    AuditKind(
        "pipelines",
        gettext_lazy("Pipelines, stages and sources"),
        ("leads.Pipeline", "leads.Stage", "leads.LeadSource"),
    ),
    AuditKind("money", gettext_lazy("Quotes and payments"), ("leads.Quote", "leads.Payment")),
)


def _leads_named(tenant, text: str):
    """The leads the lead list's search box finds for the text: by customer, L-number …"""
    return leads_matching(Lead.objects.filter(tenant=tenant), text).values("pk")


register_audit_references(
    AuditReference("pipeline", "leads.Pipeline"),
    AuditReference("stage", "leads.Stage"),
    AuditReference("source", "leads.LeadSource"),
    AuditReference("lead", "leads.Lead", related=("contact",), search=_leads_named),
)
register_audit_readers({"leads.Stage": _stage, "leads.Quote": _quote, "leads.Payment": _payment})
register_audit_labels(
    {
        "amount": gettext_lazy("Amount"),
        "customer_label": gettext_lazy("Name the customer sees"),
        "decided_at": gettext_lazy("Decided at"),
        "decided_by_name": gettext_lazy("Decided by"),
        "default_cost": gettext_lazy("Default cost"),
        "delay_unit": gettext_lazy("Delay unit"),
        "is_lost": gettext_lazy("Lost stage"),
        "is_terminal": gettext_lazy("Final stage"),
        "is_won": gettext_lazy("Won stage"),
        "lead": gettext_lazy("Lead"),
        "lead_type": gettext_lazy("Lead type"),
        "message": gettext_lazy("Message"),
        "method": gettext_lazy("Method"),
        "moves_on": gettext_lazy("Moves on"),
        "orange_after": gettext_lazy("Orange after"),
        "phase": gettext_lazy("Phase"),
        "pipeline": gettext_lazy("Pipeline"),
        "priority_points": gettext_lazy("Priority points"),
        "public_token": gettext_lazy("Customer link"),
        "received_on": gettext_lazy("Received on"),
        "recorded_by": gettext_lazy("Recorded by"),
        "red_after": gettext_lazy("Red after"),
        "reference": gettext_lazy("Reference"),
        "rejection_note": gettext_lazy("Rejection note"),
        "rejection_reason": gettext_lazy("Rejection reason"),
        "sent_at": gettext_lazy("Sent at"),
        "show_in_portal": gettext_lazy("Shown in the portal"),
        "total": gettext_lazy("Total"),
        "subtotal": gettext_lazy("Subtotal"),
        "discount_total": gettext_lazy("Discount"),
        "tax_total": gettext_lazy("Tax"),
        "deposit_total": gettext_lazy("Deposit"),
        "discount_kind": gettext_lazy("Discount kind"),
        "discount_value": gettext_lazy("Discount (percent or amount)"),
        "deposit_kind": gettext_lazy("Deposit kind"),
        "deposit_value": gettext_lazy("Deposit (percent or amount)"),
        "progress_percents": gettext_lazy("Progress payments (percent of the total)"),
        "valid_until": gettext_lazy("Valid until"),
        "viewed_at": gettext_lazy("Viewed at"),
    }
)
register_audit_names(
    {
        "leads.LeadSource": gettext_lazy("Lead source"),
        "leads.Payment": gettext_lazy("Payment"),
        "leads.Pipeline": gettext_lazy("Pipeline"),
        "leads.Quote": gettext_lazy("Quote"),
        "leads.Stage": gettext_lazy("Stage"),
    }
)
