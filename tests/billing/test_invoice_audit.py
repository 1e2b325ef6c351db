"""An invoice's life in the audit trail: made (with its lines), sent (its number, status and due
date), voided (with the reason), named as people know it and with its fields' labels in the
reader's language; the customer link's token is never recorded."""

import html
import re

import pghistory
import pytest

from billing.services.invoices import invoice_send, invoice_void, invoices_create_from_quote
from billing.services.settings import billing_settings_save
from crm.models import User
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def _text(client) -> str:
    page = html.unescape(client.get("/settings/audit/", {"what": "invoices"}).content.decode())
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page))


def test_an_invoice_made_sent_and_voided_reads_in_the_audit_trail(client, world, job):
    lead, quote = job
    with world.active(), pghistory.context(user=world.admin.user_id):
        deposit, *_rest = invoices_create_from_quote(
            tenant=world.tenant, actor=world.admin.user, quote=quote
        )
        sent = invoice_send(tenant=world.tenant, actor=world.admin.user, invoice=deposit)
        invoice_void(
            tenant=world.tenant, actor=world.admin.user, invoice=sent, reason="Wrong amount"
        )
        job_name = f"{lead.reference} ({lead.contact.display_name})"
        token = sent.public_token
    sign_in(client, world.admin)
    trail = _text(client)
    assert f"Draft invoice for {job_name} added" in trail
    assert f"Invoice {sent.number} for {job_name} changed" in trail
    # A line is named by its invoice as it is now: the number it was given since.
    assert re.search(rf"Line “[^”]+” of {sent.number} added", trail)
    assert "Status: Draft → Sent" in trail or "Status: Sent → Void" in trail
    assert "Why void: — → Wrong amount" in trail
    assert token not in trail

    User.objects.filter(pk=world.admin.user_id).update(language="nl")
    trail = _text(client)
    assert f"Factuur {sent.number} voor {job_name}" in trail
    assert "Vervaldatum: —" in trail
    assert "Reden vervallen: — → Wrong amount" in trail


def test_a_change_of_the_invoice_settings_reads_in_the_audit_trail(client, world):
    with world.active(), pghistory.context(user=world.admin.user_id):
        billing_settings_save(
            tenant=world.tenant,
            actor=world.admin.user,
            payment_terms_days=30,
            invoice_prefix="F-",
            credit_note_prefix="CN-",
            reminders_max=3,
        )
    sign_in(client, world.admin)
    trail = _text(client)
    assert "Invoice settings changed" in trail
    assert "Payment terms (days): 14 → 30" in trail
    assert "Invoice number prefix: INV- → F-" in trail
    assert "Reminders per invoice, at most: 2 → 3" in trail
