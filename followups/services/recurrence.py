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
"""

import datetime as dt
import logging
import zoneinfo
from collections.abc import Iterator

from dateutil.parser import parse as parse_date
from dateutil.rrule import rrule, rrulestr
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext, npgettext

from crm.kit.formatting import local_date
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
from followups.services.reminders import (
    reminders_cancel,
    reminders_replace,
    reminders_reschedule,
)

logger = logging.getLogger(__name__)

HORIZON = dt.timedelta(days=60)
# A series is extended when what it has made reaches less than this far beyond the horizon's start.
EXTEND_SLACK = dt.timedelta(days=1)
FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WEEKDAY_NAMES = dict(  # translated where shown
    zip(
        WEEKDAYS,
        (
            gettext_noop("Mon"),
            gettext_noop("Tue"),
            gettext_noop("Wed"),
            gettext_noop("Thu"),
            gettext_noop("Fri"),
            gettext_noop("Sat"),
            gettext_noop("Sun"),
        ),
        strict=True,
    )
)
# The time of day comes from the series' start: a rule may not add times (or run more than daily).
REFUSED_PARTS = ("BYHOUR", "BYMINUTE", "BYSECOND", "DTSTART", "RRULE", "EXDATE", "RDATE")
UNCHANGED = object()


# --- Rules ----------------------------------------------------------------------------------------


def recurrence_rule(
    *,
    frequency: str,
    interval: int = 1,
    weekdays: list[str] | tuple[str, ...] = (),
    month_day: int | None = None,
) -> str:
    """The RRULE for the usual choices: daily, weekly (on some weekdays), monthly (on a day of
    the month), every `interval` of them (a custom interval: every 3 days, every 2 weeks)."""
    frequency = frequency.upper()
    if frequency not in FREQUENCIES:
        raise ValidationError({"rule": _("Repeat daily, weekly, monthly or yearly.")})
    if interval < 1:
        raise ValidationError({"rule": _("Repeat at least every 1.")})
    parts = [f"FREQ={frequency}"]
    if interval > 1:
        parts.append(f"INTERVAL={interval}")
    days = [day.upper()[:2] for day in weekdays]
    if any(day not in WEEKDAYS for day in days):
        raise ValidationError({"rule": _("Choose weekdays from Monday to Sunday.")})
    if days:
        parts.append("BYDAY=" + ",".join(sorted(set(days), key=WEEKDAYS.index)))
    if month_day is not None:
        if not (1 <= abs(month_day) <= 31):
            raise ValidationError({"rule": _("Choose a day of the month from 1 to 31 (or -1).")})
        parts.append(f"BYMONTHDAY={month_day}")
    return ";".join(parts)


def _rule_parts(rule: str) -> dict[str, str]:
    text = rule.strip().upper().removeprefix("RRULE:")
    parts = {}
    for part in filter(None, text.split(";")):
        name, _, value = part.partition("=")
        parts[name.strip()] = value.strip()
    return parts


def _split_rule(rule: str, zone: zoneinfo.ZoneInfo) -> tuple[str, int | None, dt.datetime | None]:
    """(the rule without its end, COUNT, UNTIL as an aware datetime): the end lives in the series'
    own fields. Raises ValidationError for a rule dateutil cannot read or that we refuse."""
    parts = _rule_parts(rule)
    if parts.get("FREQ") not in FREQUENCIES:
        raise ValidationError(
            {"rule": _("A rule repeats daily, weekly, monthly or yearly (FREQ).")}
        )
    refused = [name for name in REFUSED_PARTS if name in parts]
    if refused:
        raise ValidationError(
            {
                "rule": _("Leave out %(join)s: the time comes from the first occurrence.")
                % {"join": ", ".join(refused)}
            }
        )
    count = until = None
    if "COUNT" in parts:
        try:
            count = int(parts.pop("COUNT"))
        except ValueError:
            raise ValidationError({"rule": _("COUNT must be a number.")}) from None
    if "UNTIL" in parts:
        until = _until_from_text(parts.pop("UNTIL"), zone)
    text = ";".join(f"{name}={value}" for name, value in parts.items())
    try:
        rrulestr(text, dtstart=dt.datetime(2026, 1, 1, 10))  # local times are naive by design
    except (ValueError, TypeError) as error:
        raise ValidationError(
            {"rule": _("Not a rule we can read: %(error)s") % {"error": error}}
        ) from None
    return text, count, until


def _until_from_text(value: str, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    try:
        parsed = parse_date(value)
    except (ValueError, OverflowError):
        raise ValidationError({"rule": f"UNTIL {value!r} is not a date."}) from None
    if len(value) == 8:  # a date: the whole of that local day
        return _end_of_day(parsed.date(), zone)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def _end_of_day(day: dt.date, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=zone).astimezone(dt.UTC)


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError({"time_zone": f"Unknown time zone {name!r}."}) from None


def _local_naive(at: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    return at.astimezone(zone).replace(tzinfo=None)


def _expansion(series: FollowUpSeries) -> rrule:
    """The rule in naive local time of the series' zone, with its end."""
    zone = series.zone
    rule = rrulestr(series.rule, dtstart=_local_naive(series.starts_at, zone))
    if series.count:
        rule = rule.replace(count=series.count)
    if series.until:
        rule = rule.replace(until=_local_naive(series.until, zone))
    return rule


def series_occurrences(
    series: FollowUpSeries, *, before: dt.datetime, after: dt.datetime | None = None
) -> Iterator[dt.datetime]:
    """The series' occurrences (aware, UTC) in [after, before], skipped dates left out."""
    zone = series.zone
    # A rep skips a day, not an instant: a later change of the time of day (or of the rule) must
    # not bring that day back. A series runs at most once a day (REFUSED_PARTS).
    skipped_days = {timezone.localtime(at, zone).date() for at in series.skipped}
    for local in _expansion(series):
        # zoneinfo places a local time the clocks skip with the offset before the change (an
        # hour later on the wall clock) and an ambiguous one at its first (summer) instant.
        at = local.replace(tzinfo=zone).astimezone(dt.UTC)
        if at > before:
            return
        if (after is None or at >= after) and local.date() not in skipped_days:
            yield at


def series_describe(series: FollowUpSeries) -> str:
    """The rule in words: "Every 2 weeks on Tue, Thu at 10:00 (America/New_York), 6 times"."""
    parts = _rule_parts(series.rule)
    interval = int(parts.get("INTERVAL", 1))
    every = {
        "DAILY": npgettext("repeat rule", "Every day", "Every %(n)s days", interval),
        "WEEKLY": npgettext("repeat rule", "Every week", "Every %(n)s weeks", interval),
        "MONTHLY": npgettext("repeat rule", "Every month", "Every %(n)s months", interval),
        "YEARLY": npgettext("repeat rule", "Every year", "Every %(n)s years", interval),
    }[parts["FREQ"]]
    words = every % {"n": interval}
    if "BYDAY" in parts:
        days = [_(WEEKDAY_NAMES.get(day[-2:], day)) for day in parts["BYDAY"].split(",")]
        words = _("%(every)s on %(days)s") % {"every": words, "days": ", ".join(days)}
    if "BYMONTHDAY" in parts:
        words = _("%(every)s on day %(day)s") % {"every": words, "day": parts["BYMONTHDAY"]}
    words = _("%(every)s at %(time)s (%(zone)s)") % {
        "every": words,
        "time": f"{timezone.localtime(series.starts_at, series.zone):%H:%M}",
        "zone": series.time_zone,
    }
    if series.count:
        # English says "times" even for one.
        words = ngettext(
            "%(every)s, %(count)s times", "%(every)s, %(count)s times", series.count
        ) % {
            "every": words,
            "count": series.count,
        }
    elif series.until:
        words = _("%(every)s, until %(date)s") % {
            "every": words,
            "date": local_date(timezone.localtime(series.until, series.zone), "date"),
        }
    return words


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
    zone = _zone(time_zone)
    text, rule_count, rule_until = _split_rule(rule, zone)
    if isinstance(until, dt.date) and not isinstance(until, dt.datetime):
        until = _end_of_day(until, zone)
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
    fields = {
        "subject": subject.strip()[:200] if subject is not None else None,
        "description": description.strip() if description is not None else None,
        "type": type,
        "priority": priority,
        "duration_minutes": duration_minutes,
        "assignee": assignee,
    }
    fields = {name: value for name, value in fields.items() if value is not None}
    if priority is not None and priority not in Priority.values:
        raise ValidationError({"priority": _("Choose high, medium or low.")})
    if duration_minutes is not None:
        check_slot_length(duration_minutes)
    for name, value in fields.items():
        setattr(series, name, value)
    if reminders is not None:
        series.reminders = [list(r) for r in reminders]
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
    series.save()

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
        if reminders is not None:
            reminders_replace(follow_up=follow_up, reminders=series.reminders)
    moved = cancelled = made = 0
    if retimed:
        moved, cancelled, made = _retime(series, future, now)
    leads_next_follow_up_refresh(
        tenant=tenant,
        lead_ids={f.lead_id for f in future if f.lead_id} | ({series.lead_id} - {None}),
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
    actor: User,
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
        last = list(_expansion(series))[-1].replace(tzinfo=series.zone)
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
