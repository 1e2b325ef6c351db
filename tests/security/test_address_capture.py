"""Issue 56: a portal customer must not capture other people's requests.

The attack: a signed-in customer adds a stranger's email and mobile under "Your details" (they
arrive unverified). Contact matching took the oldest contact holding an address, verified or
not, so the stranger's later web form, email, text, API intake or import landed on the
attacker's contact: their lead, ticket and home address showed in the attacker's portal.

The rule (crm.selectors.contacts.sender_contact):
- a contact on which the address is verified gets the message (the oldest, if several);
- else an unverified hold draws it only onto a contact with nothing verified, and never when a
  customer typed the address in the portal;
- several unverified holders: the one made from the sender's own earlier message, else a new
  contact, which staff are offered to merge (timeline, managers' bell, the merge page).
"""

import datetime as dt
import html
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import (
    AddressSource,
    Contact,
    ContactEmail,
    ContactPhone,
    Notification,
    TimelineEvent,
)
from crm.selectors.contacts import contact_match, duplicate_candidates
from crm.services.contacts import contact_find_or_create
from leads import capture_links
from leads.models import Lead, LeadImport
from leads.services import capture
from leads.services import imports as lead_imports
from leads.services.quotes import quote_save_draft, quote_send
from messaging.models import OutboundMessage
from portal.models import PortalAccess
from tests import factories
from tests.api.helpers import bearer, key_for
from tests.conftest import forget_cached_values, sign_in
from tests.factories import pipeline_for
from tests.portal.helpers import portal_sign_in
from tests.tickets.test_inbound_webhooks import (
    PLATFORM_TOKEN,
    SITE,
    open_desk,
    post_postmark,
    post_twilio,
    postmark_raw,
    process_pending,
)
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

ATTACKER_EMAIL = "mallory@example.net"
VICTIM_EMAIL = "vera@example.com"
VICTIM_PHONE = "+13055550161"
SECRET = "Water under the kitchen floor"
VICTIM_STREET = "12 Harbor Lane"


@pytest.fixture(autouse=True)
def _providers(settings):
    settings.THREADLINE_SITE_URL = SITE
    settings.TWILIO_AUTH_TOKEN = PLATFORM_TOKEN
    forget_cached_values()


# --- The attacker ------------------------------------------------------------------------------


def _attacker(world) -> Contact:
    """A customer with a verified email and a job, signed in to the portal."""
    with world.active():
        attacker = factories.ContactFactory(
            tenant=world.tenant, first_name="Mallory", last_name="Quinn"
        )
        factories.ContactEmailFactory(tenant=world.tenant, contact=attacker, email=ATTACKER_EMAIL)
        PortalAccess.objects.create(tenant=world.tenant, contact=attacker)
    factories.lead_for(world, contact=attacker, place=None, title="Mallory's gutters")
    return attacker


def _attacker_claims_the_victims_addresses(client, world, attacker) -> None:
    """Under "Your details" the attacker types the victim's email and mobile as their own."""
    portal_sign_in(client, world.tenant, attacker)
    response = client.post(
        reverse("portal:onboarding"),
        {
            "step": "details",
            "details-first_name": "Mallory",
            "details-last_name": "Quinn",
            "details-email": VICTIM_EMAIL,
            "details-phone": VICTIM_PHONE,
            "details-preferred_channel": "email",
        },
    )
    assert response.status_code in (200, 302), response.content.decode()[:1000]
    with world.active():
        email = ContactEmail.objects.get(contact=attacker, email=VICTIM_EMAIL)
        phone = ContactPhone.objects.get(contact=attacker, number=VICTIM_PHONE)
    assert (email.source, email.is_verified) == (AddressSource.PORTAL, False)
    assert (phone.source, phone.is_verified) == (AddressSource.PORTAL, False)


def _attackers_portal(client) -> str:
    pages = [reverse("portal:home"), reverse("portal:messages"), reverse("portal:onboarding")]
    text = ""
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        text += html.unescape(response.content.decode())
    return text


# --- How the victim gets in touch: every inbound path that matches a contact -------------------


def _web_form(client, world) -> None:
    source = factories.LeadSourceFactory(tenant=world.tenant, name="Website")
    with world.active():
        capture_form = capture.capture_form_save(
            tenant=world.tenant,
            actor=world.admin.user,
            name="Website estimate",
            pipeline=pipeline_for(world.tenant),
            source=source,
            brand=world.brand,
            heading="Get a free roof estimate",
            thank_you_message="Thanks!",
            ask_for_address=True,
        )
    issued_at = timezone.now() - dt.timedelta(seconds=10)
    response = client.__class__().post(
        reverse(
            "public:lead-form", kwargs={"token": capture_links.capture_form_token(capture_form)}
        ),
        {
            "name": "Vera Lind",
            "email": VICTIM_EMAIL,
            "phone": VICTIM_PHONE,
            "address_line1": VICTIM_STREET,
            "city": "Miami",
            "state": "FL",
            "postal_code": "33101",
            "message": SECRET,
            "website": "",
            "form_token": capture_links.capture_submission_token(capture_form, issued_at=issued_at),
        },
        REMOTE_ADDR="10.9.9.9",
    )
    assert response.status_code == 200, response.content.decode()[:2000]


def _email(client, world) -> None:
    open_desk(world)
    raw = (
        f"From: Vera Lind <{VICTIM_EMAIL}>\r\nTo: hello@firstroofing.test\r\n"
        f"Subject: Leak\r\nMessage-ID: <vera-1@example.com>\r\n\r\n{SECRET}\r\n"
    ).encode()
    assert post_postmark(client, postmark_raw(raw, message_id="pm-vera-1")).status_code == 200
    assert process_pending(world)[0].startswith("ticket ")


def _text(client, world) -> None:
    open_desk(world)
    fields = {"MessageSid": "SMvera1", "From": VICTIM_PHONE, "To": "+13055550100", "Body": SECRET}
    assert post_twilio(client, fields).status_code == 200
    assert process_pending(world)[0].startswith("ticket ")


def _api_intake(client, world) -> None:
    pipeline_for(world.tenant)
    response = client.post(
        "/api/v1/intake/leads",
        {
            "name": "Vera Lind",
            "email": VICTIM_EMAIL,
            "message": SECRET,
            "address": {"address_line1": VICTIM_STREET, "city": "Miami", "state": "FL"},
        },
        content_type="application/json",
        **bearer(key_for(world)),
    )
    assert response.status_code == 201, response.json()


def _csv_import(client, world) -> None:
    content = (
        "First name,Last name,Email,Phone,Address,City,State,Note\n"
        f"Vera,Lind,{VICTIM_EMAIL},{VICTIM_PHONE},{VICTIM_STREET},Miami,FL,{SECRET}\n"
    )
    with world.active():
        lead_import = lead_imports.lead_import_preview(
            tenant=world.tenant,
            actor=world.manager.user,
            filename="leads.csv",
            raw=content.encode(),
            pipeline=pipeline_for(world.tenant),
        )
        assert not lead_import.report["rejected"], lead_import.report["rejected"]
        # The preview says what the run does.
        (row,) = lead_import.report["sample"]
        predicted = row["contact"]
        lead_imports.lead_import_start(
            tenant=world.tenant, actor=world.manager.user, lead_import=lead_import
        )
        while lead_imports.lead_import_run_batch(
            tenant=world.tenant, lead_import_id=lead_import.pk
        ):
            pass
        lead = Lead.objects.exclude(title="Mallory's gutters").order_by("-pk").first()
        if predicted["kind"] == "existing":
            assert predicted["contact_id"] == lead.contact_id
        else:
            assert LeadImport.objects.get().report["result"]["new_contacts"] == 1


PATHS = {
    "web form": _web_form,
    "inbound email": _email,
    "inbound text": _text,
    "api intake": _api_intake,
    "csv import": _csv_import,
}


def _what_the_victim_sent(world, path: str):
    """The contact the victim's request landed on, with the lead or ticket it made."""
    with world.active():
        if path in ("inbound email", "inbound text"):
            ticket = Ticket.objects.select_related("contact").get()
            return ticket.contact, ticket
        lead = Lead.objects.select_related("contact").exclude(title="Mallory's gutters")
        lead = lead.exclude(contact__first_name="Carla").order_by("-pk").first()
        return lead.contact, lead


# --- The attack on each path ----------------------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
def test_a_strangers_request_never_lands_on_the_contact_that_typed_their_address(
    client, world, path
):
    attacker = _attacker(world)
    _attacker_claims_the_victims_addresses(client, world, attacker)

    PATHS[path](client, world)

    holder, _ = _what_the_victim_sent(world, path)
    assert holder.pk != attacker.pk
    with world.active():
        assert not Lead.objects.filter(contact=attacker).exclude(title="Mallory's gutters")
        assert not Ticket.objects.filter(contact=attacker).exists()
        # A new contact, put to staff as a possible duplicate of the attacker's.
        assert holder.created_at > attacker.created_at
        assert attacker in duplicate_candidates(tenant=world.tenant, contact=holder)
        offered = TimelineEvent.objects.get(contact=holder, kind="contact.merge_offered")
        assert "Mallory Quinn" in offered.summary
        told = Notification.objects.filter(title__contains="someone you know")
        if path == "csv import":
            assert not told.exists()  # an import reports once, when it ends
        else:
            assert told.count() == 2  # the admin and the manager
            assert told.first().url == reverse("contacts:merge", kwargs={"contact_pk": holder.pk})
    portal = _attackers_portal(client)
    assert SECRET not in portal and VICTIM_STREET not in portal
    assert "Mallory's gutters" in portal  # the attacker's own job is still theirs


@pytest.mark.parametrize("verified", [True, False], ids=["verified", "unverified"])
@pytest.mark.parametrize("path", PATHS)
def test_an_existing_customer_newer_than_the_attacker_keeps_their_requests(
    client, world, path, verified
):
    attacker = _attacker(world)
    with world.active():
        victim = factories.ContactFactory(tenant=world.tenant, first_name="Vera", last_name="Lind")
        unverified = {} if verified else {"verified_at": None, "verified_how": ""}
        source = AddressSource.STAFF if verified else AddressSource.WEB_FORM
        factories.ContactEmailFactory(
            tenant=world.tenant, contact=victim, email=VICTIM_EMAIL, source=source, **unverified
        )
        factories.ContactPhoneFactory(
            tenant=world.tenant, contact=victim, number=VICTIM_PHONE, source=source, **unverified
        )
    assert victim.created_at > attacker.created_at  # "oldest first" picked the attacker
    _attacker_claims_the_victims_addresses(client, world, attacker)

    PATHS[path](client, world)

    holder, _ = _what_the_victim_sent(world, path)
    assert holder.pk == victim.pk
    portal = _attackers_portal(client)
    assert SECRET not in portal and VICTIM_STREET not in portal


def test_a_form_with_the_attackers_email_and_the_victims_phone_draws_no_texts(client, world):
    """The same capture through the web form: the attacker's own verified email beside the
    victim's number puts the number on the attacker's contact (unverified). The victim's texts
    must not follow it there."""
    attacker = _attacker(world)
    source = factories.LeadSourceFactory(tenant=world.tenant, name="Website")
    with world.active():
        capture_form = capture.capture_form_save(
            tenant=world.tenant,
            actor=world.admin.user,
            name="Website estimate",
            pipeline=pipeline_for(world.tenant),
            source=source,
            brand=world.brand,
            heading="Estimate",
            thank_you_message="Thanks!",
        )
    issued_at = timezone.now() - dt.timedelta(seconds=10)
    client.post(
        reverse(
            "public:lead-form", kwargs={"token": capture_links.capture_form_token(capture_form)}
        ),
        {
            "name": "Mallory Quinn",
            "email": ATTACKER_EMAIL,
            "phone": VICTIM_PHONE,
            "message": "Another gutter",
            "website": "",
            "form_token": capture_links.capture_submission_token(capture_form, issued_at=issued_at),
        },
        REMOTE_ADDR="10.9.9.7",
    )
    with world.active():
        learned = ContactPhone.objects.get(contact=attacker, number=VICTIM_PHONE)
    assert (learned.source, learned.is_verified) == (AddressSource.WEB_FORM, False)

    _text(client, world)

    holder, _ = _what_the_victim_sent(world, "inbound text")
    assert holder.pk != attacker.pk
    portal_sign_in(client, world.tenant, attacker)
    assert SECRET not in _attackers_portal(client)


def test_the_quote_for_the_attackers_job_goes_to_their_verified_email(client, world):
    """Typing the victim's email as the primary one does not send the attacker's job news to
    the victim, and the timeline names the address the quote really went to."""
    attacker = _attacker(world)
    _attacker_claims_the_victims_addresses(client, world, attacker)
    with world.active():
        lead = Lead.objects.get(contact=attacker)
        assert ContactEmail.objects.get(contact=attacker, is_primary=True).email == VICTIM_EMAIL
        quote = quote_save_draft(
            tenant=world.tenant,
            actor=world.rep.user,
            lead=lead,
            lines=[("Gutter guard", Decimal("1"), Decimal("300.00"))],
            valid_until=world.tenant.today() + dt.timedelta(days=30),
        )
        quote_send(tenant=world.tenant, actor=world.rep.user, quote=quote)
        sent = OutboundMessage.objects.get(lead=lead)
        event = TimelineEvent.objects.get(lead_id=lead.pk, kind="quote.sent")
    assert sent.to_address == ATTACKER_EMAIL
    assert ATTACKER_EMAIL in event.summary and VICTIM_EMAIL not in event.summary


# --- The rule, case by case ---------------------------------------------------------------------


def _contact_with(world, *, email, source, verified=False, **names) -> Contact:
    contact = factories.ContactFactory(tenant=world.tenant, **names)
    factories.ContactEmailFactory(
        tenant=world.tenant,
        contact=contact,
        email=email,
        source=source,
        **({} if verified else {"verified_at": None, "verified_how": ""}),
    )
    return contact


def test_a_repeat_inquirer_who_never_verified_finds_their_contact(world):
    with world.active():
        dana = _contact_with(world, email="dana@example.com", source=AddressSource.WEB_FORM)
        assert contact_match(tenant=world.tenant, emails=["Dana@Example.com"]) == dana


def test_the_contact_on_which_the_address_is_verified_wins_over_an_older_claim(world):
    with world.active():
        older = _contact_with(world, email="vera@example.com", source=AddressSource.WEB_FORM)
        proved = _contact_with(
            world, email="vera@example.com", source=AddressSource.STAFF, verified=True
        )
        assert older.created_at < proved.created_at
        assert contact_match(tenant=world.tenant, emails=["vera@example.com"]) == proved


@pytest.mark.parametrize("source", [AddressSource.WEB_FORM, AddressSource.STAFF])
def test_an_unverified_address_beside_a_verified_one_draws_nothing(world, source):
    """A proved person's contact: the unverified address on it is only someone's claim that
    they own it too (staff changing it included, until they confirm it)."""
    with world.active():
        _contact_with(world, email="vera@example.com", source=source)
        ContactEmail.objects.create(
            tenant=world.tenant,
            contact=Contact.objects.get(emails__email="vera@example.com"),
            email="own@example.com",
            source=AddressSource.STAFF,
            verified_at=timezone.now(),
        )
        assert contact_match(tenant=world.tenant, emails=["vera@example.com"]) is None


def test_an_address_typed_in_the_portal_draws_nothing_even_alone(world):
    with world.active():
        _contact_with(world, email="vera@example.com", source=AddressSource.PORTAL)
        assert contact_match(tenant=world.tenant, emails=["vera@example.com"]) is None


def test_several_unverified_holders_make_a_new_contact_which_the_next_message_finds(world):
    with world.active():
        first = _contact_with(
            world, email="vera@example.com", source=AddressSource.WEB_FORM, first_name="Ann"
        )
        second = _contact_with(
            world, email="vera@example.com", source=AddressSource.CSV_IMPORT, first_name="Bea"
        )

        def arrive():
            return contact_find_or_create(
                tenant=world.tenant,
                actor=None,
                emails=["vera@example.com"],
                source="inbound message",
                address_source=AddressSource.INBOUND_EMAIL,
                first_name="Vera",
                needs_review=True,
            )

        made = arrive()
        assert made.created and made.contact.pk not in (first.pk, second.pk)
        assert {first, second} <= set(
            duplicate_candidates(tenant=world.tenant, contact=made.contact)
        )
        assert TimelineEvent.objects.filter(
            contact=made.contact, kind="contact.merge_offered"
        ).exists()
        again = arrive()
        assert (again.created, again.contact) == (False, made.contact)
        assert (
            TimelineEvent.objects.filter(kind="contact.merge_offered").count() == 1
        )  # offered once


def test_staff_see_the_merge_offered_on_the_new_contacts_merge_page(client, world):
    attacker = _attacker(world)
    _attacker_claims_the_victims_addresses(client, world, attacker)
    _email(client, world)
    holder, _ = _what_the_victim_sent(world, "inbound email")
    staff = client.__class__()
    sign_in(staff, world.manager)
    page = staff.get(reverse("contacts:merge", kwargs={"contact_pk": holder.pk}))
    assert page.status_code == 200
    assert (
        reverse("contacts:merge-confirm", kwargs={"contact_pk": holder.pk, "other_pk": attacker.pk})
        in page.content.decode()
    )
