"""The portal's "Getting started" checklist: each step completes from what the customer does,
staff follow it (and ask for documents) on the contact page, and reminders for unfinished steps go
through the outbox once per due time, until the checklist is done."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import AddressSource, ConsentStatus, Contact, ContactPhone, TimelineEvent
from crm.services.consent import consent_record
from documents.services.documents import document_delete, document_upload
from messaging.models import MessageSource, MessageStatus
from portal.models import DocumentRequest, JobInsurance, Onboarding, PortalAccess
from portal.selectors.onboarding import STEP_TITLES, onboarding_progress_for_contact
from portal.services import onboarding
from tests import factories
from tests.conftest import sign_in
from tests.documents import samples
from tests.portal.helpers import CODE, portal_sign_in, sent_messages

pytestmark = pytest.mark.django_db

PAGE = reverse("portal:onboarding")
HOME = reverse("portal:home")


def _signed_in_by_email(client, world, *, invited_days_ago=None):
    """The world's customer, signed in with their email as a redeemed link would leave them."""
    with world.active():
        email = world.contact.emails.first().email
        PortalAccess.objects.create(
            tenant=world.tenant,
            contact=world.contact,
            email=email,
            invited_at=timezone.now() - dt.timedelta(days=invited_days_ago)
            if invited_days_ago is not None
            else None,
            first_signed_in_at=timezone.now(),
        )
    portal_sign_in(client, world.tenant, world.contact)


def _done(client) -> dict[str, bool]:
    progress = client.get(PAGE).context["progress"]
    return {step.key: step.done for step in progress.steps}


def _post(client, step, **data):
    return client.post(PAGE, {"step": step, **data})


class TestChecklist:
    def test_details_verification_and_property_steps_complete(self, client, world):
        _signed_in_by_email(client, world)
        with world.active():
            mobile = world.contact.phones.first().number
            # The mobile came with the web form: the customer proves it with a code.
            ContactPhone.objects.filter(contact=world.contact).update(
                verified_at=None, verified_how="", source=AddressSource.WEB_FORM
            )
        assert _done(client) == {
            "details": False,
            "verify": False,  # the email signed in, so it is verified; the mobile is not
            "property": False,
            "insurance": True,  # no open job: nothing to answer
            "documents": True,  # nothing asked for
        }
        home = client.get(HOME).content.decode()
        assert "Getting started: 2 of 5 done" in home
        assert f'href="{PAGE}"' in home

        refused = _post(client, "details", **{"details-first_name": "", "details-last_name": "",
                        "details-email": "", "details-phone": "", "details-preferred_channel": "sms"})  # fmt: skip
        assert refused.status_code == 400
        assert "Give your name" in refused.content.decode()
        assert "give a mobile number" in refused.content.decode()

        saved = _post(client, "details", **{"details-first_name": "Casey", "details-last_name": "Morgan",
                      "details-email": "casey.new@example.com", "details-phone": str(mobile),
                      "details-preferred_channel": "sms"})  # fmt: skip
        assert saved.status_code == 302
        with world.active():
            contact = Contact.objects.get(pk=world.contact.pk)
            primary = contact.emails.first().email
            kept = contact.emails.count()
            assert TimelineEvent.objects.filter(
                contact=contact, kind="portal.details_confirmed"
            ).exists()
        assert (contact.first_name, contact.preferred_channel) == ("Casey", "sms")
        assert (primary, kept) == ("casey.new@example.com", 2)  # the sign-in address still works
        assert client.get(HOME).status_code == 200

        # Both the new email and the mobile now wait for a code; the mobile's comes by SMS.
        assert _post(client, "verify-send", channel="sms").status_code == 302
        again = _post(client, "verify-send", channel="sms")
        assert "We sent you a code a moment ago" in again.content.decode()
        (message,) = sent_messages(world.tenant, source=MessageSource.PORTAL_SIGN_IN)
        assert (message.channel, message.to_address) == ("sms", str(mobile))
        code = CODE.search(message.body_text).group(1)
        wrong = _post(
            client, "verify-check", **{"verify-code": "000000" if code != "000000" else "111111"}
        )
        assert wrong.status_code == 400
        assert "That code is not right" in wrong.content.decode()
        assert _post(client, "verify-check", **{"verify-code": code}).status_code == 302
        email_code_sent = _post(client, "verify-send", channel="email")
        assert email_code_sent.status_code == 302
        email = sent_messages(world.tenant, source=MessageSource.PORTAL_SIGN_IN)[-1]
        assert email.to_address == "casey.new@example.com"
        assert "Your verification code" in email.subject
        _post(client, "verify-check", **{"verify-code": CODE.search(email.body_text).group(1)})

        prefix = f"p{world.property.pk}"
        incomplete = _post(client, "property", **{f"{prefix}-address_line1": "12 Palm Way",
                           f"{prefix}-city": "", f"{prefix}-postal_code": "33145"})  # fmt: skip
        assert incomplete.status_code == 400
        assert 'value="12 Palm Way"' in incomplete.content.decode()  # what they typed is kept
        _post(client, "property", **{f"{prefix}-address_line1": "12 Palm Way",
              f"{prefix}-city": "Miami", f"{prefix}-state": "FL", f"{prefix}-postal_code": "33145"})  # fmt: skip
        with world.active():
            world.property.refresh_from_db()
        assert world.property.one_line_address == "12 Palm Way, Miami, FL 33145"

        assert _done(client) == dict.fromkeys(STEP_TITLES, True)
        assert "Getting started: " not in client.get(HOME).content.decode()

    def test_insurance_per_open_job_and_requested_documents(self, client, world):
        _signed_in_by_email(client, world)
        claim = factories.lead_for(world, owner=world.rep, title="Hail damage")
        factories.lead_for(world, owner=world.rep, title="Gutters")
        assert _done(client)["insurance"] is False

        refused = _post(client, "insurance", **{f"j{claim.pk}-is_claim": "yes",
                        f"j{claim.pk}-carrier": "Citizens"})  # fmt: skip
        assert refused.status_code == 400
        assert "Give the claim number" in refused.content.decode()
        assert 'value="Citizens"' in refused.content.decode()

        with world.active():
            gutters = claim.contact.leads.exclude(pk=claim.pk).get()
        _post(client, "insurance", **{f"j{claim.pk}-is_claim": "yes", f"j{claim.pk}-carrier": "Citizens",
              f"j{claim.pk}-claim_number": "HO-2291", f"j{gutters.pk}-is_claim": "no"})  # fmt: skip
        with world.active():
            answers = {a.lead_id: str(a) for a in JobInsurance.objects.filter(tenant=world.tenant)}
        assert answers == {
            claim.pk: "Citizens · claim HO-2291",
            gutters.pk: "Not an insurance claim",
        }
        assert _done(client)["insurance"] is True

        with world.active():
            onboarding.document_request_create(
                tenant=world.tenant, actor=world.rep.user, contact=world.contact, kind="insurance",
                note="The claim letter",
            )  # fmt: skip
        page = client.get(PAGE)
        assert page.context["progress"].step("documents").done is False
        assert "?kind=insurance#upload" in page.content.decode()
        client.post(reverse("portal:document-upload"), {"job": claim.pk, "kind": "photo",
                    "file": samples.upload("roof.png", samples.png())})  # fmt: skip
        assert _done(client)["documents"] is False  # a photo is not the insurance paper asked for
        client.post(reverse("portal:document-upload"), {"job": claim.pk, "kind": "insurance",
                    "file": samples.upload("letter.pdf", samples.pdf())})  # fmt: skip
        assert _done(client)["documents"] is True


class TestStaffSide:
    def test_the_contact_page_shows_progress_and_asks_for_a_document(self, client, world):
        with world.active():
            PortalAccess.objects.create(tenant=world.tenant, contact=world.contact)
        sign_in(client, world.rep)
        contact_page = reverse("contacts:detail", kwargs={"contact_pk": world.contact.pk})

        html = client.get(contact_page).content.decode()
        assert "Getting started</dt><dd>3 of 5 done" in html
        assert "Confirm your contact details" in html

        response = client.post(
            reverse("portal:onboarding-request-document", kwargs={"contact_pk": world.contact.pk}),
            {"portal-request-kind": "signed_form", "portal-request-note": "The permit form"},
        )

        assert response.status_code == 302
        with world.active():
            request = DocumentRequest.objects.get(tenant=world.tenant)
            assert TimelineEvent.objects.filter(kind="portal.document_requested").exists()
        assert (request.kind, request.note, request.requested_by) == (
            "signed_form", "The permit form", world.rep.user,
        )  # fmt: skip
        html = client.get(contact_page).content.decode()
        assert "Asked" in html and "for signed form" in html
        assert "Still needed: signed form" in html

    def test_another_tenants_contact_is_not_found(self, client, world, other_world):
        sign_in(client, world.rep)
        url = reverse(
            "portal:onboarding-request-document", kwargs={"contact_pk": other_world.contact.pk}
        )
        assert client.post(url, {"portal-request-kind": "photo"}).status_code == 404
        with other_world.active():
            assert not DocumentRequest.objects.filter(tenant=other_world.tenant).exists()


class TestReminders:
    def _sweep(self, world, now):
        with world.active():
            return onboarding.onboarding_reminders_send(tenant=world.tenant, now=now)

    def test_one_reminder_per_due_time_at_most_three_and_none_once_done(self, client, world):
        _signed_in_by_email(client, world, invited_days_ago=4)
        recent = factories.ContactFactory(tenant=world.tenant)
        factories.ContactEmailFactory(tenant=world.tenant, contact=recent)
        with world.active():
            PortalAccess.objects.create(
                tenant=world.tenant,
                contact=recent,
                invited_at=timezone.now() - dt.timedelta(days=1),
            )
            onboarding.document_request_create(
                tenant=world.tenant, actor=world.rep.user, contact=recent, kind="photo"
            )
        now = timezone.now()

        assert self._sweep(world, now) == 1
        assert self._sweep(world, now + dt.timedelta(hours=1)) == 0  # not twice
        (reminder,) = sent_messages(world.tenant, source=MessageSource.ONBOARDING)
        assert reminder.contact_id == world.contact.pk
        assert reminder.status == MessageStatus.SCHEDULED
        assert "3 of 5 steps" in reminder.body_text  # both addresses typed by staff: verified
        assert "- Confirm your contact details" in reminder.body_text
        assert PAGE in reminder.body_text

        def reminded(contact) -> int:
            return len(
                sent_messages(world.tenant, source=MessageSource.ONBOARDING, contact=contact)
            )

        # The recent invitation's first reminder comes three days after it. Then that contact is
        # erased (their portal access deleted): their checklist and reminders go with it.
        assert self._sweep(world, now + dt.timedelta(days=2, hours=1)) == 1
        assert (reminded(world.contact), reminded(recent)) == (1, 1)
        with world.active():
            PortalAccess.objects.filter(contact=recent).delete()
            assert not DocumentRequest.objects.exists()
        assert self._sweep(world, now + dt.timedelta(days=6)) == 0
        assert self._sweep(world, now + dt.timedelta(days=7)) == 1
        assert self._sweep(world, now + dt.timedelta(days=14)) == 1
        assert self._sweep(world, now + dt.timedelta(days=21)) == 0  # three at most
        assert reminded(world.contact) == 3
        with world.active():
            assert Onboarding.objects.get(access__contact=world.contact).reminders_sent == 3

    def test_a_finished_checklist_stops_the_reminders(self, world):
        with world.active():
            access = PortalAccess.objects.create(
                tenant=world.tenant,
                contact=world.contact,
                email=world.contact.emails.first().email,
                phone=world.contact.phones.first().number,
                invited_at=timezone.now() - dt.timedelta(days=10),
            )
            row = Onboarding.objects.create(
                tenant=world.tenant,
                access=access,
                details_confirmed_at=timezone.now(),
                properties_confirmed_at=timezone.now(),
            )

        assert self._sweep(world, timezone.now()) == 0

        with world.active():
            row.refresh_from_db()
        assert row.completed_at is not None
        assert sent_messages(world.tenant, source=MessageSource.ONBOARDING) == []

    def test_the_delivery_policy_applies_consent(self, client, world):
        _signed_in_by_email(client, world, invited_days_ago=4)
        with world.active():
            consent_record(
                tenant=world.tenant, contact=world.contact, channel="email",
                status=ConsentStatus.WITHDRAWN, source="test",
            )  # fmt: skip

        assert self._sweep(world, timezone.now()) == 1

        (reminder,) = sent_messages(world.tenant, source=MessageSource.ONBOARDING)
        assert reminder.status == MessageStatus.SUPPRESSED
        assert "opted out" in reminder.decisions[-1]["reason"]


def test_a_removed_upload_no_longer_fulfils_the_request(world):
    with world.active():
        onboarding.document_request_create(
            tenant=world.tenant, actor=world.rep.user, contact=world.contact, kind="photo"
        )
        document = document_upload(
            tenant=world.tenant, file=samples.upload("a.png", samples.png()), contact=world.contact,
            kind="photo", visible_to_customer=False, uploaded_by_contact=world.contact,
        )  # fmt: skip

        def photo_step_done():
            progress = onboarding_progress_for_contact(tenant=world.tenant, contact=world.contact)
            return progress.step("documents").done

        assert photo_step_done()
        document_delete(tenant=world.tenant, document=document, by_contact=world.contact)
        assert not photo_step_done()
