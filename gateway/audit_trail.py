"""How the payment account reads in the audit trail (see crm.audit). Its secrets are never
recorded (`@audited(untracked=…)` in gateway.models)."""

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


def _account(row: AuditRow) -> str:
    values = row.values(provider=row.data.get("provider", ""))
    return _("Online payments account (%(provider)s) %(verb)s") % values


register_audit_kinds(
    AuditKind("payments", gettext_lazy("Online payments"), ("gateway.PaymentAccount",))
)
register_audit_readers({"gateway.PaymentAccount": _account})
register_audit_labels(
    {
        "provider": gettext_lazy("Provider"),
        "publishable_key": gettext_lazy("Publishable key"),
        "methods": gettext_lazy("Payment methods"),
        "is_enabled": gettext_lazy("Accept online payments"),
        "token": gettext_lazy("Webhook URL token"),
    }
)
register_audit_names({"gateway.PaymentAccount": gettext_lazy("Online payments account")})
