"""The follow-ups app's models in the audit trail's filter (see crm.audit); they read as any
named model does."""

from django.utils.translation import gettext_lazy

from crm.audit import AuditKind, register_audit_kinds

register_audit_kinds(
    AuditKind(
        "followups",
        gettext_lazy("Follow-up types, templates and settings"),
        ("followups.FollowUpType", "followups.FollowUpTemplate", "followups.FollowUpSettings"),
    ),
)
