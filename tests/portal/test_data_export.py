"""“Download my data”: JSON and zipped CSVs of everything the tenant holds on the customer, none
of anybody else's, formulas neutralised, a fixed number of queries whatever the history, and the
download on the timeline."""

import csv
import io
import json
import zipfile

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.models import ConsentStatus, TimelineEvent
from crm.services.consent import consent_record
from messaging.models import MessageStatus, OutboundMessage
from portal.models import JobInsurance, PortalAccess
from portal.services.data_export import export_sections
from tests import factories
from tests.portal.helpers import portal_sign_in
from tickets.models import Inbox, Ticket, TicketMessage

pytestmark = pytest.mark.django_db

URL = reverse("portal:my-data")


def _message(world, contact, n: int, body: str = "Your roof is booked"):
    with world.active():
        OutboundMessage.objects.create(
            tenant=world.tenant,
            idempotency_key=f"export-{contact.pk}-{n}",
            channel="email",
            source="manual",
            status=MessageStatus.SENT,
            send_after=timezone.now(),
            sent_at=timezone.now(),
            contact=contact,
            to_address="x@example.test",
            subject="Booked",
            body_text=body,
        )


def _download(client, export_format: str):
    response = client.post(URL, {"format": export_format})
    assert response.status_code == 200, response.status_code
    return response, b"".join(response.streaming_content)


class TestExport:
    def test_json_has_their_records_and_nobody_elses(self, client, world, other_world):
        lead = factories.lead_for(world, owner=world.rep, title="New roof")
        stranger = factories.ContactFactory(tenant=world.tenant, first_name="Ottoline")
        _message(world, world.contact, 1)
        _message(world, stranger, 1, body="For Ottoline only")
        with world.active():
            inbox = Inbox.objects.create(tenant=world.tenant, name="Support")
            ticket = Ticket.objects.create(
                tenant=world.tenant, number=1, inbox=inbox, contact=world.contact
            )
            TicketMessage.objects.create(
                tenant=world.tenant,
                ticket=ticket,
                direction="in",
                channel="sms",
                body_text="Is Tuesday fine?",
            )
            TicketMessage.objects.create(
                tenant=world.tenant,
                ticket=ticket,
                direction="internal",
                channel="email",
                body_text="Internal: call before noon",
            )
            consent_record(
                tenant=world.tenant,
                contact=world.contact,
                channel="sms",
                status=ConsentStatus.GRANTED,
                source="web form",
            )
            consent_record(
                tenant=world.tenant,
                contact=world.contact,
                channel="sms",
                status=ConsentStatus.WITHDRAWN,
                source="STOP reply",
            )
        portal_sign_in(client, world.tenant, world.contact)
        with world.active():
            access = PortalAccess.objects.get_or_create(tenant=world.tenant, contact=world.contact)[
                0
            ]
            JobInsurance.objects.create(
                tenant=world.tenant,
                access=access,
                lead=lead,
                carrier="Citizens",
                claim_number="C-9",
            )

        response, body = _download(client, "json")

        assert response["Content-Type"] == "application/json"
        assert "attachment" in response["Content-Disposition"]
        data = json.loads(body)
        assert set(data) >= {kind.name for kind in export_sections()}
        assert data["contacts"][0]["first_name"] == world.contact.first_name
        with world.active():
            assert data["emails"][0]["email"] == world.contact.emails.first().email
        assert data["properties"][0]["address_line1"] == world.property.address_line1
        assert [job["reference"] for job in data["jobs"]] == [lead.reference]
        assert data["stage_history"]  # the step the job is in
        assert [m["text"] for m in data["messages_sent"]] == ["Your roof is booked"]
        assert [m["text"] for m in data["conversations"]] == ["Is Tuesday fine?"]
        assert [c["source"] for c in data["consent_history"]] == ["web form", "STOP reply"]
        assert [(i["job"], i["claim_number"]) for i in data["insurance"]] == [
            (lead.reference, "C-9")
        ]
        text = body.decode()
        assert "Ottoline" not in text and "Internal: call" not in text
        assert other_world.property.address_line1 not in text
        with world.active():
            event = TimelineEvent.objects.get(contact=world.contact, kind="contact.data_exported")
        assert event.summary == "Downloaded their data from the customer portal (JSON)"

    def test_csv_zip_has_one_file_per_kind_with_formulas_neutralised(self, client, world):
        with world.active():
            world.contact.first_name = '=HYPERLINK("http://evil.test")'
            world.contact.save()
        portal_sign_in(client, world.tenant, world.contact)

        response, body = _download(client, "csv")

        assert response["Content-Type"] == "application/zip"
        archive = zipfile.ZipFile(io.BytesIO(body))
        assert archive.namelist() == [f"{kind.name}.csv" for kind in export_sections()]
        rows = list(csv.reader(io.StringIO(archive.read("contacts.csv").decode())))
        assert rows[0][:3] == ["id", "first_name", "last_name"]
        assert rows[1][1] == '\'=HYPERLINK("http://evil.test")'

    def test_queries_do_not_grow_with_the_history(self, client, world):
        portal_sign_in(client, world.tenant, world.contact)
        _message(world, world.contact, 1)

        def count() -> int:
            with CaptureQueriesContext(connection) as captured:
                _download(client, "json")
            return len(captured)

        _download(client, "json")  # the session read once from PostgreSQL, then from Redis
        few = count()
        for n in range(2, 30):
            _message(world, world.contact, n)
        assert count() == few

    def test_needs_a_post_with_its_csrf_token_and_a_known_format(self, client, world):
        portal_sign_in(client, world.tenant, world.contact)
        assert client.get(URL).status_code == 405
        assert client.post(URL, {"format": "xml"}).status_code == 400
        strict = Client(enforce_csrf_checks=True)
        portal_sign_in(strict, world.tenant, world.contact)
        assert strict.post(URL, {"format": "json"}).status_code == 403
