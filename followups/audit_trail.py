"""The follow-ups app's models in the audit trail's filter (see crm.audit); they read as any
named model does."""

from django.utils.translation import gettext_lazy

from crm.audit import AuditKind, register_audit_kinds, register_audit_labels, register_audit_names

register_audit_kinds(
    AuditKind(
        "followups",
        gettext_lazy("Follow-up types, templates and settings"),
        ("followups.FollowUpType", "followups.FollowUpTemplate", "followups.FollowUpSettings"),
    ),
)
register_audit_labels(
    {
        "at_time": gettext_lazy("Time"),
        "days_after": gettext_lazy("Days after"),
        "is_builtin": gettext_lazy("Built in"),
        "manager_alert_after_days": gettext_lazy("Manager alert after (days)"),
        "neglect_after_days": gettext_lazy("Neglected after (days)"),
        "reminder_offsets": gettext_lazy("Reminders"),
        "type": gettext_lazy("Type"),
    }
)
register_audit_names(
    {
        "followups.FollowUpSettings": gettext_lazy("Follow-up settings"),
        "followups.FollowUpTemplate": gettext_lazy("Follow-up template"),
        "followups.FollowUpType": gettext_lazy("Follow-up type"),
    }
)
