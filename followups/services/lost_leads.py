"""A lost lead closes its follow-ups: the ones still to do (pending, in progress, missed) are
cancelled with the reason the lead was lost, and its recurring series end, so nobody is reminded
to call a customer who said no and the missed sweep does not count them against the rep.

Follow-ups a trigger made are automation's to close (it keeps an escalation to a manager open);
this runs before the lost lead's own triggers, so what they schedule (a win-back call) stays."""

from django.db import transaction
from django.utils import timezone

from crm.kit.languages import in_english
from crm.models import Tenant, User
from followups.models import FollowUp, FollowUpSeries, Source, Status
from followups.services.followups import follow_up_cancel
from followups.services.recurrence import series_end
from leads.models import Lead, LostReason

TO_CLOSE = (Status.PENDING, Status.IN_PROGRESS, Status.MISSED)


def lost_reason_note(reason: str) -> str:
    """What a closed follow-up records: "The lead was lost (Chose a competitor)"."""
    label = in_english(LostReason(reason).label) if reason in LostReason.values else reason
    return f"The lead was lost ({label})" if label else "The lead was lost"


@transaction.atomic
def follow_ups_close_for_lost_lead(
    *, tenant: Tenant, actor: User | None, lead: Lead, reason: str
) -> int:
    """Close the lost lead's open and missed follow-ups, end its series. Returns how many
    follow-ups were closed."""
    note = lost_reason_note(reason)
    now = timezone.now()
    for series in FollowUpSeries.objects.filter(tenant=tenant, lead=lead, is_active=True).order_by(
        "pk"
    ):
        series_end(tenant=tenant, actor=actor, series=series, now=now)
    open_ones = (
        FollowUp.objects.filter(tenant=tenant, lead=lead, status__in=TO_CLOSE)
        .exclude(source=Source.TRIGGER)
        .order_by("scheduled_at", "pk")
    )
    closed = 0
    for follow_up in open_ones:
        follow_up_cancel(tenant=tenant, actor=actor, follow_up=follow_up, reason=note)
        closed += 1
    return closed
