"""The invoice and quote PDFs, read back as text: the number, the lines, the tax and the balance,
in the customer's language (Dutch letters and the € sign included)."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from billing.pdf_documents import invoice_pdf, quote_pdf
from billing.selectors.invoices import invoice_balance, invoice_get
from billing.services.invoices import invoice_send, invoices_create_from_quote
from billing.services.payments import invoice_apply_payment
from crm.models import Tenant
from leads.models import Lead, QuoteStatus
from leads.services.quotes import quote_save_draft
from leads.services.stages import lead_move_to_stage
from leads.services.tax_rates import tax_rate_save
from tests.conftest import sign_in
from tests.factories import lead_for, pipeline_for, stage_named

pytestmark = pytest.mark.django_db
D = Decimal


def text_of(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def dutch_job(world):
    """A Dutch customer of a business in the Netherlands, paying in euros."""
    Tenant.objects.filter(pk=world.tenant.pk).update(currency="EUR", country="NL")
    world.tenant.refresh_from_db()
    with world.active():
        world.contact.language = "nl"
        world.contact.save(update_fields=["language"])
    pipeline = pipeline_for(world.tenant)
    lead = lead_for(world, pipeline, owner=world.rep, title="Laadpaal")
    with world.active():
        btw = tax_rate_save(
            tenant=world.tenant, actor=world.admin.user, name="BTW 21 %", percent=D("21")
        )
        quote = quote_save_draft(
            tenant=world.tenant,
            actor=world.rep.user,
            lead=lead,
            valid_until=world.tenant.today() + dt.timedelta(days=30),
            title="Thuislader met zonnepanelen",
            lines=[("Laadpaal één fase, geïnstalleerd", D("1"), D("1200"), btw)],
            deposit_kind="percent",
            deposit_value=D("25"),
        )
        type(quote).objects.filter(pk=quote.pk).update(status=QuoteStatus.ACCEPTED)
        lead_move_to_stage(
            tenant=world.tenant,
            actor=world.manager.user,
            lead=Lead.objects.get(pk=lead.pk),
            stage=stage_named(pipeline, "Won"),
        )
        quote.refresh_from_db()
    return lead, quote


def test_the_invoice_pdf_reads_back_with_number_lines_tax_and_balance(world, dutch_job):
    _lead, quote = dutch_job
    with world.active():
        _deposit, final = invoices_create_from_quote(
            tenant=world.tenant, actor=world.rep.user, quote=quote
        )
        final = invoice_send(tenant=world.tenant, actor=world.rep.user, invoice=final)
        invoice_apply_payment(
            tenant=world.tenant, actor=world.rep.user, invoice=final, amount=D("100"),
            currency="EUR", method="bank_transfer", received_on=world.tenant.today(),
        )  # fmt: skip
        final = invoice_get(tenant=world.tenant, invoice_id=final.pk)
        figures = invoice_balance(tenant=world.tenant, invoice=final)
        text = text_of(invoice_pdf(tenant=world.tenant, invoice=final, figures=figures))
    assert "Factuur" in text and final.number in text
    assert "Laadpaal één fase, geïnstalleerd" in text
    assert "Af: Aanbetaling (25 %) voor offerte" in text
    # 1,200 + 21 % = 1,452; the deposit invoice took 363 of it: 1,089 left, 100 paid.
    assert "BTW 21 % (21 % over € 900)" in text and "€ 189" in text
    assert "Totaal" in text and "€ 1.089" in text
    assert "€ 989" in text


def test_the_quote_pdf_shows_its_tax_and_schedule(client, world, dutch_job):
    lead, quote = dutch_job
    sign_in(client, world.rep)
    response = client.get(
        reverse("billing:quote-pdf", kwargs={"lead_pk": lead.pk, "quote_pk": quote.pk})
    )
    assert response["Content-Type"] == "application/pdf"
    text = text_of(response.content)
    assert "Offerte" in text and quote.reference in text
    assert "BTW 21 %" in text and "€ 252" in text and "€ 1.452" in text
    assert "Betaalschema" in text and "€ 363" in text
    with world.active():
        assert text_of(quote_pdf(tenant=world.tenant, quote=quote, brand=None)).count("€") >= 3
