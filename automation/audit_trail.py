"""How automation's audited models read in the audit trail (see crm.audit)."""

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


def _trigger(row: AuditRow) -> str:
    return _("Trigger “%(name)s” %(verb)s") % row.values(name=row.data.get("name", ""))


def _trigger_step(row: AuditRow) -> str:
    trigger = row.named("trigger")
    values = row.values(
        position=(row.data.get("position") or 0) + 1, trigger=trigger.name if trigger else "?"
    )
    return _("Step %(position)s of trigger “%(trigger)s” %(verb)s") % values


def _sequence(row: AuditRow) -> str:
    return _("Sequence “%(name)s” %(verb)s") % row.values(name=row.data.get("name", ""))


register_audit_kinds(
    AuditKind(
        "automation",
        gettext_lazy("Triggers and sequences"),
        ("automation.Trigger", "automation.TriggerStep", "automation.Sequence"),
    ),
)
register_audit_references(
    AuditReference("trigger", "automation.Trigger"),
    AuditReference("sequence", "automation.Sequence"),
)
register_audit_readers(
    {
        "automation.Trigger": _trigger,
        "automation.TriggerStep": _trigger_step,
        "automation.Sequence": _sequence,
    }
)
register_audit_labels(
    {
        "action": gettext_lazy("Action"),
        "channel_choice": gettext_lazy("Channel choice"),
        "channels": gettext_lazy("Channels"),
        "date_field": gettext_lazy("Date field"),
        "delay_minutes": gettext_lazy("Delay (minutes)"),
        "event": gettext_lazy("Event"),
        "follow_up_kind": gettext_lazy("Follow-up type"),
        "follow_up_subject": gettext_lazy("Follow-up subject"),
        "min_priority": gettext_lazy("Minimum priority"),
        "offset_minutes": gettext_lazy("Offset (minutes)"),
        "only_while_in_stage": gettext_lazy("Only while in the stage"),
        "repeat_every_days": gettext_lazy("Repeat every (days)"),
        "sequence": gettext_lazy("Sequence"),
        "stage": gettext_lazy("Stage"),
        "trigger": gettext_lazy("Trigger"),
    }
)
register_audit_names(
    {
        "automation.Sequence": gettext_lazy("Sequence"),
        "automation.Trigger": gettext_lazy("Trigger"),
        "automation.TriggerStep": gettext_lazy("Trigger step"),
    }
)
