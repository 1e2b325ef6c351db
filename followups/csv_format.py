"""The CSV file format of follow-ups: the export, and how an import file's columns, dates and times
are read (the import itself, which checks rows against the team's records and writes, is
followups.services.csv_import).

Export writes the list as filtered (same columns the import reads, so a file goes out and comes
back), times in the member's zone, and every cell a spreadsheet could run as a formula (=, +, -,
@) neutralised with a leading quote.
"""

import datetime as dt
import re
import zoneinfo
from collections.abc import Iterable, Iterator
from typing import overload

from django.utils import timezone
from django.utils.translation import gettext as _

from crm.kit.csv_files import (
    FORMULA_STARTS,
    CsvLayout,
    ImportFileError,
    csv_header,
    csv_stream,
    header_key,
    spreadsheet_safe,
)
from followups.models import FollowUp

# --- Export ---------------------------------------------------------------------------------------

EXPORT_HEADERS = (
    "Subject",
    "Type",
    "Date",
    "Time",
    "Time zone",
    "Duration (minutes)",
    "Priority",
    "Status",
    "Assignee",
    "Assignee email",
    "Contact",
    "Contact email",
    "Contact phone",
    "Lead",
    "Description",
    "Outcome",
    "Outcome notes",
    "Completed at",
)


def export_rows(follow_ups: Iterable[FollowUp], *, zone: zoneinfo.ZoneInfo) -> Iterator[list[str]]:
    """The header, then one row per follow-up (contacts' emails and phones prefetched)."""
    yield list(EXPORT_HEADERS)
    for follow_up in follow_ups:
        local = timezone.localtime(follow_up.scheduled_at, zone)
        emails = list(follow_up.contact.emails.all())
        phones = list(follow_up.contact.phones.all())
        completed = (
            timezone.localtime(follow_up.completed_at, zone).strftime("%Y-%m-%d %H:%M")
            if follow_up.completed_at
            else ""
        )
        yield [
            spreadsheet_safe(cell)
            for cell in (
                follow_up.subject,
                follow_up.type.name,
                local.strftime("%Y-%m-%d"),
                local.strftime("%H:%M"),
                zone.key,
                follow_up.duration_minutes,
                follow_up.get_priority_display(),
                follow_up.get_status_display(),
                follow_up.assignee.user.full_name,
                follow_up.assignee.user.email,
                follow_up.contact.display_name,
                emails[0].email if emails else "",
                phones[0].number.as_e164 if phones else "",
                follow_up.lead.reference if follow_up.lead_id else "",
                follow_up.description,
                follow_up.get_outcome_display() if follow_up.outcome else "",
                follow_up.outcome_notes,
                completed,
            )
        ]


def export_csv_chunks(follow_ups: Iterable[FollowUp], *, zone: zoneinfo.ZoneInfo) -> Iterator[str]:
    """The CSV as text chunks for a streaming response (a byte-order mark first, so Excel reads
    accents right)."""
    return csv_stream(export_rows(follow_ups, zone=zone), byte_order_mark=True)


# --- Import: the columns, dates and times ---------------------------------------------------------

COLUMNS = {
    # field: (label, header names it is recognised by)
    "subject": ("Subject", ("subject", "title", "follow-up", "follow up", "task", "what")),
    "type": ("Type", ("type", "follow-up type", "kind", "activity type")),
    "date": ("Date", ("date", "due date", "scheduled date", "day")),
    "time": ("Time", ("time", "due time", "scheduled time", "at")),
    "scheduled_at": (
        "Date and time",
        ("scheduled", "scheduled at", "scheduled for", "when", "due", "date and time", "datetime"),
    ),
    "time_zone": ("Time zone", ("time zone", "timezone", "tz", "zone")),
    "duration": ("Duration", ("duration", "duration (minutes)", "duration minutes", "minutes")),
    "priority": ("Priority", ("priority",)),
    "status": ("Status", ("status",)),
    "assignee_email": (
        "Assignee email",
        ("assignee email", "assigned to", "assignee", "owner email", "owner", "rep email"),
    ),
    "contact_email": ("Contact email", ("contact email", "email", "e-mail", "customer email")),
    "contact_phone": (
        "Contact phone",
        ("contact phone", "phone", "phone number", "mobile", "customer phone", "telephone"),
    ),
    "lead": ("Lead", ("lead", "lead reference", "lead number")),
    "description": ("Description", ("description", "details", "notes", "note", "comments")),
}


HEADER_FIELDS = {
    header_key(alias): name for name, (_, aliases) in COLUMNS.items() for alias in aliases
}
LABEL_FIELDS = {header_key(label): name for name, (label, _) in COLUMNS.items()}


def read_layout(text: str) -> CsvLayout:
    delimiter, headers = csv_header(text)
    # A column named exactly as ours ("Assignee email") wins over a looser one ("Assignee", which
    # in our own export holds the name).
    fields: dict[str, int] = {}
    for index, name in enumerate(headers):
        known = LABEL_FIELDS.get(header_key(name))
        if known is not None and known not in fields:
            fields[known] = index
    for index, name in enumerate(headers):
        known = HEADER_FIELDS.get(header_key(name))
        if known is not None and known not in fields and index not in fields.values():
            fields[known] = index
    ignored = [
        name or f"(column {index + 1} has no name)"
        for index, name in enumerate(headers)
        if index not in fields.values()
    ]
    if not fields:
        raise ImportFileError(
            _(
                "The first row must name the columns (for example Subject, Date, Time, Contact "
                "email); none of its names were recognised. Is this the right file?"
            )
        )
    missing = []
    if "subject" not in fields:
        missing.append("Subject")
    if not fields.keys() & {"date", "scheduled_at"}:
        missing.append("Date")
    if not fields.keys() & {"contact_email", "contact_phone"}:
        missing.append("Contact email or Contact phone")
    if missing:
        raise ImportFileError(
            _("The file needs these columns too: %(columns)s.") % {"columns": ", ".join(missing)}
        )
    return CsvLayout(headers, delimiter, fields, ignored)


def unquote(cell: str) -> str:
    """Our own exports put a quote before formula-like cells: read them back without it."""
    cell = cell.strip()
    if cell.startswith("'") and cell[1:2] in FORMULA_STARTS:
        return cell[1:]
    return cell


DATE_FORMATS_US = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%b %d %Y", "%d %b %Y")
DATE_FORMATS_DAY_FIRST = ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d.%m.%Y", "%b %d %Y", "%d %b %Y")
TIME_FORMATS = ("%H:%M", "%H:%M:%S", "%I:%M %p", "%I:%M%p", "%I %p", "%I%p", "%H.%M")


@overload
def parse_date_or_time(
    text: str, formats: Iterable[str], kind: type[dt.date]
) -> dt.date | None: ...
@overload
def parse_date_or_time(
    text: str, formats: Iterable[str], kind: type[dt.time]
) -> dt.time | None: ...
def parse_date_or_time(text: str, formats: Iterable[str], kind) -> object | None:
    cleaned = re.sub(r"\s+", " ", text.replace(",", " ")).strip()
    for fmt in formats:
        try:
            value = dt.datetime.strptime(cleaned, fmt)
        except ValueError:
            continue
        return value.date() if kind is dt.date else value.time()
    return None
