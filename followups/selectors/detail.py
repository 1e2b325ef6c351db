"""One follow-up: its page (notes, reminders, history) and the row a quick action re-renders."""

from dataclasses import dataclass

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext, ngettext

from crm.models import Tenant, TimelineEvent
from followups.models import FollowUp, FollowUpNote, Reminder
from followups.selectors.lists import follow_up_queryset


def follow_up_get(*, tenant: Tenant, follow_up_id: int) -> FollowUp:
    return get_object_or_404(follow_up_queryset(tenant=tenant), pk=follow_up_id)


def offset_label(minutes: int) -> str:
    """How long before the follow-up a reminder goes: "1 day before", "90 minutes before"."""
    if minutes == 0:
        return gettext("At the time")
    if minutes % 10080 == 0:
        count = minutes // 10080
        text = ngettext("%(count)s week before", "%(count)s weeks before", count)
    elif minutes % 1440 == 0:
        count = minutes // 1440
        text = ngettext("%(count)s day before", "%(count)s days before", count)
    elif minutes % 60 == 0:
        count = minutes // 60
        text = ngettext("%(count)s hour before", "%(count)s hours before", count)
    else:
        count = minutes
        text = ngettext("%(count)s minute before", "%(count)s minutes before", count)
    return text % {"count": count}


@dataclass(frozen=True)
class FollowUpDetail:
    follow_up: FollowUp
    notes: list[FollowUpNote]
    reminders: list[Reminder]
    history: list[TimelineEvent]


def follow_up_detail(*, tenant: Tenant, follow_up_id: int) -> FollowUpDetail:
    follow_up = get_object_or_404(
        follow_up_queryset(tenant=tenant).select_related(
            "ticket", "quote__lead", "property", "created_by", "series"
        ),
        pk=follow_up_id,
    )
    notes = list(
        FollowUpNote.objects.filter(tenant=tenant, follow_up=follow_up).select_related("author")
    )
    reminders = list(
        Reminder.objects.filter(tenant=tenant, follow_up=follow_up).order_by("remind_at", "channel")
    )
    for reminder in reminders:
        reminder.offset_label = offset_label(  # type: ignore[attr-defined]  # for the page
            reminder.offset_minutes
        )
    # Its services record every change on the contact's timeline with the follow-up's id.
    history = list(
        TimelineEvent.objects.filter(
            tenant=tenant, contact_id=follow_up.contact_id, detail__follow_up=follow_up.pk
        )
        .select_related("actor")
        .order_by("-occurred_at", "-id")[:100]
    )
    return FollowUpDetail(follow_up=follow_up, notes=notes, reminders=reminders, history=history)
