"""How the tickets app's audited models read in the audit trail (see crm.audit)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.audit import AuditKind, AuditRow, register_audit_kinds, register_audit_readers


def _sla_policy(row: AuditRow) -> str:
    return _("SLA for %(priority)s priority %(verb)s") % row.values(priority=row.choice("priority"))


register_audit_kinds(
    AuditKind(
        "inboxes",
        gettext_lazy("Inboxes and SLAs"),
        ("tickets.Inbox", "tickets.SlaPolicy", "tickets.InboxSettings"),
    ),
)
register_audit_readers({"tickets.SlaPolicy": _sla_policy})
