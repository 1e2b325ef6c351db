"""Issue 18: a stranger must not become a customer.

An address that arrived from an unauthenticated source (web form, inbound message, CSV import, a
match in /leads/new/) opens no portal until staff confirm it or the customer proves it with a code
in a portal session opened by an address already verified. Staff see it as unverified, with its
source, and confirm or reject it. The web form's text box is consent to job messages only.
"""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from crm.models import (
    AddressSource,
    AddressVerification,
    Channel,
    ConsentStatus,
    ContactConsent,
    ContactEmail,
    ContactPhone,
    Notification,
    TimelineEvent,
)
from crm.services.consent import consent_record
from leads import capture_links
from leads.models import Lead, LeadCaptureForm, LeadImport
from leads.services import capture
from leads.services import imports as lead_imports
from messaging.models import MessageSource, MessageStatus
from messaging.services import outbox
from portal.addresses import SignInAddress
from portal.models import ChallengeChannel, PortalAccess
from portal.selectors.customers import contacts_with_address, tenants_knowing_address
from portal.services.sign_in import portal_invite
from tests import factories
from tests.conftest import sign_in
from tests.factories import pipeline_for
from tests.portal.helpers import CODE, code_in, link_path, portal_sign_in, sent_messages

pytestmark = pytest.mark.django_db

HOME = reverse("portal:home")
ATTACKER_PHONE = "+13055550199"
ATTACKER_EMAIL = "mallory@example.net"


def _capture_form(world) -> LeadCaptureForm:
    source = factories.LeadSourceFactory(tenant=world.tenant, name="Website")
    with world.active():
        return capture.capture_form_save(
            tenant=world.tenant,
            actor=world.admin.user,
            name="Website estimate",
            pipeline=pipeline_for(world.tenant),
            source=source,
            brand=world.brand,
            heading="Get a free roof estimate",
            thank_you_message="Thanks!",
        )


def _submit_form(client, capture_form, **fields):
    issued_at = timezone.now() - dt.timedelta(seconds=10)
    data = {
        "name": "Mallory Stranger",
        "email": "",
        "phone": "",
        "message": "Please call me",
        "website": "",
        "form_token": capture_links.capture_submission_token(capture_form, issued_at=issued_at),
        **fields,
    }
    url = reverse(
        "public:lead-form", kwargs={"token": capture_links.capture_form_token(capture_form)}
    )
    response = client.post(url, data, REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 200, response.content.decode()[:2000]
    return response


def _customer_with(world, *, email: str | None, phone: str | None):
    """A customer of the tenant with a job, their address(es) typed by staff."""
    contact = factories.ContactFactory(tenant=world.tenant, first_name="Carla", last_name="Owens")
    if email:
        factories.ContactEmailFactory(tenant=world.tenant, contact=contact, email=email)
    if phone:
        factories.ContactPhoneFactory(tenant=world.tenant, contact=contact, number=phone)
    factories.lead_for(world, contact=contact, place=None, title="Roof of Carla")
    return contact


def _ask(client, address: str):
    return client.post(reverse("portal:sign-in"), {"address": address})


def _is_signed_in(client) -> bool:
    return client.get(HOME).status_code == 200


# --- The attack from the issue ----------------------------------------------------------------


def test_a_customers_email_with_the_attackers_phone_signs_the_attacker_in_nowhere(client, world):
    customer = _customer_with(world, email="carla@example.com", phone=None)
    capture_form = _capture_form(world)

    _submit_form(client, capture_form, email="carla@example.com", phone=ATTACKER_PHONE)

    with world.active():
        # The form's lead is made, for the customer its email matched.
        lead = Lead.objects.exclude(title="Roof of Carla").get()
        assert lead.contact_id == customer.pk
        phone = ContactPhone.objects.get(contact=customer)
        assert (phone.source, phone.is_verified) == (AddressSource.WEB_FORM, False)
    attacker = client.__class__()
    response = _ask(attacker, ATTACKER_PHONE)
    assert response["Location"] == reverse("portal:sign-in-code")  # the same answer as ever
    assert sent_messages(world.tenant) == []  # but no code went to the attacker
    for guess in ("000000", "123456"):
        attacker.post(reverse("portal:sign-in-code"), {"code": guess})
    assert not _is_signed_in(attacker)
    # The customer's own email still signs them in.
    _ask(client.__class__(), "carla@example.com")
    (link,) = sent_messages(world.tenant)
    assert link.to_address == "carla@example.com"


def test_a_customers_phone_with_the_attackers_email_sends_the_attacker_no_link(client, world):
    customer = _customer_with(world, email=None, phone="+13055550123")
    capture_form = _capture_form(world)

    _submit_form(client, capture_form, email=ATTACKER_EMAIL, phone="(305) 555-0123")

    with world.active():
        added = ContactEmail.objects.get(contact=customer)
        assert (added.email, added.source, added.is_verified) == (
            ATTACKER_EMAIL,
            AddressSource.WEB_FORM,
            False,
        )
    attacker = client.__class__()
    _ask(attacker, ATTACKER_EMAIL)
    assert sent_messages(world.tenant) == []
    assert (
        tenants_knowing_address(address=SignInAddress(ChallengeChannel.EMAIL, ATTACKER_EMAIL)) == []
    )
    assert not _is_signed_in(attacker)


def test_the_team_is_told_and_staff_confirm_then_the_address_signs_in(client, world):
    customer = _customer_with(world, email="carla@example.com", phone=None)
    _submit_form(client, _capture_form(world), email="carla@example.com", phone=ATTACKER_PHONE)

    with world.active():
        event = TimelineEvent.objects.get(contact=customer, kind="contact.address_unverified")
        assert "+1 305-555-0199" in event.summary and "Web form" in event.summary
        told = set(
            Notification.objects.filter(title__contains="Check a new address").values_list(
                "recipient", flat=True
            )
        )
    assert told == {world.admin.user.pk, world.manager.user.pk}

    staff = client.__class__()
    sign_in(staff, world.rep)
    page = staff.get(reverse("contacts:detail", kwargs={"contact_pk": customer.pk}))
    html = page.content.decode()
    assert "unverified" in html and "from Web form" in html
    with world.active():
        phone = ContactPhone.objects.get(contact=customer)
    confirm = reverse(
        "contacts:phone-confirm",
        kwargs={"contact_pk": customer.pk, "contact_phone_pk": phone.pk},
    )
    assert confirm in html
    assert staff.post(confirm).status_code == 302

    with world.active():
        phone.refresh_from_db()
        assert phone.verified_how == AddressVerification.STAFF
        assert phone.verified_by == world.rep.user
        assert TimelineEvent.objects.filter(
            contact=customer, kind="contact.address_confirmed", actor=world.rep.user
        ).exists()
    visitor = client.__class__()
    _ask(visitor, ATTACKER_PHONE)
    visitor.post(reverse("portal:sign-in-code"), {"code": code_in(sent_messages(world.tenant)[0])})
    assert _is_signed_in(visitor)


def test_staff_reject_an_unverified_address_and_it_leaves_the_contact(client, world):
    customer = _customer_with(world, email="carla@example.com", phone=None)
    _submit_form(client, _capture_form(world), email="carla@example.com", phone=ATTACKER_PHONE)
    with world.active():
        phone = ContactPhone.objects.get(contact=customer)
        email = ContactEmail.objects.get(contact=customer)
    sign_in(client, world.rep)

    def url(action, kind, pk):
        return reverse(
            f"contacts:{kind}-{action}",
            kwargs={"contact_pk": customer.pk, f"contact_{kind}_pk": pk},
        )

    refused = client.post(url("reject", "email", email.pk), follow=True)
    assert "only an unverified one is rejected" in refused.content.decode()
    assert client.post(url("reject", "phone", phone.pk)).status_code == 302
    gone = client.post(url("confirm", "phone", phone.pk), follow=True)
    assert "no longer on this contact" in gone.content.decode()
    wrong_table = client.post(url("confirm", "email", 10**9), follow=True)
    assert "no longer on this contact" in wrong_table.content.decode()
    assert client.get(url("reject", "phone", phone.pk)).status_code == 405

    with world.active():
        assert not ContactPhone.objects.filter(contact=customer).exists()
        rejected = TimelineEvent.objects.get(contact=customer, kind="contact.address_rejected")
    assert rejected.actor == world.rep.user and rejected.detail["source"] == "web_form"


def test_another_tenants_address_cannot_be_confirmed(client, world, other_world):
    with other_world.active():
        foreign = factories.ContactPhoneFactory(
            tenant=other_world.tenant, contact=other_world.contact, verified_at=None
        )
    sign_in(client, world.rep)
    response = client.post(
        reverse(
            "contacts:phone-confirm",
            kwargs={"contact_pk": other_world.contact.pk, "contact_phone_pk": foreign.pk},
        )
    )
    assert response.status_code == 404
    with other_world.active():
        foreign.refresh_from_db()
    assert not foreign.is_verified


# --- Every other way in --------------------------------------------------------------------------


def test_a_staff_lead_for_a_known_email_adds_the_new_phone_unverified(client, world):
    customer = _customer_with(world, email="carla@example.com", phone=None)
    sign_in(client, world.rep)
    form = {
        "first_name": "Carla",
        "last_name": "Owens",
        "email": "carla@example.com",
        "phone": ATTACKER_PHONE,
        "pipeline": pipeline_for(world.tenant).pk,
        "lead_type": "residential",
        "owner": world.rep.pk,
    }
    # Staff are asked whether it is Carla (leads.views.leads.lead_create) and say yes.
    assert "Is this them?" in client.post(reverse("leads:create"), form).content.decode()
    response = client.post(reverse("leads:create"), {**form, "same_person": str(customer.pk)})
    assert response.status_code == 302
    with world.active():
        phone = ContactPhone.objects.get(contact=customer)
        assert (phone.source, phone.is_verified) == (AddressSource.STAFF, False)
        assert (
            contacts_with_address(
                tenant=world.tenant, address=SignInAddress(ChallengeChannel.SMS, ATTACKER_PHONE)
            )
            == []
        )


def test_a_new_contact_typed_by_staff_is_verified_and_signs_in(client, world):
    sign_in(client, world.rep)
    response = client.post(
        reverse("contacts:create"),
        {
            "first_name": "Nora",
            "last_name": "Diaz",
            "email": "nora@example.com",
            "phone": "",
            "preferred_channel": "email",
            "language": "en",
        },
    )
    assert response.status_code == 302
    with world.active():
        email = ContactEmail.objects.get(email="nora@example.com")
        assert (email.source, email.verified_how) == (AddressSource.STAFF, "staff")
        assert email.verified_by == world.rep.user


def test_a_csv_import_adds_unverified_addresses_and_tells_the_managers_once(client, world):
    customer = _customer_with(world, email="carla@example.com", phone=None)
    sign_in(client, world.manager)
    content = (
        "First name,Last name,Email,Phone\n"
        f"Carla,Owens,carla@example.com,{ATTACKER_PHONE}\n"
        "New,Person,new.person@example.com,+13055550177\n"
    )
    client.post(
        reverse("leads:import"),
        {
            "file": SimpleUploadedFile("leads.csv", content.encode(), content_type="text/csv"),
            "pipeline": pipeline_for(world.tenant).pk,
            "source": "",
            "owner": world.rep.pk,
        },
    )
    with world.active():
        lead_import = LeadImport.objects.get()
        lead_imports.lead_import_start(
            tenant=world.tenant, actor=world.manager.user, lead_import=lead_import
        )
        while lead_imports.lead_import_run_batch(
            tenant=world.tenant, lead_import_id=lead_import.pk
        ):
            pass
        added = ContactPhone.objects.get(contact=customer)
        assert (added.source, added.is_verified) == (AddressSource.CSV_IMPORT, False)
        new = ContactEmail.objects.get(email="new.person@example.com")
        assert (new.source, new.is_verified) == (AddressSource.CSV_IMPORT, False)
        assert LeadImport.objects.get().report["result"]["unverified_addresses"] == 1
        told = Notification.objects.filter(title__contains="waits for confirmation")
        assert told.count() == 2  # the manager and the admin, once for the whole file
        assert not Notification.objects.filter(title__contains="Check a new address").exists()
    assert (
        tenants_knowing_address(address=SignInAddress(ChallengeChannel.SMS, ATTACKER_PHONE)) == []
    )


def test_an_invitation_goes_only_to_a_verified_address(world):
    customer = _customer_with(world, email=None, phone=None)
    with world.active():
        ContactEmail.objects.create(
            tenant=world.tenant,
            contact=customer,
            email=ATTACKER_EMAIL,
            source=AddressSource.WEB_FORM,
        )
        with pytest.raises(Exception, match="confirm an unverified one"):
            portal_invite(tenant=world.tenant, actor=world.rep.user, contact=customer)
        factories.ContactPhoneFactory(tenant=world.tenant, contact=customer, number="+13055550124")
        address = portal_invite(tenant=world.tenant, actor=world.rep.user, contact=customer)
    assert address.value == "+13055550124"


def test_a_session_opened_with_an_address_that_is_no_longer_verified_ends(client, world):
    """A portal session opened before this release with an address added by a stranger."""
    customer = _customer_with(world, email="carla@example.com", phone=None)
    with world.active():
        ContactEmail.objects.filter(contact=customer).update(verified_at=None)
    portal_sign_in(client, world.tenant, customer)
    response = client.get(HOME)
    assert response.status_code == 302 and response["Location"].startswith(
        reverse("portal:sign-in")
    )


# --- The customer proves a new address --------------------------------------------------------------


def test_a_code_in_a_verified_session_verifies_the_new_address_which_then_signs_in(client, world):
    with world.active():
        PortalAccess.objects.create(tenant=world.tenant, contact=world.contact)
        mobile = world.contact.phones.get().number
    portal_sign_in(client, world.tenant, world.contact)
    page = reverse("portal:onboarding")
    client.post(
        page,
        {
            "step": "details",
            "details-first_name": "Casey",
            "details-last_name": "Morgan",
            "details-email": "casey.new@example.com",
            "details-phone": str(mobile),
            "details-preferred_channel": "email",
        },
    )
    with world.active():
        new = ContactEmail.objects.get(email="casey.new@example.com")
        assert (new.source, new.is_verified) == (AddressSource.PORTAL, False)
    assert _ask(client.__class__(), "casey.new@example.com").status_code == 302
    assert sent_messages(world.tenant) == []  # not yet: it is only the customer's word

    client.post(page, {"step": "verify-send", "channel": "email"})
    (message,) = sent_messages(world.tenant)
    client.post(
        page, {"step": "verify-check", "verify-code": CODE.search(message.body_text).group(1)}
    )

    with world.active():
        new.refresh_from_db()
        assert new.verified_how == AddressVerification.PORTAL_CODE and new.verified_by is None
    visitor = client.__class__()
    _ask(visitor, "casey.new@example.com")
    link = sent_messages(world.tenant)[-1]
    assert link.to_address == "casey.new@example.com"
    visitor.post(link_path(link))
    assert _is_signed_in(visitor)


# --- Consent from the web form ----------------------------------------------------------------------


def test_the_text_box_is_consent_to_job_messages_only(client, world):
    capture_form = _capture_form(world)
    _submit_form(client, capture_form, name="Dana Reyes", phone="+13055550150", sms_consent="on")
    with world.active():
        consent = ContactConsent.objects.get(channel=Channel.SMS)
        assert consent.status == ConsentStatus.NO_MARKETING
        assert consent.source == "web form: texts about the request"
        event = TimelineEvent.objects.get(kind="contact.consent")
    assert "limited to job messages" in event.summary


def test_marketing_needs_its_own_box(client, world):
    capture_form = _capture_form(world)
    page = client.get(
        reverse(
            "public:lead-form", kwargs={"token": capture_links.capture_form_token(capture_form)}
        )
    ).content.decode()
    assert 'name="marketing_consent"' in page
    assert 'name="marketing_consent" checked' not in page

    _submit_form(
        client,
        capture_form,
        name="Dana Reyes",
        phone="+13055550150",
        sms_consent="on",
        marketing_consent="on",
    )
    with world.active():
        consent = ContactConsent.objects.get(channel=Channel.SMS)
    assert (consent.status, consent.source) == (
        ConsentStatus.GRANTED,
        "web form: marketing texts ticked",
    )


def test_a_form_never_lifts_a_stop(client, world):
    customer = _customer_with(world, email="carla@example.com", phone="+13055550123")
    with world.active():
        consent_record(
            tenant=world.tenant,
            contact=customer,
            channel=Channel.SMS,
            status=ConsentStatus.WITHDRAWN,
            source="STOP reply",
        )
    _submit_form(
        client,
        _capture_form(world),
        email="carla@example.com",
        phone="+13055550123",
        sms_consent="on",
        marketing_consent="on",
    )
    with world.active():
        consent = ContactConsent.objects.get(contact=customer, channel=Channel.SMS)
    assert consent.status == ConsentStatus.WITHDRAWN


def test_the_marketing_box_needs_a_phone(client, world):
    capture_form = _capture_form(world)
    issued_at = timezone.now() - dt.timedelta(seconds=10)
    url = reverse(
        "public:lead-form", kwargs={"token": capture_links.capture_form_token(capture_form)}
    )
    response = client.post(
        url,
        {
            "name": "Dana Reyes",
            "email": "dana@example.com",
            "phone": "",
            "marketing_consent": "on",
            "website": "",
            "form_token": capture_links.capture_submission_token(capture_form, issued_at=issued_at),
        },
        REMOTE_ADDR="10.9.9.8",
    )
    assert response.status_code == 400
    assert "Give a mobile number so we can text you." in response.content.decode()
    with world.active():
        assert not Lead.objects.exists()


def test_a_customers_texts_do_not_go_to_a_strangers_unverified_number(client, world):
    customer = _customer_with(world, email="carla@example.com", phone=None)
    _submit_form(client, _capture_form(world), email="carla@example.com", phone=ATTACKER_PHONE)

    with world.active():
        text = outbox.message_schedule(
            tenant=world.tenant,
            channel=Channel.SMS,
            source=MessageSource.MANUAL,
            contact=customer,
            body_text="Your roof job moved to Scheduled",
            idempotency_key="job-news",
        )
        mail = outbox.message_schedule(
            tenant=world.tenant,
            channel=Channel.EMAIL,
            source=MessageSource.MANUAL,
            contact=customer,
            subject="Your roof",
            body_text="Your roof job moved to Scheduled",
            idempotency_key="job-news-mail",
        )
    assert text.to_address == "" and text.status == MessageStatus.SUPPRESSED
    assert mail.to_address == "carla@example.com"


def test_a_new_lead_with_nothing_verified_is_reached_where_they_wrote_from(client, world):
    _submit_form(client, _capture_form(world), name="Dana Reyes", phone="+13055550150")
    with world.active():
        contact = ContactPhone.objects.get(number="+13055550150").contact
        text = outbox.message_schedule(
            tenant=world.tenant,
            channel=Channel.SMS,
            source=MessageSource.MANUAL,
            contact=contact,
            body_text="Thanks, we call you today",
            idempotency_key="first-answer",
        )
    assert text.to_address == "+13055550150"


def test_a_strangers_tick_box_sets_no_consent_for_the_customer(client, world):
    customer = _customer_with(world, email="carla@example.com", phone="+13055550123")
    _submit_form(
        client,
        _capture_form(world),
        email="carla@example.com",
        phone=ATTACKER_PHONE,
        sms_consent="on",
        marketing_consent="on",
    )
    with world.active():
        assert not ContactConsent.objects.filter(contact=customer).exists()
