"""How the tickets app's audited models read in the audit trail (see crm.audit)."""

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
register_audit_labels(
    {
        "address": gettext_lazy("Address"),
        "default_priority": gettext_lazy("Default priority"),
        "escalate_to_manager_after_minutes": gettext_lazy("Escalate to a manager after (minutes)"),
        "first_response_minutes": gettext_lazy("First response (minutes)"),
        "inbox": gettext_lazy("Inbox"),
        "next_response_minutes": gettext_lazy("Next response (minutes)"),
        "priority": gettext_lazy("Priority"),
        "priority_keywords": gettext_lazy("Priority keywords"),
        "sentiment_threshold": gettext_lazy("Sentiment threshold"),
        "team_lead": gettext_lazy("Team lead"),
        "thread_window_days": gettext_lazy("Thread window (days)"),
        "twilio_account_sid": gettext_lazy("Twilio account SID"),
        "vip_after_won_jobs": gettext_lazy("VIP after won jobs"),
    }
)
register_audit_names(
    {
        "tickets.Inbox": gettext_lazy("Inbox"),
        "tickets.InboxAddress": gettext_lazy("Inbox address"),
        "tickets.InboxSettings": gettext_lazy("Inbox settings"),
        "tickets.SlaPolicy": gettext_lazy("SLA policy"),
    }
)
