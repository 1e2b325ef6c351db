"""“Download my data”: everything the tenant holds on a portal customer, as one JSON document or
as a zip with one CSV per kind of record.

Each app declares its own kinds in its `personal_data.py` (crm.privacy); `SECTIONS` sets their
order in the file. What is in it, per kind: their contacts, email addresses, phone numbers,
messaging profile, consent now and its history, properties, jobs with the stage history the
portal shows (stages hidden from the portal left out), quotes (not drafts) and their lines,
payments, the messages that went out to them, their ticket messages both ways (internal notes
left out), the list of documents (names, kinds, sizes and dates: the files themselves download
one by one from the portal, a zip of every photo would have no bound), the customer-visible
timeline, their portal access, their insurance answers, the documents staff asked them for and
their erasure requests.

Memory stays bounded whatever the history: each kind is read with `.iterator()` in chunks and
written row by row into a temporary file (the view answers with that file; a streamed response
would run after the view has left the tenant context its queries need). CSV cells go through
crm.kit.csv_files.spreadsheet_safe, the helper every CSV export uses.
"""

import csv
import datetime as dt
import io
import json
import tempfile
import zipfile
from decimal import Decimal

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.translation import gettext_noop

from crm.kit.csv_files import spreadsheet_safe
from crm.privacy import DataSubject, ExportKind, export_kinds
from crm.services.timeline import timeline_record
from portal.auth import PortalCustomer
from portal.selectors.jobs import portal_jobs

FORMATS = ("json", "csv")
SECTIONS = (
    "contacts",
    "emails",
    "phones",
    "messaging_profile",
    "consent",
    "consent_history",
    "properties",
    "jobs",
    "stage_history",
    "quotes",
    "quote_lines",
    "payments",
    "messages_sent",
    "conversations",
    "documents",
    "timeline",
    "portal_access",
    "insurance",
    "document_requests",
    "erasure_requests",
)


def export_sections() -> list[ExportKind]:
    """The registered kinds in the order of `SECTIONS`; a kind left out of it, or a section no
    app registers, is a mistake to fix there."""
    kinds = {kind.name: kind for kind in export_kinds()}
    if set(kinds) != set(SECTIONS):
        raise ImproperlyConfigured(
            f"portal.services.data_export.SECTIONS {sorted(SECTIONS)} does not match the "
            f"registered export kinds {sorted(kinds)}: list each kind once, where it belongs in the file."
        )
    return [kinds[name] for name in SECTIONS]


def data_subject(customer: PortalCustomer) -> DataSubject:
    return DataSubject(
        tenant=customer.tenant,
        contacts=customer.contacts,
        contact_ids=customer.contact_ids,
        property_ids=customer.property_ids,
        jobs=portal_jobs(customer),
    )


def _plain(value):
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def write_json(customer: PortalCustomer, out: io.TextIOBase) -> None:
    """{"exported_at": …, "business": …, "<kind>": [{header: value, …}, …], …}, row by row."""
    out.write("{")
    out.write(f'"exported_at": {json.dumps(timezone.now().isoformat())}, ')
    out.write(f'"business": {json.dumps(customer.business_name)}')
    subject = data_subject(customer)
    for kind in export_sections():
        out.write(f", {json.dumps(kind.name)}: [")
        for index, row in enumerate(kind.rows(subject)):
            record = dict(zip(kind.headers, (_plain(value) for value in row), strict=True))
            out.write(("," if index else "") + json.dumps(record, ensure_ascii=False))
        out.write("]")
    out.write("}\n")


def _csv_cell(value) -> str:
    value = _plain(value)
    if isinstance(value, bool):
        value = "yes" if value else "no"
    return spreadsheet_safe(value)


def write_csv_zip(customer: PortalCustomer, out) -> None:
    """A zip with one CSV per kind (`<kind>.csv`), every cell neutralised against formulas."""
    subject = data_subject(customer)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for kind in export_sections():
            with archive.open(f"{kind.name}.csv", "w") as member:
                text = io.TextIOWrapper(member, encoding="utf-8", newline="")
                writer = csv.writer(text)
                writer.writerow(kind.headers)
                for row in kind.rows(subject):
                    writer.writerow([_csv_cell(value) for value in row])
                text.flush()
                text.detach()


def portal_data_export(*, customer: PortalCustomer, export_format: str):
    """The export in a temporary file (rewound), its file name; recorded on each contact's
    timeline."""
    if export_format not in FORMATS:
        raise ValueError(f"Unknown export format: {export_format}")
    # Handed to the FileResponse, which closes it once sent.
    spool = tempfile.TemporaryFile()  # noqa: SIM115
    if export_format == "json":
        text = io.TextIOWrapper(spool, encoding="utf-8")
        write_json(customer, text)
        text.flush()
        text.detach()
        extension = "json"
    else:
        write_csv_zip(customer, spool)
        extension = "zip"
    spool.seek(0)
    for contact in customer.contacts:
        timeline_record(
            tenant=customer.tenant,
            kind="contact.data_exported",
            summary=gettext_noop("Downloaded their data from the customer portal (%(format)s)"),
            params={"format": export_format.upper()},
            contact=contact,
            detail={"format": export_format},
        )
    stamp = timezone.localdate().isoformat()
    return spool, f"my-data-{stamp}.{extension}"
