"""The titles of grouped notifications ("25 follow-ups were missed today"), shown in the reader's
language when the notification is read (crm.models.Notification.shown_title)."""

from django.utils.translation import gettext, ngettext_lazy

# The title of a group of `count` alerts, by group key (by default the kind). A key missing here
# reads "<latest alert> (and N more)".
GROUP_TITLES = {
    "lead_assigned": ngettext_lazy(
        "%(count)d new lead for you today", "%(count)d new leads for you today", "count"
    ),
    "lead_needs_owner": ngettext_lazy(
        "%(count)d new lead needs an owner", "%(count)d new leads need an owner", "count"
    ),
    "lead_stuck": ngettext_lazy(
        "%(count)d lead of yours is stuck in its stage",
        "%(count)d leads of yours are stuck in their stage",
        "count",
    ),
    # Speed to lead: a new lead nobody contacted within the alert time (the dashboard's "New
    # leads not contacted" counts the same clock).
    "lead_untouched": ngettext_lazy(
        "%(count)d new lead has not been contacted",
        "%(count)d new leads have not been contacted",
        "count",
    ),
    # A live lead whose customer has gone uncontacted past its stage's threshold (the dashboard's
    # "Neglected leads"): a different clock, so a group of its own.
    "lead_neglected": ngettext_lazy(
        "%(count)d lead was flagged as neglected today",
        "%(count)d leads were flagged as neglected today",
        "count",
    ),
    "customer_replied": ngettext_lazy(
        "%(count)d customer reply today", "%(count)d customer replies today", "count"
    ),
    "payment_received": ngettext_lazy(
        "%(count)d payment received today", "%(count)d payments received today", "count"
    ),
    "ticket_assigned": ngettext_lazy(
        "%(count)d ticket assigned to you today", "%(count)d tickets assigned to you today", "count"
    ),
    "ticket_priority": ngettext_lazy(
        "%(count)d ticket of yours was raised in priority",
        "%(count)d tickets of yours were raised in priority",
        "count",
    ),
    "sla_breach": ngettext_lazy(
        "%(count)d ticket breached its SLA today",
        "%(count)d tickets breached their SLA today",
        "count",
    ),
    "follow_up_due": ngettext_lazy(
        "%(count)d follow-up is due", "%(count)d follow-ups are due", "count"
    ),
    "follow_up_missed": ngettext_lazy(
        "%(count)d follow-up was missed today", "%(count)d follow-ups were missed today", "count"
    ),
    "message_failed": ngettext_lazy(
        "%(count)d message could not be sent", "%(count)d messages could not be sent", "count"
    ),
}


def group_title(key: str, count: int, latest_title: str) -> str:
    title = GROUP_TITLES.get(key)
    if title is None:
        return gettext("%(title)s (and %(more)d more)") % {
            "title": latest_title,
            "more": count - 1,
        }
    return title % {"count": count}
