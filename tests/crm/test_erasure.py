"""Erasure end to end: a customer's export before, a manager erases the contact from the contact
page, the export after holds nothing personal, the audit history keeps no old values, and the
figures the dashboards read (leads, stages, values, sources, lost reasons, dates) are unchanged."""

import io
from decimal import Decimal

import pytest
from django.apps import apps
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone

from crm.models import (
    ConsentStatus,
    ContactConsent,
    ErasureRequest,
    ErasureStatus,
    Property,
    TimelineEvent,
)
from crm.services.consent import consent_record
from crm.services.erasure import ErasureReport, contact_anonymise
from crm.services.timeline import timeline_record
from documents.models import Document
from documents.services.documents import document_upload
from leads.models import Lead, LostReason, Payment, Quote, Stage, StageVisit
from leads.services.stages import lead_move_to_stage
from messaging.models import MessageStatus, OutboundMessage
from portal.auth import PortalCustomer
from portal.models import PortalAccess
from portal.services.data_export import write_json
from tests import factories
from tests.conftest import sign_in
from tests.documents import samples
from tickets.models import InboundEvent, Inbox, Ticket, TicketMessage

pytestmark = pytest.mark.django_db

NAME = ("Zelda", "Quarrington")
EMAIL = "zelda.q@example.test"
PHONE = "+13055550177"
STREET = "77 Marigold Crescent"
SAID = "my dog is called Biscuit"


def _erasable(world):
    """A contact with a bit of everything: addresses, a property of their own and a shared one,
    two jobs (one lost), a quote, a payment, messages both ways, a document, consent."""
    tenant = world.tenant
    contact = factories.ContactFactory(tenant=tenant, first_name=NAME[0], last_name=NAME[1])
    factories.ContactEmailFactory(tenant=tenant, contact=contact, email=EMAIL)
    factories.ContactPhoneFactory(tenant=tenant, contact=contact, number=PHONE)
    own = factories.PropertyFactory(tenant=tenant, address_line1=STREET, notes=SAID)
    factories.PropertyContactFactory(tenant=tenant, property=own, contact=contact)
    factories.PropertyContactFactory(tenant=tenant, property=world.property, contact=contact)
    source = factories.LeadSourceFactory(tenant=tenant)
    roof = factories.lead_for(
        world,
        contact=contact,
        place=own,
        owner=world.rep,
        title="New roof",
        estimated_value=Decimal("12500.00"),
        source=source,
    )
    gutter = factories.lead_for(world, contact=contact, place=own, owner=world.rep)
    with world.active():
        stage = Stage.objects.filter(pipeline_id=roof.pipeline_id).order_by("position")[1]
        lead_move_to_stage(tenant=tenant, actor=None, lead=roof, stage=stage)
        Lead.objects.filter(pk=gutter.pk).update(
            status="lost", lost_reason=LostReason.PRICE, lost_note=f"{NAME[0]} said {SAID}"
        )
        Quote.objects.create(
            tenant=tenant,
            lead=roof,
            number=1,
            title="Roof",
            message=f"Dear {NAME[0]}",
            status="accepted",
            valid_until=timezone.localdate(),
            decided_by_name=" ".join(NAME),
            sent_at=timezone.now(),
        )
        Payment.objects.create(
            tenant=tenant,
            lead=roof,
            amount=Decimal("500.00"),
            method="check",
            reference=f"check from {NAME[1]}",
        )
        OutboundMessage.objects.create(
            tenant=tenant,
            idempotency_key="erasure-test",
            channel="email",
            source="manual",
            status=MessageStatus.SENT,
            send_after=timezone.now(),
            sent_at=timezone.now(),
            contact=contact,
            lead=roof,
            to_address=EMAIL,
            subject=f"Hello {NAME[0]}",
            body_text=f"Hi {NAME[0]}, your roof",
            context={"first_name": NAME[0]},
        )
        inbox = Inbox.objects.create(tenant=tenant, name="Support")
        ticket = Ticket.objects.create(
            tenant=tenant,
            number=1,
            inbox=inbox,
            contact=contact,
            subject=f"{NAME[0]}'s leak",
            last_message_snippet=SAID,
        )
        event = InboundEvent.objects.create(
            tenant=tenant,
            provider="twilio",
            channel="sms",
            event_key="SM-erasure",
            payload={"From": PHONE, "Body": SAID},
            provider_post=f"From={PHONE}&Body={SAID}".encode(),
        )
        TicketMessage.objects.create(
            tenant=tenant,
            ticket=ticket,
            direction="in",
            channel="sms",
            from_address=PHONE,
            body_text=SAID,
            # A message they forwarded: its text is theirs to erase too.
            enclosed=[{"from_name": "", "from_address": "", "subject": "", "text": SAID}],
            inbound_event=event,
        )
        TicketMessage.objects.create(
            tenant=tenant,
            ticket=ticket,
            direction="internal",
            channel="email",
            body_text="internal: she is lovely",
        )
        consent_record(
            tenant=tenant,
            contact=contact,
            channel="sms",
            status=ConsentStatus.GRANTED,
            source=f"staff: {NAME[0]} told us at the door",
        )
        document_upload(
            tenant=tenant,
            file=io.BytesIO(samples.png()),
            contact=contact,
            lead=roof,
            kind="photo",
            visible_to_customer=True,
            uploaded_by_contact=contact,
        )
        PortalAccess.objects.create(tenant=tenant, contact=contact, email=EMAIL)
        timeline_record(
            tenant=tenant,
            kind="lead.note",
            summary=f"Called {NAME[0]}: {SAID}",
            lead=roof,
            detail={"text": SAID, "minutes": 5},
        )
    return contact, own


def _export(world, contact) -> str:
    with world.active():
        contact.refresh_from_db()
        customer = PortalCustomer(
            tenant=world.tenant,
            contacts=(contact,),
            contact_ids=frozenset({contact.pk}),
            property_ids=frozenset(),
            address=None,
            brand=None,
        )
        out = io.StringIO()
        write_json(customer, out)
    return out.getvalue()


def _sorted(rows) -> list:
    return sorted(rows, key=repr)


def _figures(world) -> dict:
    """What the dashboards read: leads by stage, status, source and lost reason, their values,
    costs and dates, and the stage visits."""
    with world.active():
        leads = Lead.objects.filter(tenant=world.tenant)
        return {
            "by_stage": _sorted(leads.values_list("stage_id").annotate(n=Count("id"))),
            "by_source": _sorted(
                leads.values_list("source_id", "status", "lost_reason").annotate(n=Count("id"))
            ),
            "values": leads.aggregate(v=Sum("estimated_value"), c=Sum("cost")),
            "dates": _sorted(leads.values_list("pk", "created_at", "won_at", "stage_entered_at")),
            "visits": _sorted(
                StageVisit.objects.values_list("lead_id", "stage_id", "entered_at", "left_at")
            ),
            "quotes": _sorted(Quote.objects.values_list("lead_id", "status", "total")),
            "payments": _sorted(Payment.objects.values_list("lead_id", "amount", "received_on")),
            "messages": _sorted(
                OutboundMessage.objects.values_list("channel", "status", "sent_at")
            ),
            "events": _sorted(
                TimelineEvent.objects.exclude(kind="contact.erased").values_list(
                    "pk", "kind", "occurred_at"
                )
            ),
        }


PERSONAL = (NAME[0], NAME[1], EMAIL, PHONE, STREET, SAID, "Biscuit", "5550177")


def _history_text(world) -> str:
    """Every audit (pghistory) row of the tenant, as text."""
    import pghistory.models

    rows = []
    with world.active():
        for model in apps.get_models():
            if (
                issubclass(model, pghistory.models.Event)
                and hasattr(model, "pgh_tracked_model")
                and any(f.name == "tenant" for f in model._meta.fields)
            ):
                rows += [str(r) for r in model.objects.filter(tenant_id=world.tenant.pk).values()]
    return "\n".join(rows)


class TestContactAnonymise:
    def test_end_to_end_from_the_contact_page(self, client, world):
        contact, own = _erasable(world)
        before = _export(world, contact)
        for value in PERSONAL[:5]:
            assert value in before
        assert "internal: she is lovely" not in before  # internal notes never go out
        assert any(value in _history_text(world) for value in PERSONAL)
        figures = _figures(world)
        with world.active():
            stored = Document.objects.get(contact=contact).file
            assert stored.storage.exists(stored.name)
        sign_in(client, world.manager)

        panel = client.get(reverse("contacts:erasure", kwargs={"contact_pk": contact.pk}))
        assert "Erase this contact" in panel.content.decode()
        refused = client.post(
            reverse("contacts:erase", kwargs={"contact_pk": contact.pk}), {"confirm": "yes"}
        )
        assert refused.status_code == 200
        assert "Type ERASE to confirm" in refused.content.decode()
        response = client.post(
            reverse("contacts:erase", kwargs={"contact_pk": contact.pk}),
            {"confirm": "erase", "note": "asked by phone"},
        )

        assert response.status_code == 302
        after = _export(world, contact)
        for value in PERSONAL:
            assert value not in after, value
        for value in PERSONAL:
            assert value not in _history_text(world), value
        assert _figures(world) == figures
        with world.active():
            contact.refresh_from_db()
            assert contact.display_name == "Erased contact"
            assert not contact.emails.exists() and not contact.phones.exists()
            own.refresh_from_db()
            assert own.address_line1 == "Erased" and own.notes == ""
            shared = Property.objects.get(pk=world.property.pk)
            assert shared.address_line1 == world.property.address_line1  # another's address
            assert not shared.links.filter(contact=contact).exists()
            assert not Document.objects.filter(contact=contact).exists()
            assert not stored.storage.exists(stored.name)
            assert not PortalAccess.objects.filter(contact=contact).exists()
            consent = ContactConsent.objects.get(contact=contact, channel="sms")
            assert (consent.status, consent.source) == (ConsentStatus.GRANTED, "erased")
            erased_event = InboundEvent.objects.get(event_key="SM-erasure")
            assert (erased_event.payload, bytes(erased_event.provider_post)) == ({}, b"")
            for message in TicketMessage.objects.filter(ticket__contact=contact):
                assert SAID not in message.body_text
                assert SAID not in str(message.enclosed)
            request = ErasureRequest.objects.get(contact=contact)
            assert (request.status, request.handled_by) == (ErasureStatus.DONE, world.manager.user)
            erased = TimelineEvent.objects.get(contact=contact, kind="contact.erased")
            assert erased.summary == f"Contact erased by {world.manager.user}"
            note = TimelineEvent.objects.get(kind="lead.note")
            assert note.detail == {"minutes": 5}
        page = client.get(reverse("contacts:detail", kwargs={"contact_pk": contact.pk}))
        html = page.content.decode()
        for value in PERSONAL:
            assert value not in html

    def test_the_report_counts_what_was_erased(self, world):
        contact, _own = _erasable(world)
        with world.active():
            report = contact_anonymise(
                tenant=world.tenant, membership=world.manager, contact=contact
            )
        assert report == ErasureReport(
            contact_id=contact.pk,
            figures={
                "properties_erased": 1,
                "properties_unlinked": 1,
                "files_deleted": 1,
                "history_rows_deleted": 17,
                "timeline_events": 8,
                "outbound_messages": 1,
                "inbound_events": 1,
                "ticket_messages": 2,
                "documents_deleted": 1,
            },
        )

    def test_a_rep_may_not_erase(self, client, world):
        sign_in(client, world.rep)
        url = reverse("contacts:erase", kwargs={"contact_pk": world.contact.pk})
        assert client.post(url, {"confirm": "ERASE"}).status_code == 403
        with world.active():
            world.contact.refresh_from_db()
            assert world.contact.emails.exists()
        panel = client.get(reverse("contacts:erasure", kwargs={"contact_pk": world.contact.pk}))
        assert "Erase this contact" not in panel.content.decode()

    def test_another_tenants_contact_is_a_404(self, client, world, other_world):
        sign_in(client, world.admin)
        url = reverse("contacts:erase", kwargs={"contact_pk": other_world.contact.pk})
        assert client.post(url, {"confirm": "ERASE"}).status_code == 404
        with other_world.active():
            assert other_world.contact.emails.exists()

    def test_the_service_refuses_a_rep(self, world):
        with world.active(), pytest.raises(PermissionError):
            contact_anonymise(tenant=world.tenant, membership=world.rep, contact=world.contact)


class TestDecline:
    def test_a_manager_declines_an_open_request_with_a_reason(self, client, world):
        from crm.services.erasure import erasure_request_create

        with world.active():
            erasure_request_create(tenant=world.tenant, contact=world.contact)
        sign_in(client, world.manager)
        url = reverse("contacts:erasure-decline", kwargs={"contact_pk": world.contact.pk})

        empty = client.post(url, {"note": "  "})
        done = client.post(url, {"note": "Open warranty claim: records kept 6 years"})

        assert empty.status_code == 200
        assert "Say why" in empty.content.decode()
        assert done.status_code == 302
        with world.active():
            request = ErasureRequest.objects.get(contact=world.contact)
            assert request.status == ErasureStatus.DECLINED
            assert request.note == "Open warranty claim: records kept 6 years"
