"""Recurring follow-ups: a series is an RFC 5545 rule (read with dateutil) plus what each occurrence
looks like; its occurrences are FollowUp rows made HORIZON ahead, one per occurrence.

Time: occurrences keep their local wall time across DST. The rule is expanded in the series' time
zone as naive local times (10:00, 10:00, …) and each is then placed in that zone, so a weekly
10:00 call stays at 10:00 in New York when the clocks change (14:00 UTC in summer, 15:00 in
winter). A local time the clocks skip (02:30 on the night they spring forward) lands an hour later.

Edits: "this one" (series_update_one) changes a single row, which stays the occurrence it was.
"The whole series" (series_update) changes the series and its pending future rows; when the timing
changes, those rows move to the new occurrences in order (their notes and reminders go with them),
new occurrences get new rows, and rows left over are cancelled and leave the series. A skipped date
is kept on the series (so it is never made again) and its row is cancelled. Ending a series
cancels its rows after the end.

The rules themselves (checking, expanding, describing) are followups/services/recurrence_rules.py.
"""

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm.kit.stored_text import stored_date
from crm.models import Contact, Membership, Tenant, User
from crm.services.timeline import timeline_record
from followups.models import FollowUp, FollowUpSeries, FollowUpType, Priority, Source, Status
from followups.services.followups import (
    DEFAULT_REMINDERS,
    check_slot_length,
    follow_up_cancel,
    follow_up_create,
    follow_up_type_get,
    follow_up_update,
    lead_next_follow_up_refresh,
    leads_next_follow_up_refresh,
)
from followups.services.recurrence_rules import (
    end_of_day,
    expansion,
    series_describe,
    series_occurrences,
    split_rule,
    zone_of,
)
from followups.services.reminders import (
    reminders_cancel,
    reminders_replace,
    reminders_reschedule,
)

logger = logging.getLogger(__name__)

HORIZON = dt.timedelta(days=60)
# A series is extended when what it has made reaches less than this far beyond the horizon's start.
EXTEND_SLACK = dt.timedelta(days=1)
UNCHANGED = object()


# --- Creating and extending -----------------------------------------------------------------------


def _validate(tenant: Tenant, series: FollowUpSeries) -> None:
    if not series.subject.strip():
        raise ValidationError({"subject": _("A follow-up needs a subject.")})
    if series.count is not None and series.until is not None:
        raise ValidationError(_("End a series after a number of times or on a date, not both."))
    if series.count is not None and series.count < 1:
        raise ValidationError({"count": _("A series happens at least once.")})
    if series.until is not None and series.until < series.starts_at:
        raise ValidationError({"until": _("The series would end before it starts.")})
    if series.contact.tenant_id != tenant.pk:
        raise ValidationError({"contact": _("Choose a contact of this team.")})
    if series.assignee.tenant_id != tenant.pk or not series.assignee.is_active:
        raise ValidationError({"assignee": _("Choose an active member of this team.")})
    for related in (series.lead, series.ticket, series.quote, series.property):
        if related is not None and related.tenant_id != tenant.pk:
            raise ValidationError(_("Link only this team's records."))


def _set_timing(series, *, rule, starts_at, time_zone, until, count) -> None:
    """Rule, start, zone and end onto the series; an end written in the rule wins over none."""
    zone = zone_of(time_zone)
    text, rule_count, rule_until = split_rule(rule, zone)
    if isinstance(until, dt.date) and not isinstance(until, dt.datetime):
        until = end_of_day(until, zone)
    series.rule = text
    series.time_zone = time_zone
    series.starts_at = starts_at
    series.count = count if count is not None else rule_count
    series.until = until if until is not None else rule_until


@transaction.atomic
def series_create(
    *,
    tenant: Tenant,
    actor: User | None,
    subject: str,
    contact: Contact,
    assignee: Membership,
    starts_at: dt.datetime,
    rule: str,
    time_zone: str = "",
    until: dt.date | dt.datetime | None = None,
    count: int | None = None,
    type: FollowUpType | None = None,
    description: str = "",
    priority: str = Priority.MEDIUM,
    duration_minutes: int = 30,
    lead=None,
    ticket=None,
    quote=None,
    property=None,
    reminders: list[tuple[int, str]] | None = None,
    now: dt.datetime | None = None,
) -> FollowUpSeries:
    """A recurring follow-up from `starts_at` (its first time; the time of day every occurrence
    keeps in `time_zone`, by default the assignee's, else the team's) by `rule` (an RRULE, e.g.
    from recurrence_rule), ending after `count` times, on `until` (a date: that whole local day),
    or never. Makes the occurrences of the next HORIZON at once."""
    now = now or timezone.now()
    check_slot_length(duration_minutes)
    series = FollowUpSeries(
        tenant=tenant,
        subject=subject.strip()[:200],
        description=description.strip(),
        type=type or follow_up_type_get(tenant=tenant, key="call"),
        priority=priority,
        duration_minutes=duration_minutes,
        assignee=assignee,
        contact=contact,
        lead=lead,
        ticket=ticket,
        quote=quote,
        property=property,
        reminders=[list(r) for r in (DEFAULT_REMINDERS if reminders is None else reminders)],
        created_by=actor,
        created_at=now,
    )
    _set_timing(
        series,
        rule=rule,
        starts_at=starts_at,
        time_zone=time_zone or assignee.user.time_zone or tenant.time_zone,
        until=until,
        count=count,
    )
    _validate(tenant, series)
    series.save()
    made = _materialise(series, start=now, end=now + HORIZON)
    timeline_record(
        tenant=tenant,
        kind="follow_up.series_created",
        # The rule's description reads in the writer's language (series_describe).
        summary=gettext_noop("Recurring follow-up “%(subject)s”: %(rule)s"),
        params={"subject": series.subject, "rule": series_describe(series)},
        actor=actor,
        contact=contact,
        lead=lead,
        detail={"series": series.pk, "made": made},
    )
    return series


def _make(series: FollowUpSeries, at: dt.datetime) -> FollowUp:
    return follow_up_create(
        tenant=series.tenant,
        actor=series.created_by,
        subject=series.subject,
        description=series.description,
        type=series.type,
        priority=series.priority,
        duration_minutes=series.duration_minutes,
        contact=series.contact,
        assignee=series.assignee,
        lead=series.lead,
        ticket=series.ticket,
        quote=series.quote,
        property=series.property,
        scheduled_at=at,
        reminders=[tuple(reminder) for reminder in series.reminders],
        source=Source.SERIES,
        series=series,
        occurrence_at=at,
    )


def _materialise(series: FollowUpSeries, *, start: dt.datetime, end: dt.datetime) -> int:
    """A row for each occurrence in [start, end] that has none (whatever its status: a done or
    cancelled occurrence is not made again). The caller holds the series."""
    existing = set(
        FollowUp.objects.filter(tenant=series.tenant, series=series).values_list(
            "occurrence_at", flat=True
        )
    )
    made = 0
    for at in series_occurrences(series, after=start, before=end):
        if at not in existing:
            _make(series, at)
            made += 1
    series.generated_until = max(end, series.generated_until or end)
    series.save(update_fields=["generated_until"])
    return made


def _locked(tenant: Tenant, series: FollowUpSeries) -> FollowUpSeries:
    return (
        FollowUpSeries.objects.select_for_update(of=("self",))
        .select_related("tenant", "assignee__user", "contact", "type")
        .get(tenant=tenant, pk=series.pk)
    )


@transaction.atomic
def series_extend(*, tenant: Tenant, series: FollowUpSeries, now: dt.datetime | None = None) -> int:
    """Make the occurrences up to HORIZON from now that are not made yet. Returns how many."""
    now = now or timezone.now()
    series = _locked(tenant, series)
    if not series.is_active:
        return 0
    # From where it got to, not from now: an occurrence that fell in a gap of sweeps that did not
    # run is still made (and the missed sweep takes it from there), but not days of them.
    start = max(series.generated_until or now, now - EXTEND_SLACK)
    return _materialise(series, start=start, end=now + HORIZON)


def series_extend_all(*, tenant: Tenant, now: dt.datetime | None = None) -> int:
    """Extend every active series of the tenant that needs it (beat, hourly). One series that
    cannot be extended (its assignee left the team) is logged and the others go on."""
    now = now or timezone.now()
    due = FollowUpSeries.objects.filter(tenant=tenant, is_active=True).filter(
        Q(generated_until__isnull=True) | Q(generated_until__lt=now + HORIZON - EXTEND_SLACK)
    )
    made = 0
    for series in due.order_by("pk"):
        if (
            series.until is not None
            and series.generated_until
            and series.until < series.generated_until
        ):
            continue  # everything up to its end is made
        try:
            made += series_extend(tenant=tenant, series=series, now=now)
        except ValidationError as error:
            logger.warning("Series %s of %s not extended: %s", series.pk, tenant.slug, error)
    return made


# --- Editing --------------------------------------------------------------------------------------


def series_update_one(
    *,
    tenant: Tenant,
    actor: User,
    follow_up: FollowUp,
    subject: str | None = None,
    description: str | None = None,
    scheduled_at: dt.datetime | None = None,
    duration_minutes: int | None = None,
    priority: str | None = None,
    assignee: Membership | None = None,
    type: FollowUpType | None = None,
) -> FollowUp:
    """Edit "this one": this occurrence only. It stays the occurrence it was (so it is not made
    again, and a whole-series edit later still reaches it while it is pending)."""
    return follow_up_update(
        tenant=tenant,
        actor=actor,
        follow_up=follow_up,
        subject=subject,
        description=description,
        scheduled_at=scheduled_at,
        duration_minutes=duration_minutes,
        priority=priority,
        assignee=assignee,
        type=type,
    )


@transaction.atomic
def series_update(
    *,
    tenant: Tenant,
    actor: User,
    series: FollowUpSeries,
    subject: str | None = None,
    description: str | None = None,
    type: FollowUpType | None = None,
    priority: str | None = None,
    duration_minutes: int | None = None,
    assignee: Membership | None = None,
    reminders: list[tuple[int, str]] | None = None,
    rule: str | None = None,
    starts_at: dt.datetime | None = None,
    time_zone: str | None = None,
    until=UNCHANGED,
    count=UNCHANGED,
    now: dt.datetime | None = None,
) -> FollowUpSeries:
    """Edit "the whole series": the series and its pending rows from now on. Fields given are
    changed; `until` and `count` take None to remove the end."""
    now = now or timezone.now()
    series = _locked(tenant, series)
    fields = _fields_given(
        subject=subject,
        description=description,
        type=type,
        priority=priority,
        duration_minutes=duration_minutes,
        assignee=assignee,
    )
    for name, value in fields.items():
        setattr(series, name, value)
    if reminders is not None:
        series.reminders = [list(r) for r in reminders]
    retimed = _timing_change(
        tenant,
        series,
        rule=rule,
        starts_at=starts_at,
        time_zone=time_zone,
        until=until,
        count=count,
        now=now,
    )
    series.save()
    future = _future_rows_update(
        tenant, series, fields=fields, new_reminders=reminders is not None, now=now
    )
    moved = cancelled = made = 0
    if retimed:
        moved, cancelled, made = _retime(series, future, now)
    leads_next_follow_up_refresh(
        tenant=tenant,
        lead_ids={f.lead_id for f in future if f.lead_id}
        | ({series.lead_id} if series.lead_id else set()),
    )
    timeline_record(
        tenant=tenant,
        kind="follow_up.series_changed",
        summary=gettext_noop("Recurring follow-up “%(subject)s” changed: %(rule)s"),
        params={"subject": series.subject, "rule": series_describe(series)},
        actor=actor,
        contact=series.contact,
        lead=series.lead,
        detail={
            "series": series.pk,
            "updated": len(future),
            "moved": moved,
            "cancelled": cancelled,
            "made": made,
        },
    )
    return series


def _fields_given(
    *,
    subject: str | None,
    description: str | None,
    type: FollowUpType | None,
    priority: str | None,
    duration_minutes: int | None,
    assignee: Membership | None,
) -> dict:
    """The plain fields an edit of the whole series gives (None: unchanged), checked."""
    fields = {
        "subject": subject.strip()[:200] if subject is not None else None,
        "description": description.strip() if description is not None else None,
        "type": type,
        "priority": priority,
        "duration_minutes": duration_minutes,
        "assignee": assignee,
    }
    if priority is not None and priority not in Priority.values:
        raise ValidationError({"priority": _("Choose high, medium or low.")})
    if duration_minutes is not None:
        check_slot_length(duration_minutes)
    return {name: value for name, value in fields.items() if value is not None}


def _timing_change(
    tenant: Tenant,
    series: FollowUpSeries,
    *,
    rule: str | None,
    starts_at: dt.datetime | None,
    time_zone: str | None,
    until,
    count,
    now: dt.datetime,
) -> bool:
    """The series' new rule, start, zone and end, checked, onto the series (the caller saves);
    True when its timing changed."""
    timing = (series.rule, series.starts_at, series.time_zone, series.until, series.count)
    # One kind of end replaces the other; a new rule carries its own end unless one is given.
    if count not in (UNCHANGED, None) and until is UNCHANGED:
        until = None
    if until not in (UNCHANGED, None) and count is UNCHANGED:
        count = None
    if rule is not None:
        until = None if until is UNCHANGED else until
        count = None if count is UNCHANGED else count
    _set_timing(
        series,
        rule=rule if rule is not None else series.rule,
        starts_at=starts_at or series.starts_at,
        time_zone=time_zone or series.time_zone,
        until=series.until if until is UNCHANGED else until,
        count=series.count if count is UNCHANGED else count,
    )
    _validate(tenant, series)
    retimed = timing != (
        series.rule,
        series.starts_at,
        series.time_zone,
        series.until,
        series.count,
    )
    if retimed and not series.is_active and (series.until is None or series.until > now):
        series.is_active = True  # given a future again
    return retimed


def _future_rows_update(
    tenant: Tenant, series: FollowUpSeries, *, fields: dict, new_reminders: bool, now: dt.datetime
) -> list[FollowUp]:
    """The series' pending rows from now on, given its changed fields (and its reminders when
    they changed); returns them in occurrence order."""
    future = list(
        FollowUp.objects.filter(
            tenant=tenant, series=series, status=Status.PENDING, scheduled_at__gte=now
        ).order_by("occurrence_at", "pk")
    )
    for follow_up in future:
        for name, value in fields.items():
            setattr(follow_up, name, value)
        if fields:
            follow_up.save(update_fields=[*fields, "updated_at"])
        if new_reminders:
            reminders_replace(follow_up=follow_up, reminders=series.reminders)
    return future


def _retime(series: FollowUpSeries, future: list[FollowUp], now: dt.datetime):
    """After the rule, start, zone or end changed: the pending future rows move to the new
    occurrences in order, missing ones are made, rows left over are cancelled and leave the series
    (so a later change back can make those times again). Returns (moved, cancelled, made)."""
    end = now + HORIZON
    wanted = list(series_occurrences(series, after=now, before=end))
    future_ids = {f.pk for f in future}
    taken = set(
        FollowUp.objects.filter(tenant=series.tenant, series=series)
        .exclude(pk__in=future_ids)
        .values_list("occurrence_at", flat=True)
    )
    kept = {f.occurrence_at for f in future if f.occurrence_at in wanted}
    free = [at for at in wanted if at not in taken and at not in kept]
    movers = [f for f in future if f.occurrence_at not in wanted]
    for follow_up, at in zip(movers, free, strict=False):
        follow_up.occurrence_at = follow_up.scheduled_at = at
        follow_up.save(update_fields=["occurrence_at", "scheduled_at", "updated_at"])
        reminders_reschedule(follow_up=follow_up)
    leftover = movers[len(free) :]
    for follow_up in leftover:
        follow_up.status = Status.CANCELLED
        follow_up.outcome_notes = "No longer in the series (the series changed)."
        follow_up.series = None
        follow_up.save(update_fields=["status", "outcome_notes", "series", "updated_at"])
        reminders_cancel(follow_up=follow_up)
    made = 0
    for at in free[len(movers) :]:
        _make(series, at)
        made += 1
    series.generated_until = end
    series.save(update_fields=["generated_until"])
    return min(len(movers), len(free)), len(leftover), made


@transaction.atomic
def series_skip(
    *, tenant: Tenant, actor: User, series: FollowUpSeries, occurrence_at: dt.datetime
) -> FollowUpSeries:
    """Leave one date out: it is never made (again), and its row, if made, is cancelled."""
    series = _locked(tenant, series)
    occurrence_at = occurrence_at.astimezone(dt.UTC)
    if occurrence_at in series.skipped:
        return series
    if occurrence_at not in series_occurrences(series, after=occurrence_at, before=occurrence_at):
        raise ValidationError({"occurrence_at": _("The series has no occurrence then.")})
    series.skipped = sorted({*series.skipped, occurrence_at})
    series.save(update_fields=["skipped"])
    follow_up = (
        FollowUp.objects.filter(tenant=tenant, series=series, occurrence_at=occurrence_at)
        .select_related("contact", "lead")
        .first()
    )
    if follow_up is not None and follow_up.is_open:
        follow_up_cancel(
            tenant=tenant, actor=actor, follow_up=follow_up, reason="skipped in its series"
        )
    elif follow_up is None:
        when = timezone.localtime(occurrence_at, series.zone)
        timeline_record(
            tenant=tenant,
            kind="follow_up.series_skipped",
            # The date reads in English ("Tue Jun 16"), as written.
            summary=gettext_noop("Recurring follow-up “%(subject)s” skipped on %(when)s"),
            params={"subject": series.subject, "when": stored_date(when, "weekday_month_day")},
            actor=actor,
            contact=series.contact,
            lead=series.lead,
            detail={"series": series.pk, "occurrence_at": occurrence_at.isoformat()},
        )
    return series


@transaction.atomic
def series_end(
    *,
    tenant: Tenant,
    actor: User | None,
    series: FollowUpSeries,
    after: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> FollowUpSeries:
    """End the series `after` a moment (now by default): nothing is made beyond it, and its open
    rows after it are cancelled."""
    now = now or timezone.now()
    after = after or now
    series = _locked(tenant, series)
    if series.count:
        # The count's last occurrence is its end already: keep that if it comes first.
        last = list(expansion(series))[-1].replace(tzinfo=series.zone)
        after = min(after, last.astimezone(dt.UTC))
    series.until = min(after, series.until) if series.until else after
    series.count = None
    series.is_active = series.until > now
    series.save(update_fields=["until", "count", "is_active"])
    later = list(
        FollowUp.objects.filter(
            tenant=tenant,
            series=series,
            status__in=(Status.PENDING, Status.IN_PROGRESS),
            occurrence_at__gt=series.until,
        )
    )
    for follow_up in later:
        follow_up.status = Status.CANCELLED
        follow_up.outcome_notes = "The series ended."
        follow_up.save(update_fields=["status", "outcome_notes", "updated_at"])
        reminders_cancel(follow_up=follow_up)
    if series.lead_id:
        lead_next_follow_up_refresh(tenant=tenant, lead_id=series.lead_id)
    when = timezone.localtime(series.until, series.zone)
    timeline_record(
        tenant=tenant,
        kind="follow_up.series_ended",
        summary=gettext_noop("Recurring follow-up “%(subject)s” ends %(when)s"),
        params={"subject": series.subject, "when": stored_date(when, "weekday_date")},
        actor=actor,
        contact=series.contact,
        lead=series.lead,
        detail={"series": series.pk, "cancelled": len(later)},
    )
    return series
