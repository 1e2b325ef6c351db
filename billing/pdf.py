"""Invoice, credit note and quote PDFs, drawn from one layout with fpdf2.

fpdf2 is pure Python: it installs from a wheel with no system library (no Cairo, Pango or a
browser, unlike HTML-to-PDF tools), which keeps the image small and `make install` a wheel-only
step. Text is set in DejaVu Sans (billing/fonts, with its licence), embedded and subset, so Dutch
and Spanish letters and the € sign print on any reader. Dates and amounts are written as the
document's reader (the customer's language) writes them, in the business's currency.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from crm.kit.formatting import local_date, money_format

FONTS = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"
MARGIN = 18
INK = (32, 38, 48)
MUTED = (102, 112, 133)
RULE = (214, 219, 226)


@dataclass(frozen=True)
class Row:
    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_percent: Decimal
    amount: Decimal


@dataclass
class Document:
    """What a PDF shows, already in the reader's words (see invoice_document, quote_document)."""

    heading: str  # "Invoice", "Credit note", "Quote"
    number: str
    business: str
    business_lines: list[str]
    customer: str
    customer_lines: list[str]
    facts: list[tuple[str, str]]  # (label, value): date, due date, quote …
    title: str
    rows: list[Row]
    sums: list[tuple[str, str, bool]]  # (label, amount, bold)
    notes: list[str] = field(default_factory=list)
    language: str = "en"


def _font(pdf: FPDF) -> None:
    pdf.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))


class _Pdf(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FONT, "", 8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, f"{self.footer_text}  ·  {self.page_no()}/{{nb}}", align="C")


def _header(pdf: FPDF, doc: Document) -> None:
    top = pdf.get_y()
    pdf.set_font(FONT, "B", 15)
    pdf.set_text_color(*INK)
    pdf.multi_cell(95, 7, doc.business, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9)
    pdf.set_text_color(*MUTED)
    for line in doc.business_lines:
        pdf.multi_cell(95, 4.5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    left_bottom = pdf.get_y()
    pdf.set_xy(pdf.w - MARGIN - 80, top)
    pdf.set_font(FONT, "B", 18)
    pdf.set_text_color(*INK)
    pdf.cell(80, 9, doc.heading, align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 11)
    pdf.cell(80, 6, doc.number, align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9)
    for label, value in doc.facts:
        pdf.set_text_color(*MUTED)
        pdf.cell(45, 5, label, align="R")
        pdf.set_text_color(*INK)
        pdf.cell(35, 5, value, align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_x(pdf.w - MARGIN - 80)
    pdf.set_y(max(left_bottom, pdf.get_y()) + 6)


def _customer(pdf: FPDF, doc: Document) -> None:
    pdf.set_font(FONT, "", 8)
    pdf.set_text_color(*MUTED)
    pdf.cell(0, 4, _("Bill to").upper(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 10)
    pdf.set_text_color(*INK)
    pdf.multi_cell(110, 5, doc.customer, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9)
    for line in doc.customer_lines:
        pdf.multi_cell(110, 4.5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(5)
    if doc.title:
        pdf.set_font(FONT, "B", 11)
        pdf.multi_cell(0, 6, doc.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(2)


def _table(pdf: FPDF, doc: Document, amount) -> None:
    pdf.set_font(FONT, "", 9)
    pdf.set_draw_color(*RULE)
    headings = (_("Description"), _("Qty"), _("Unit price"), _("Tax"), _("Amount"))
    with pdf.table(
        col_widths=(80, 18, 28, 16, 32),
        text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        borders_layout="HORIZONTAL_LINES",
        line_height=5.5,
        padding=1.2,
        headings_style=FontFace(emphasis="BOLD", color=INK),
        first_row_as_headings=True,
    ) as table:
        header = table.row()
        for text in headings:
            header.cell(text)
        for row in doc.rows:
            cells = table.row()
            cells.cell(row.description)
            cells.cell(f"{row.quantity.normalize():f}")
            cells.cell(amount(row.unit_price))
            cells.cell(f"{row.tax_percent.normalize():f} %" if row.tax_percent else "—")
            cells.cell(amount(row.amount))


def _sums(pdf: FPDF, doc: Document) -> None:
    pdf.ln(3)
    for label, value, bold in doc.sums:
        pdf.set_font(FONT, "B" if bold else "", 10 if bold else 9)
        pdf.set_text_color(*INK)
        pdf.set_x(pdf.w - MARGIN - 110)
        pdf.cell(80, 6, label, align="R")
        pdf.cell(30, 6, value, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if doc.notes:
        pdf.ln(6)
        pdf.set_font(FONT, "", 9)
        pdf.set_text_color(*MUTED)
        for note in doc.notes:
            pdf.multi_cell(0, 4.8, note, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def render(doc: Document, *, currency: str, country: str) -> bytes:
    """The document as PDF bytes, in its reader's language."""
    with translation.override(doc.language):
        amount = money_format(currency, language=doc.language, country=country)
        pdf = _Pdf(format="A4")
        _font(pdf)
        pdf.set_margins(MARGIN, MARGIN, MARGIN)
        pdf.set_auto_page_break(True, margin=20)
        pdf.set_title(f"{doc.heading} {doc.number}")
        pdf.set_creator("Threadline")
        pdf.footer_text = f"{doc.business} · {doc.heading} {doc.number}"
        pdf.add_page()
        _header(pdf, doc)
        _customer(pdf, doc)
        _table(pdf, doc, amount)
        _sums(pdf, doc)
        return bytes(pdf.output())


def date_words(value: dt.date | None, language: str) -> str:
    return local_date(value, "date", language=language) if value else ""


def sums_of(
    amount, *, subtotal, discount=None, tax_lines: Sequence = (), total, paid=None, balance=None
) -> list[tuple[str, str, bool]]:
    """The figures under the lines, labelled in the active language."""
    sums = [(_("Subtotal"), amount(subtotal), False)]
    if discount:
        sums.append((_("Discount"), amount(-discount), False))
    for group in tax_lines:
        label = _("%(name)s (%(percent)s %% of %(amount)s)") % {
            "name": group.name,
            "percent": f"{group.percent.normalize():f}",
            "amount": amount(group.net),
        }
        sums.append((label, amount(group.tax), False))
    sums.append((_("Total"), amount(total), True))
    if paid is not None:
        sums.append((_("Paid"), amount(paid), False))
    if balance is not None:
        sums.append((_("Balance due"), amount(balance), True))
    return sums
