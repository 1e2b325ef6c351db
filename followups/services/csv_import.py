"""CSV import of follow-ups (the file's format, and the export, are in followups.csv_format).

Import is checked before anything is written: the upload is read, every row checked against the
team's contacts (by email or E.164 phone), members (assignee by email), types (by key or name) and
leads, and the member sees what would be created and why each other row is rejected, by line. The
text waits in the cache (an hour) until they confirm; then each good row becomes a follow-up in a
savepoint of its own, keyed by the upload and line (confirming twice creates nothing twice), and
the rows that could not be imported stay downloadable with their reasons. Nothing is lost.
"""

import datetime as dt
import re
import secrets
import zoneinfo
from dataclasses import dataclass, field

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DataError, IntegrityError, transaction
from django.db.models import CharField, Value
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from phonenumber_field.phonenumber import to_python as phone_from_text

from crm.kit.csv_files import (
    CsvLayout,
    ImportFileError,
    csv_data_rows,
    decode_csv_upload,
)
from crm.models import Contact, ContactEmail, ContactPhone, Membership, Tenant, User
from followups.csv_format import (
    COLUMNS,
    DATE_FORMATS_DAY_FIRST,
    DATE_FORMATS_US,
    TIME_FORMATS,
    parse_date_or_time,
    read_layout,
    unquote,
)
from followups.models import LONGEST_SLOT_MINUTES, FollowUpType, Priority, Source
from followups.services.followups import follow_up_create, follow_up_types_ensure
from leads.models import Lead

MAX_ROWS = 1000
PREVIEW_ROWS = 20
KEPT_FOR = dt.timedelta(hours=1)
DEFAULT_TIME = dt.time(10, 0)
CHUNK = 1000


# --- Checking rows --------------------------------------------------------------------------------


@dataclass
class Row:
    line: int
    cells: list[str]
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    subject: str = ""
    description: str = ""
    type: FollowUpType | None = None
    scheduled_at: dt.datetime | None = None
    duration: int = 30
    priority: str = Priority.MEDIUM
    assignee: Membership | None = None
    contact: Contact | None = None
    lead: Lead | None = None

    def as_sample(self, zone: zoneinfo.ZoneInfo) -> dict:
        return {
            "line": self.line,
            "subject": self.subject,
            "type": self.type.name if self.type else "",
            "when": timezone.localtime(self.scheduled_at, zone) if self.scheduled_at else None,
            "priority": str(Priority(self.priority).label),
            "assignee": str(self.assignee.user) if self.assignee else "",
            "contact": self.contact.display_name if self.contact else "",
            "contact_id": self.contact.pk if self.contact else None,
            "lead": self.lead.reference if self.lead else "",
            "warnings": self.warnings,
        }


class RowChecker:
    """Checks rows against the team's types, members, contacts and leads, read once per chunk."""

    def __init__(
        self,
        *,
        tenant: Tenant,
        layout: CsvLayout,
        zone: zoneinfo.ZoneInfo,
        default_assignee: Membership,
        now: dt.datetime,
    ):
        self.tenant, self.layout, self.zone, self.now = tenant, layout, zone, now
        self.default_assignee = default_assignee
        self.types: dict[str, FollowUpType] = {}
        for follow_up_type in follow_up_types_ensure(tenant=tenant):
            self.types[follow_up_type.key.casefold()] = follow_up_type
            self.types[follow_up_type.name.casefold()] = follow_up_type
        members = Membership.objects.filter(tenant=tenant, is_active=True).select_related("user")
        self.members = {member.user.email.casefold(): member for member in members}
        self.date_formats = DATE_FORMATS_US if tenant.country == "US" else DATE_FORMATS_DAY_FIRST

    def cell(self, cells: list[str], name: str) -> str:
        index = self.layout.fields.get(name)
        return unquote(cells[index]) if index is not None and index < len(cells) else ""

    def check_all(self, rows: list[tuple[int, list[str]]]) -> list[Row]:
        checked = [self._check(line, cells) for line, cells in rows]
        self._match_contacts(checked)
        self._match_leads(checked)
        return checked

    def _check(self, line: int, cells: list[str]) -> Row:
        row = Row(line=line, cells=cells)
        reasons = row.reasons
        row.subject = self.cell(cells, "subject")
        if not row.subject:
            reasons.append(_("missing subject"))
        elif len(row.subject) > 200:
            reasons.append(_("Subject is longer than 200 characters"))
        row.description = self.cell(cells, "description")
        if len(row.description) > 10000:
            reasons.append(_("Description is longer than 10,000 characters"))

        if kind := self.cell(cells, "type"):
            row.type = self.types.get(kind.casefold())
            if row.type is None:
                reasons.append(_("unknown type “%(kind)s”") % {"kind": kind})
            elif row.type.is_archived:
                reasons.append(_("type “%(kind)s” is archived") % {"kind": kind})
        else:
            row.type = self.types.get("call")

        row.scheduled_at = self._when(cells, reasons)
        if row.scheduled_at is not None and row.scheduled_at < self.now:
            row.warnings.append("already past: it will show as overdue")

        if duration := self.cell(cells, "duration"):
            if duration.isdigit() and 1 <= int(duration) <= LONGEST_SLOT_MINUTES:
                row.duration = int(duration)
            else:
                reasons.append(
                    _("duration “%(duration)s” must be minutes, 1 to %(LONGEST_SLOT_MINUTES)s")
                    % {"duration": duration, "LONGEST_SLOT_MINUTES": LONGEST_SLOT_MINUTES}
                )
        if priority := self.cell(cells, "priority"):
            chosen = {value: value for value in Priority.values}
            chosen.update({label.casefold(): value for value, label in Priority.choices})
            row.priority = chosen.get(priority.casefold(), "")
            if not row.priority:
                reasons.append(
                    _("priority “%(priority)s” must be high, medium or low")
                    % {"priority": priority}
                )
                row.priority = Priority.MEDIUM
        status = self.cell(cells, "status")
        if status and status.casefold() not in ("pending", "open", "to do", "todo", "in progress"):
            reasons.append(
                _(
                    "status “%(status)s”: only follow-ups still to do are imported (pending or in progress)"
                )
                % {"status": status}
            )
        if assignee := self.cell(cells, "assignee_email"):
            row.assignee = self.members.get(assignee.casefold())
            if row.assignee is None:
                reasons.append(
                    _("no active team member has the email “%(assignee)s”") % {"assignee": assignee}
                )
        else:
            row.assignee = self.default_assignee
        return row

    def _when(self, cells: list[str], reasons: list[str]) -> dt.datetime | None:
        zone = self.zone
        if zone_name := self.cell(cells, "time_zone"):
            try:
                zone = zoneinfo.ZoneInfo(zone_name)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                reasons.append(
                    _("unknown time zone “%(zone_name)s” (use a name like America/New_York)")
                    % {"zone_name": zone_name}
                )
                return None
        combined = self.cell(cells, "scheduled_at")
        date_text, time_text = self.cell(cells, "date"), self.cell(cells, "time")
        if combined and not date_text:
            try:
                moment = dt.datetime.fromisoformat(combined.replace("Z", "+00:00"))
            except ValueError:
                moment = None
                head, _sep, tail = combined.partition(" ")
                date_text, time_text = head, tail
            if moment is not None:
                if moment.tzinfo is None:
                    moment = moment.replace(tzinfo=zone)
                return moment.astimezone(dt.UTC)
        if not date_text:
            reasons.append(_("missing date"))
            return None
        day = parse_date_or_time(date_text, self.date_formats, dt.date)
        if day is None:
            example = "12/31/2025" if self.tenant.country == "US" else "31/12/2025"
            reasons.append(
                _("date “%(date_text)s” is not a date (use 2025-12-31 or %(example)s)")
                % {"date_text": date_text, "example": example}
            )
            return None
        at = DEFAULT_TIME
        if time_text:
            parsed = parse_date_or_time(time_text.upper(), TIME_FORMATS, dt.time)
            if parsed is None:
                reasons.append(
                    _("time “%(time_text)s” is not a time (use 14:30 or 2:30 PM)")
                    % {"time_text": time_text}
                )
                return None
            at = parsed
        return dt.datetime.combine(day, at, tzinfo=zone).astimezone(dt.UTC)

    def _match_contacts(self, rows: list[Row]) -> None:
        """Contacts by email (any of theirs, case-insensitive) or E.164 phone; the oldest contact
        wins, as everywhere else. One query per thousand addresses."""
        wanted: dict[int, tuple[str, str]] = {}  # by id(row)
        for row in rows:
            email, phone = (
                self.cell(row.cells, "contact_email"),
                self.cell(row.cells, "contact_phone"),
            )
            normal_email = normal_phone = ""
            if email:
                try:
                    validate_email(email)
                    normal_email = email.casefold()
                except ValidationError:
                    row.reasons.append(_("invalid email “%(email)s”") % {"email": email})
            if phone:
                number = phone_from_text(phone, region=self.tenant.country)
                if number is not None and number.is_valid():
                    normal_phone = number.as_e164
                else:
                    row.reasons.append(
                        _("invalid phone number “%(phone)s” for %(country)s")
                        % {"phone": phone, "country": self.tenant.country}
                    )
            if not email and not phone:
                row.reasons.append(_("no contact email or phone to find the contact by"))
            wanted[id(row)] = (normal_email, normal_phone)
        emails = sorted({email for email, _ in wanted.values() if email})
        phones = sorted({phone for _, phone in wanted.values() if phone})
        by_email: dict[str, Contact] = {}
        by_phone: dict[str, Contact] = {}
        for start in range(0, len(emails), CHUNK):
            matches = (
                ContactEmail.objects.filter(tenant=self.tenant)
                .annotate(address=Lower("email"))
                .filter(address__in=emails[start : start + CHUNK])
                .select_related("contact")
                .order_by("-contact__created_at", "-contact_id")
            )
            for match in matches:
                by_email[match.address] = match.contact
        for start in range(0, len(phones), CHUNK):
            numbers = [Value(n, output_field=CharField()) for n in phones[start : start + CHUNK]]
            phone_matches = (
                ContactPhone.objects.filter(tenant=self.tenant, number__in=numbers)
                .select_related("contact")
                .order_by("-contact__created_at", "-contact_id")
            )
            for phone_match in phone_matches:
                by_phone[phone_match.number.as_e164] = phone_match.contact
        for row in rows:
            email, phone = wanted[id(row)]
            found = [c for c in (by_email.get(email), by_phone.get(phone)) if c is not None]
            if found:
                row.contact = min(found, key=lambda contact: (contact.created_at, contact.pk))
            elif email or phone:
                said = " or ".join(part for part in (email, phone) if part)
                row.reasons.append(
                    _("no contact has %(said)s: add the contact first") % {"said": said}
                )

    def _match_leads(self, rows: list[Row]) -> None:
        references: dict[int, int] = {}  # lead numbers by id(row)
        for row in rows:
            if text := self.cell(row.cells, "lead"):
                digits = re.sub(r"^L-?", "", text.strip(), flags=re.IGNORECASE)
                if digits.isdigit():
                    references[id(row)] = int(digits)
                else:
                    row.reasons.append(
                        _("lead “%(text)s” is not a lead reference like L-1042") % {"text": text}
                    )
        leads = {
            lead.number: lead
            for lead in Lead.objects.filter(tenant=self.tenant, number__in=set(references.values()))
        }
        for row in rows:
            number = references.get(id(row))
            if number is None:
                continue
            row.lead = leads.get(number)
            if row.lead is None:
                row.reasons.append(_("no lead L-%(number)s") % {"number": number})
            elif row.contact is not None and row.lead.contact_id != row.contact.pk:
                row.reasons.append(
                    _("lead L-%(number)s belongs to another contact") % {"number": number}
                )


# --- Preview, run, rejected rows ------------------------------------------------------------------


def _cache_key(tenant: Tenant, token: str) -> str:
    return f"followups:import:{tenant.pk}:{token}"


@dataclass
class ImportState:
    """An upload waiting for confirmation (or imported), as kept in the cache."""

    token: str
    filename: str
    text: str
    membership_id: int
    default_assignee_id: int
    zone: str
    encoding_note: str = ""
    result: dict | None = None

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def _checked(tenant: Tenant, state: ImportState, now: dt.datetime) -> tuple[CsvLayout, list[Row]]:
    layout = read_layout(state.text)
    rows = list(csv_data_rows(state.text, layout))
    if not rows:
        raise ImportFileError(_("The file has a header row but no follow-ups under it."))
    if len(rows) > MAX_ROWS:
        raise ImportFileError(
            _(
                "The file has %(len)s rows; at most %(MAX_ROWS)s are imported at a time. Split it into smaller files and import them one after the other."
            )
            % {"len": len(rows), "MAX_ROWS": MAX_ROWS}
        )
    default_assignee = (
        Membership.objects.filter(tenant=tenant, pk=state.default_assignee_id, is_active=True)
        .select_related("user")
        .first()
    )
    if default_assignee is None:
        raise ValidationError(_("The member the follow-ups go to has left the team; start again."))
    checker = RowChecker(
        tenant=tenant,
        layout=layout,
        zone=zoneinfo.ZoneInfo(state.zone),
        default_assignee=default_assignee,
        now=now,
    )
    return layout, checker.check_all(rows)


def _rejected_entry(row: Row, layout: CsvLayout) -> dict:
    cells = row.cells + [""] * (len(layout.headers) - len(row.cells))
    return {"line": row.line, "reasons": row.reasons, "cells": cells}


def _report(state: ImportState, layout: CsvLayout, rows: list[Row]) -> dict:
    zone = zoneinfo.ZoneInfo(state.zone)
    good = [row for row in rows if not row.reasons]
    return {
        "rows": len(rows),
        "create": len(good),
        "past": sum(1 for row in good if row.warnings),
        "rejected": [_rejected_entry(row, layout) for row in rows if row.reasons],
        "sample": [row.as_sample(zone) for row in good[:PREVIEW_ROWS]],
        "headers": layout.headers,
        "columns": [
            {"header": layout.headers[index], "label": COLUMNS[name][0]}
            for name, index in sorted(layout.fields.items(), key=lambda item: item[1])
        ],
        "ignored": layout.ignored,
    }


def import_preview(
    *,
    tenant: Tenant,
    actor: User,
    membership: Membership,
    filename: str,
    raw: bytes,
    default_assignee: Membership,
    zone: zoneinfo.ZoneInfo,
    now: dt.datetime | None = None,
) -> tuple[ImportState, dict]:
    """Read and check an upload; keep it for the member to confirm. Raises ImportFileError (or
    ValidationError) when the file as a whole cannot be imported; bad rows are only reported."""
    if default_assignee.tenant_id != tenant.pk or not default_assignee.is_active:
        raise ValidationError(_("Follow-ups can only go to active members of this team."))
    text, encoding_note = decode_csv_upload(raw)
    state = ImportState(
        token=secrets.token_urlsafe(16),
        filename=filename[:200],
        text=text,
        membership_id=membership.pk,
        default_assignee_id=default_assignee.pk,
        zone=zone.key,
        encoding_note=encoding_note,
    )
    layout, rows = _checked(tenant, state, now or timezone.now())
    cache.set(_cache_key(tenant, state.token), state.as_dict(), int(KEPT_FOR.total_seconds()))
    return state, _report(state, layout, rows)


def import_get(*, tenant: Tenant, membership: Membership, token: str) -> ImportState | None:
    """An upload of this member's, or None (expired, someone else's, or never made)."""
    kept = cache.get(_cache_key(tenant, token))
    if not kept or kept.get("membership_id") != membership.pk:
        return None
    return ImportState(**kept)


def import_report(*, tenant: Tenant, state: ImportState, now: dt.datetime | None = None) -> dict:
    """What importing the kept upload would do now (re-checked: contacts may have changed)."""
    layout, rows = _checked(tenant, state, now or timezone.now())
    return _report(state, layout, rows)


def import_run(
    *, tenant: Tenant, actor: User, state: ImportState, now: dt.datetime | None = None
) -> dict:
    """Create a follow-up for every good row (re-checked now); report created and rejected rows.
    A row that fails while being saved is rejected with the reason, the others go on."""
    if state.result is not None:
        return state.result
    now = now or timezone.now()
    layout, rows = _checked(tenant, state, now)
    created = 0
    for row in rows:
        if row.reasons:
            continue
        # A row without reasons has found its contact, assignee and time (RowChecker).
        assert row.contact and row.assignee and row.scheduled_at  # noqa: S101
        try:
            with transaction.atomic():
                follow_up_create(
                    tenant=tenant,
                    actor=actor,
                    subject=row.subject,
                    description=row.description,
                    contact=row.contact,
                    assignee=row.assignee,
                    scheduled_at=row.scheduled_at,
                    type=row.type,
                    priority=row.priority,
                    lead=row.lead,
                    duration_minutes=row.duration,
                    source=Source.IMPORT,
                    key=f"import:{state.token}:{row.line}",
                )
        except (ValidationError, IntegrityError, DataError) as exc:
            messages = getattr(exc, "messages", None) or [str(exc)]
            row.reasons.append("could not be saved: " + " ".join(messages))
            continue
        created += 1
    state.result = {
        "created": created,
        "rows": len(rows),
        "rejected": [_rejected_entry(row, layout) for row in rows if row.reasons],
        "headers": layout.headers,
        "finished_at": now.isoformat(),
    }
    cache.set(_cache_key(tenant, state.token), state.as_dict(), int(KEPT_FOR.total_seconds()))
    return state.result
