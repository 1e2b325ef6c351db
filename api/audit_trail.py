"""How API keys read in the audit trail (see crm.audit)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.audit import (
    AuditKind,
    AuditRow,
    register_audit_kinds,
    register_audit_labels,
    register_audit_names,
    register_audit_readers,
)


def _api_key(row: AuditRow) -> str:
    values = row.values(name=row.data.get("name", ""))
    if row.action == "update" and row.data.get("revoked_at"):
        return _("API key “%(name)s” revoked") % values
    return _("API key “%(name)s” %(verb)s") % values


# One choice with webhooks' endpoints (webhooks/audit_trail.py adds them).
register_audit_kinds(
    AuditKind("integrations", gettext_lazy("API keys and webhooks"), ("api.ApiKey",))
)
register_audit_readers({"api.ApiKey": _api_key})
register_audit_labels(
    {
        "prefix": gettext_lazy("Prefix"),
        "revoked_at": gettext_lazy("Revoked at"),
        "scope": gettext_lazy("Scope"),
    }
)
register_audit_names(
    {
        "api.ApiKey": gettext_lazy("API key"),
    }
)
