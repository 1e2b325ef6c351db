"""How the messaging app's audited models read in the audit trail (see crm.audit)."""

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


def _template(row: AuditRow) -> str:
    return _("Message template “%(name)s” %(verb)s") % row.values(name=row.data.get("name", ""))


def _variant(row: AuditRow) -> str:
    template = row.named("template")
    values = row.values(
        channel=row.choice("channel"),
        language=row.choice("language"),
        template=template.name if template else "?",
    )
    return _("%(channel)s version (%(language)s) of template “%(template)s” %(verb)s") % values


register_audit_kinds(
    AuditKind(
        "templates",
        gettext_lazy("Message templates and delivery settings"),
        ("comms.MessageTemplate", "comms.TemplateVariant", "comms.CommsSettings"),
    ),
)
register_audit_references(AuditReference("template", "comms.MessageTemplate"))
register_audit_readers({"comms.MessageTemplate": _template, "comms.TemplateVariant": _variant})
register_audit_labels(
    {
        "body_html": gettext_lazy("HTML body"),
        "body_text": gettext_lazy("Text body"),
        "duplicate_window_hours": gettext_lazy("Duplicate window (hours)"),
        "key": gettext_lazy("Key"),
        "purpose": gettext_lazy("Purpose"),
        "quiet_hours": gettext_lazy("Quiet hours"),
        "subject": gettext_lazy("Subject"),
        "template": gettext_lazy("Template"),
        "update_interval_days": gettext_lazy("Update interval (days)"),
        "update_template": gettext_lazy("Update template"),
        "weekly_caps": gettext_lazy("Weekly caps"),
        "whatsapp_approved": gettext_lazy("Approved for WhatsApp"),
        "whatsapp_content_sid": gettext_lazy("WhatsApp content SID"),
    }
)
register_audit_names(
    {
        "comms.CommsSettings": gettext_lazy("Message settings"),
        "comms.MessageTemplate": gettext_lazy("Message template"),
        "comms.TemplateVariant": gettext_lazy("Template wording"),
    }
)
