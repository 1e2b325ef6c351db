"""The demo's documents (called by seed_demo after the leads): photos, a claim letter, a quote,
a signed contract, an invoice and a warranty on a few jobs, some from the team and some from the
customer, some shared with the customer and some for the team only.

The files are drawn here (small real JPEGs, PNGs and PDFs) and go through document_upload like
any upload, so the content checks pass on them too. Idempotent: a tenant with documents is left
as it is.
"""

import io
from dataclasses import dataclass

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw

from crm.models import Membership, Role, Tenant
from documents.models import Document, DocumentKind
from documents.services.documents import document_upload
from leads.models import Lead


@dataclass(frozen=True)
class DemoDocument:
    lead_title: str
    name: str
    kind: str
    visible: bool
    from_customer: bool = False
    lines: tuple[str, ...] = ()  # a PDF's text; photos are drawn


FLORIDA_DOCUMENTS = [
    DemoDocument("Tile roof replacement", "Front elevation.jpg", DocumentKind.PHOTO, False),
    DemoDocument("Tile roof replacement", "Kitchen ceiling leak.jpg", DocumentKind.PHOTO, True, True),
    DemoDocument("Tile roof replacement", "Quote - tile roof replacement.pdf", DocumentKind.QUOTE, True,
                 lines=("Remove and replace 28 squares of concrete tile", "New underlayment and flashing",
                        "Total: $18,500.00")),
    DemoDocument("Hail damage claim", "Claim acknowledgement letter.pdf", DocumentKind.INSURANCE, True, True,
                 lines=("Claim number: HO-2291-4471", "Date of loss: hail storm, two weeks ago",
                        "An adjuster will contact you to schedule an inspection.")),
    DemoDocument("Hail damage claim", "Hail hits, north slope.png", DocumentKind.PHOTO, False),
    DemoDocument("Full re-roof", "Signed contract.pdf", DocumentKind.SIGNED_FORM, True,
                 lines=("Full re-roof, architectural shingles", "Signed by the homeowner and Florida First Roofing")),
    DemoDocument("Tile roof, pool house", "Invoice.pdf", DocumentKind.INVOICE, True,
                 lines=("Tile roof, pool house", "Amount due: $31,000.00", "Paid in full - thank you")),
    DemoDocument("Tile roof, pool house", "Finished pool house roof.jpg", DocumentKind.COMPLETION_PHOTO, True),
    DemoDocument("Tile roof, pool house", "Workmanship warranty.pdf", DocumentKind.WARRANTY, True,
                 lines=("10-year workmanship warranty", "Covers leaks caused by installation defects")),
    # The portal's demo customer, Casey Morgan (portal/demo.py): what they see under Documents.
    DemoDocument("Full roof replacement", "Quote - full roof replacement.pdf", DocumentKind.QUOTE, True,
                 lines=("Tear off and replace 32 squares of architectural shingles",
                        "New synthetic underlayment, drip edge and ridge vents", "Total: $24,800.00")),
    DemoDocument("Full roof replacement", "Front slope finished.jpg", DocumentKind.COMPLETION_PHOTO, True),
    DemoDocument("Full roof replacement", "Crew schedule.pdf", DocumentKind.OTHER, False,
                 lines=("Crew B, four days", "Dumpster delivery the day before")),
    DemoDocument("Leak over the porch", "Porch ceiling stain.jpg", DocumentKind.PHOTO, True, True),
]  # fmt: skip

CHARGECARS_DOCUMENTS = [
    DemoDocument("12 laadpunten depot", "Meterkast depot.jpg", DocumentKind.PHOTO, True, True),
    DemoDocument("12 laadpunten depot", "Plattegrond parkeerplaats.pdf", DocumentKind.OTHER, False,
                 lines=("Parkeerplaats depot Eindhoven", "12 laadpunten langs de oostgevel")),
]  # fmt: skip


def seed_documents(tenant: Tenant) -> None:
    if Document.objects.filter(tenant=tenant).exists():
        return
    specs = {"demo": FLORIDA_DOCUMENTS, "chargecars": CHARGECARS_DOCUMENTS}.get(tenant.slug, [])
    admin = Membership.objects.filter(tenant=tenant, role=Role.ADMIN).order_by("pk").first()
    for spec in specs:
        lead = (
            Lead.objects.filter(tenant=tenant, title=spec.lead_title)
            .select_related("contact", "property", "owner__user")
            .order_by("pk")
            .first()
        )
        if lead is None:
            continue
        document_upload(
            tenant=tenant,
            file=ContentFile(_content(spec), name=spec.name),
            contact=lead.contact,
            lead=lead,
            kind=spec.kind,
            visible_to_customer=spec.visible,
            actor=None if spec.from_customer else (lead.owner or admin),
            uploaded_by_contact=lead.contact if spec.from_customer else None,
        )


def _content(spec: DemoDocument) -> bytes:
    if spec.name.endswith(".pdf"):
        return pdf_bytes(spec.name.removesuffix(".pdf"), spec.lines)
    return photo_bytes(spec.name, "PNG" if spec.name.endswith(".png") else "JPEG")


def photo_bytes(caption: str, image_format: str = "JPEG") -> bytes:
    """A small picture of a house under a blue sky, captioned."""
    image = Image.new("RGB", (640, 420), "#8fc3ea")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 330, 640, 420), fill="#6ea35a")
    draw.rectangle((170, 210, 470, 340), fill="#efe6d2", outline="#8a7b62", width=3)
    draw.polygon([(140, 215), (320, 95), (500, 215)], fill="#a4442f", outline="#6d2a1c")
    draw.rectangle((295, 265, 345, 340), fill="#6d4c33")
    draw.rectangle((200, 240, 260, 285), fill="#cfe3f3", outline="#8a7b62", width=2)
    draw.rectangle((380, 240, 440, 285), fill="#cfe3f3", outline="#8a7b62", width=2)
    draw.rectangle((0, 388, 640, 420), fill="#1b2430")
    draw.text((12, 396), caption, fill="#ffffff")
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, quality=85, optimize=True)
    return buffer.getvalue()


def pdf_bytes(title: str, lines: tuple[str, ...] | list[str]) -> bytes:
    """A one-page PDF with a title and lines of Helvetica, its cross-reference table exact."""

    def text(value: str) -> bytes:
        escaped = value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        return escaped.encode("latin-1", "replace")

    operations = [b"BT", b"/F1 18 Tf", b"72 740 Td", b"(" + text(title) + b") Tj", b"/F1 11 Tf"]
    for line in lines:
        operations += [b"0 -24 Td", b"(" + text(line) + b") Tj"]
    operations.append(b"ET")
    stream = b"\n".join(operations)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    pdf = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        pdf += b"%010d 00000 n \n" % offset
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref_at,
    )
    return bytes(pdf)
