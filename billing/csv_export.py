"""The accounting exports' CSV format: invoices one row per line (as Xero, QuickBooks and Exact
import them, each row carrying its invoice's number, dates, contact and total), and payments one
row per payment or refund.

Numbers are in machine format (a dot before the decimals, no thousands separator, a credit
note's amounts negative) and dates ISO (2026-03-31), whatever the reader's language: an
accounting tool reads them as they are. Headers and codes (status, kind, method) stay English
for the same reason. Only text cells are neutralised against spreadsheet formulas: a number
must stay a number ("-100.00" is a credit, not a formula).
"""

import datetime as dt
from collections.abc import Iterable, Iterator
from decimal import Decimal

from billing.models import OPEN_STATUSES, Series
from billing.selectors.invoices import OVERDUE
from crm.kit.csv_files import csv_stream, spreadsheet_safe
from leads.models import PaymentKind

INVOICE_HEADERS = (
    "Invoice number",
    "Invoice date",
    "Due date",
    "Type",
    "Credits invoice",
    "Contact name",
    "Email",
    "Job",
    "Brand",
    "Description",
    "Quantity",
    "Unit amount",
    "Line amount",
    "Tax rate name",
    "Tax rate %",
    "Tax amount",
    "Invoice total",
    "Currency",
    "Status",
)

PAYMENT_HEADERS = (
    "Date",
    "Invoice number",
    "Amount",
    "Currency",
    "Kind",
    "Method",
    "Reference",
    "Contact name",
    "Job",
)


def number(value: Decimal | None) -> str:
    """1234.5 -> "1234.50": fixed point, dot decimal, no grouping."""
    return "" if value is None else f"{value:.2f}"


def iso_date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def _contact_name(first_name: str, last_name: str, company_name: str) -> str:
    """A company pays as the company; a person by name (Contact.display_name otherwise)."""
    return company_name or f"{first_name} {last_name}".strip()


def _status(status: str, due_on: dt.date | None, today: dt.date) -> str:
    """The status as the invoice list shows it: open past its due date is overdue."""
    is_open = status in OPEN_STATUSES
    return OVERDUE if is_open and due_on is not None and due_on < today else status


def invoice_rows(lines: Iterable[tuple], *, today: dt.date) -> Iterator[list[str]]:
    """The header, then a row per line (billing.selectors.exports.INVOICE_LINE_FIELDS)."""
    yield list(INVOICE_HEADERS)
    for (
        invoice_number,
        issued_on,
        due_on,
        series,
        status,
        currency,
        total,
        credits_number,
        first_name,
        last_name,
        company_name,
        email,
        lead_number,
        brand_name,
        description,
        quantity,
        unit_price,
        amount,
        tax_name,
        tax_percent,
        tax_amount,
    ) in lines:
        yield [
            spreadsheet_safe(invoice_number),
            iso_date(issued_on),
            iso_date(due_on),
            "credit_note" if series == Series.CREDIT_NOTE else "invoice",
            spreadsheet_safe(credits_number or ""),
            spreadsheet_safe(_contact_name(first_name, last_name, company_name)),
            spreadsheet_safe(email or ""),
            f"L-{lead_number}",
            spreadsheet_safe(brand_name or ""),
            spreadsheet_safe(description),
            number(quantity),
            number(unit_price),
            number(amount),
            spreadsheet_safe(tax_name),
            number(tax_percent),
            number(tax_amount),
            number(total),
            currency,
            _status(status, due_on, today),
        ]


def payment_rows(payments: Iterable[tuple], *, currency: str) -> Iterator[list[str]]:
    """The header, then a row per payment or refund (billing.selectors.exports
    .payments_for_export);
    a payment without an invoice is in the team's `currency`."""
    yield list(PAYMENT_HEADERS)
    for (
        received_on,
        invoice_number,
        invoice_currency,
        amount,
        kind,
        method,
        reference,
        first_name,
        last_name,
        company_name,
        lead_number,
    ) in payments:
        yield [
            iso_date(received_on),
            spreadsheet_safe(invoice_number or ""),
            number(amount),
            invoice_currency or currency,
            "refund" if kind == PaymentKind.REFUND else "payment",
            method,
            spreadsheet_safe(reference),
            spreadsheet_safe(_contact_name(first_name, last_name, company_name)),
            f"L-{lead_number}",
        ]


def csv_chunks(rows: Iterable[list[str]]) -> Iterator[str]:
    """The CSV as text chunks for a streaming response (a byte-order mark first, so Excel reads
    accents right)."""
    return csv_stream(rows, byte_order_mark=True)
