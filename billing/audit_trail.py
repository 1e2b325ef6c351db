"""How invoices, credit notes, their lines and the invoice settings read in the audit trail (see
crm.audit). The customer link's token is never recorded (`@audited(untracked=…)` in
billing.models)."""

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


def _job(row: AuditRow) -> str:
    lead = row.named("lead")
    return f"{lead.reference} ({lead.contact.display_name})" if lead else _("a deleted lead")


def _invoice(row: AuditRow) -> str:
    number = row.data.get("number") or ""
    values = row.values(number=number, lead=_job(row))
    if row.data.get("series") == "credit_note":
        return _("Credit note %(number)s for %(lead)s %(verb)s") % values
    if number:
        return _("Invoice %(number)s for %(lead)s %(verb)s") % values
    return _("Draft invoice for %(lead)s %(verb)s") % values


def _settings(row: AuditRow) -> str:
    return _("Invoice settings %(verb)s") % row.values()


def _line(row: AuditRow) -> str:
    invoice = row.named("invoice")
    name = invoice.number if invoice and invoice.number else _("a draft invoice")
    values = row.values(description=row.data.get("description") or "", invoice=name)
    return _("Line “%(description)s” of %(invoice)s %(verb)s") % values


register_audit_kinds(
    AuditKind(
        "invoices",
        gettext_lazy("Invoices and credit notes"),
        ("billing.Invoice", "billing.InvoiceLine", "billing.BillingSettings"),
    )
)
# Read with its job: an invoice is named by its number, a draft by its job's reference.
register_audit_references(AuditReference("invoice", "billing.Invoice", related=("lead",)))
register_audit_readers(
    {
        "billing.Invoice": _invoice,
        "billing.InvoiceLine": _line,
        "billing.BillingSettings": _settings,
    }
)
register_audit_labels(
    {
        "created_at": gettext_lazy("Created at"),
        "credit_note_prefix": gettext_lazy("Credit note number prefix"),
        "invoice_at_stage": gettext_lazy("Invoice the accepted quote when a job enters"),
        "invoice_prefix": gettext_lazy("Invoice number prefix"),
        "payment_terms_days": gettext_lazy("Payment terms (days)"),
        "reminder_days_before_due": gettext_lazy("Days before the due date"),
        "reminder_every_days": gettext_lazy("Then every … days after the due date"),
        "reminders_max": gettext_lazy("Reminders per invoice, at most"),
        "credits": gettext_lazy("Cancels invoice"),
        "due_on": gettext_lazy("Due date"),
        "invoice": gettext_lazy("Invoice"),
        "issued_on": gettext_lazy("Invoice date"),
        "quantity": gettext_lazy("Quantity"),
        "quote": gettext_lazy("Quote"),
        "claim": gettext_lazy("Insurance claim"),
        "is_depreciation": gettext_lazy("Recoverable depreciation"),
        "payer": gettext_lazy("Payer"),
        "sent_via": gettext_lazy("Sent by"),
        "schedule_kind": gettext_lazy("Instalment"),
        "schedule_position": gettext_lazy("Instalment number"),
        "series": gettext_lazy("Series"),
        "tax_amount": gettext_lazy("Tax amount"),
        "tax_name": gettext_lazy("Tax rate"),
        "tax_percent": gettext_lazy("Tax percent"),
        "unit_price": gettext_lazy("Unit price"),
        "void_reason": gettext_lazy("Why void"),
        "voided_at": gettext_lazy("Voided at"),
    }
)
register_audit_names(
    {
        "billing.Invoice": gettext_lazy("Invoice"),
        "billing.InvoiceLine": gettext_lazy("Invoice line"),
        "billing.BillingSettings": gettext_lazy("Invoice settings"),
    }
)
