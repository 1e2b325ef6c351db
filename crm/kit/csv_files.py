"""CSV files in and out: decoding an upload, finding its layout, reading its records, keeping
spreadsheet formulas from running, and writing CSV as a stream.

Imports (leads, follow-ups) say which columns they know; everything about the file itself is here.
"""

import csv
import io
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.core.exceptions import ValidationError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024

BINARY_SIGNATURES = {
    b"PK\x03\x04": "an Excel workbook (or another zip file)",
    b"\xd0\xcf\x11\xe0": "an old-style Excel workbook",
    b"%PDF": "a PDF",
}

# A cell starting with one of these is run as a formula by spreadsheets (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

BYTE_ORDER_MARK = "\ufeff"  # so Excel reads a UTF-8 file's accents right


class ImportFileError(ValidationError):
    """The upload as a whole cannot be imported (too big, not text, not a CSV with a header)."""


# --- Reading ----------------------------------------------------------------------------------


def decode_csv_upload(raw: bytes) -> tuple[str, str]:
    """The upload's text and, when it was not UTF-8, a note saying how it was read."""
    if len(raw) > MAX_UPLOAD_BYTES:
        raise ImportFileError(
            f"The file is {len(raw) / 1024 / 1024:.1f} MB; the limit is 5 MB. "
            "Split it into smaller files and import them one after the other."
        )
    for signature, kind in BINARY_SIGNATURES.items():
        if raw.startswith(signature):
            raise ImportFileError(
                f"This file is {kind}, not a CSV file. In your spreadsheet choose "
                "File, Save as, CSV, then upload that file."
            )
    if b"\x00" in raw:
        raise ImportFileError(
            "This is not a CSV text file (it contains binary data). "
            "Save your list as CSV (UTF-8) and upload that file."
        )
    try:
        return raw.decode("utf-8-sig"), ""
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        raise ImportFileError(
            "The file's text could not be read. Save it as “CSV UTF-8” and upload it again."
        ) from None
    return text, (
        "The file is not UTF-8, so it was read as Windows-1252 (Excel's usual encoding). "
        "Check that accented names look right below."
    )


def header_key(text: str) -> str:
    """A column name as compared: "E-mail address" and "email_address" are the same column."""
    return re.sub(r"[^a-z0-9]", "", text.casefold())


@dataclass(frozen=True)
class CsvLayout:
    """How a file's columns map to the import's fields."""

    headers: list[str]
    delimiter: str
    fields: dict[str, int]  # field -> column index
    ignored: list[str]

    def as_report(self) -> dict:
        return {
            "headers": self.headers,
            "delimiter": self.delimiter,
            "fields": self.fields,
            "ignored": self.ignored,
        }

    @classmethod
    def from_report(cls, report: dict) -> "CsvLayout":
        return cls(report["headers"], report["delimiter"], report["fields"], report["ignored"])


def csv_records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(line where the record starts, cells) for every non-blank record, the header included."""
    # Strict: a quote left open must be an error, not a field that swallows the rest of the file.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    previous_end = 0
    try:
        for cells in reader:
            line, previous_end = previous_end + 1, reader.line_num
            if any(cell.strip() for cell in cells):
                yield line, cells
    except csv.Error as exc:
        raise ImportFileError(
            f"Line {reader.line_num} cannot be read as CSV ({exc}). Check the file and upload "
            "it again."
        ) from None


def csv_header(text: str) -> tuple[str, list[str]]:
    """The delimiter (the commonest of , ; tab on the first line) and the header's names."""
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count) if any(d in first_line for d in ",;\t") else ","
    header = next(csv_records(text, delimiter), None)
    if header is None:
        raise ImportFileError("The file is empty.")
    return delimiter, [cell.strip() for cell in header[1]]


def csv_data_rows(text: str, layout: CsvLayout) -> Iterator[tuple[int, list[str]]]:
    """The records after the header."""
    return itertools.islice(csv_records(text, layout.delimiter), 1, None)


# --- Writing ----------------------------------------------------------------------------------


def spreadsheet_safe(cell: object) -> str:
    """A cell a spreadsheet shows as text, never runs: one that starts like a formula gets a
    leading quote."""
    text = "" if cell is None else str(cell)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def rejected_rows_csv(*, headers: list[str], rejected: list[dict]) -> str:
    """An import's rejected rows with their line and reasons, ready to fix and import again."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([spreadsheet_safe(cell) for cell in ["Line", "Reason", *headers]])
    for entry in rejected:
        reason = "; ".join(entry["reasons"])
        writer.writerow(
            [entry["line"], spreadsheet_safe(reason), *map(spreadsheet_safe, entry["cells"])]
        )
    return BYTE_ORDER_MARK + out.getvalue()


class _Echo:
    """A file that hands back what is written to it: csv.writer then yields each row's text."""

    def write(self, value: str) -> str:
        return value


def csv_stream(rows: Iterable[list], *, byte_order_mark: bool = False) -> Iterator[str]:
    """The CSV as text chunks, one a row, for a streaming response."""
    writer = csv.writer(_Echo())
    if byte_order_mark:
        yield BYTE_ORDER_MARK
    for row in rows:
        yield writer.writerow(row)
