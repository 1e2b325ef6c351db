"""Sending an invoice: numbered, emailed through the outbox in the customer's language with its
PDF attached and a signed, expiring link that opens that invoice only; the portal lists a
customer's own invoices with their balance and PDF."""

import datetime as dt
import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
import time_machine
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from billing.invoice_links import INVOICE_LINK_MAX_AGE, invoice_public_token
from billing.services.invoices import invoice_create, invoice_send
from messaging.services import outbox, outbox_send
from tests import factories
from tests.conftest import sign_in
from tests.portal.helpers import portal_sign_in

pytestmark = pytest.mark.django_db


@override_settings(COMMS_SANDBOX=False)
def test_send_emails_the_pdf_and_a_link_in_the_customers_language(
    client,
    world,
    job,
    mailoutbox,
):
    lead, _quote = job
    with world.active():
        world.contact.language = "nl"
        world.contact.save(update_fields=["language"])
        lead = type(lead).objects.select_related("contact").get(pk=lead.pk)
        invoice = invoice_create(
            tenant=world.tenant, actor=world.rep.user, lead=lead, title="Extra kabel",
            lines=[("Kabel", Decimal("1"), Decimal("120"), None)],
        )  # fmt: skip
    sign_in(client, world.rep)
    response = client.post(
        reverse("billing:send", kwargs={"lead_pk": lead.pk, "invoice_pk": invoice.pk})
    )
    assert response.status_code == 302
    with world.active():
        [message_id] = outbox.outbox_claim_due(tenant=world.tenant)
        assert outbox_send.message_send(tenant=world.tenant, message_id=message_id) == "sent"
        invoice.refresh_from_db()
    [email] = mailoutbox
    assert email.subject.startswith(f"Factuur {invoice.number}")
    assert "Het openstaande bedrag is $ 120" in email.body
    [(filename, content, mimetype)] = email.attachments
    assert (filename, mimetype) == (f"{invoice.number}.pdf", "application/pdf")
    assert content.startswith(b"%PDF")
    link = re.search(r"https?://\S+/i/\S+/", email.body).group(0)
    page = Client().get(urlsplit(link).path)
    assert page.status_code == 200
    assert "Kabel" in page.content.decode() and invoice.number in page.content.decode()
    pdf = Client().get(urlsplit(link).path + "pdf/")
    assert pdf["Content-Type"] == "application/pdf"


def test_the_link_expires_and_a_forged_one_opens_nothing(world, job):
    lead, _quote = job
    with world.active():
        invoice = invoice_create(
            tenant=world.tenant, actor=world.rep.user, lead=lead, title="Extra",
            lines=[("Cable", Decimal("1"), Decimal("10"), None)],
        )  # fmt: skip
        invoice = invoice_send(tenant=world.tenant, actor=world.rep.user, invoice=invoice)
        token = invoice_public_token(invoice)
    path = reverse("billing-public:invoice", kwargs={"token": token})
    assert Client().get(path).status_code == 200
    assert Client().get(path.replace(token, token[:-2] + "xx")).status_code == 404
    with time_machine.travel(timezone.now() + INVOICE_LINK_MAX_AGE + dt.timedelta(days=1)):
        assert Client().get(path).status_code == 404


def test_the_portal_lists_only_the_customers_own_invoices(client, world, job):
    lead, _quote = job
    with world.active():
        mine = invoice_send(
            tenant=world.tenant,
            actor=world.rep.user,
            invoice=invoice_create(
                tenant=world.tenant, actor=world.rep.user, lead=lead, title="Mine",
                lines=[("Cable", Decimal("1"), Decimal("10"), None)],
            ),
        )  # fmt: skip
        draft = invoice_create(
            tenant=world.tenant, actor=world.rep.user, lead=lead, title="Not yet",
            lines=[("Cable", Decimal("1"), Decimal("10"), None)],
        )  # fmt: skip
        stranger = factories.ContactFactory(tenant=world.tenant)
        factories.ContactEmailFactory(tenant=world.tenant, contact=stranger)
    portal_sign_in(client, world.tenant, stranger)
    assert "Mine" not in client.get(reverse("portal:invoices")).content.decode()
    assert client.get(reverse("portal:invoice", kwargs={"invoice_pk": mine.pk})).status_code == 404
    portal_sign_in(client, world.tenant, world.contact)
    listing = client.get(reverse("portal:invoices")).content.decode()
    assert "Mine" in listing and "Not yet" not in listing and "$10" in listing
    page = client.get(reverse("portal:invoice", kwargs={"invoice_pk": mine.pk}))
    assert page.status_code == 200 and mine.number in page.content.decode()
    assert client.get(reverse("portal:invoice", kwargs={"invoice_pk": draft.pk})).status_code == 404
    pdf = client.get(reverse("portal:invoice-pdf", kwargs={"invoice_pk": mine.pk}))
    assert pdf.content.startswith(b"%PDF")
