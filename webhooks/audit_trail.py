"""How webhook endpoints read in the audit trail (see crm.audit)."""

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
from crm.kit.stored_text import stored_render


def _endpoint(row: AuditRow) -> str:
    data = row.data
    values = row.values(url=data.get("url", ""))
    if row.action == "update" and data.get("disabled_reason"):
        values["reason"] = stored_render(
            data["disabled_reason"], data.get("disabled_reason_params")
        )
        return _("Webhook endpoint %(url)s disabled: %(reason)s") % values
    return _("Webhook endpoint %(url)s %(verb)s") % values


# One choice with the API's keys (api/audit_trail.py adds them).
register_audit_kinds(
    AuditKind("integrations", gettext_lazy("API keys and webhooks"), ("webhooks.WebhookEndpoint",))
)
register_audit_readers({"webhooks.WebhookEndpoint": _endpoint})
register_audit_labels(
    {
        "disabled_at": gettext_lazy("Disabled at"),
        "disabled_reason": gettext_lazy("Why disabled"),
        "disabled_reason_params": gettext_lazy("Why disabled (details)"),
        "events": gettext_lazy("Events"),
        "is_enabled": gettext_lazy("Enabled"),
        "url": gettext_lazy("URL"),
    }
)
register_audit_names(
    {
        "webhooks.WebhookEndpoint": gettext_lazy("Webhook endpoint"),
    }
)
