"""The language a new contact speaks when they arrive from outside: a web form's own language,
else its brand's, else the team's; an inbound email or text its inbox's brand's, else the team's;
the API's intake the language it was given, else the default brand's, else the team's."""

import uuid

import pytest
from django.urls import reverse

from crm.models import Brand, Contact
from leads.models import LeadCaptureForm
from tests import factories
from tests.api.helpers import bearer, key_for
from tests.conftest import forget_cached_values, sign_in
from tests.factories import pipeline_for
from tests.leads.test_capture import _capture_form, _form_url, _submit
from tickets import routing
from tickets.services import configuration, ingest

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    forget_cached_values()


def _set(world, obj, **fields):
    for name, value in fields.items():
        setattr(obj, name, value)
    with world.active():
        obj.save(update_fields=list(fields))


def _contact_by_email(world, email: str) -> Contact:
    with world.active():
        return Contact.objects.get(tenant=world.tenant, emails__email=email)


# --- The web form -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("form_language", "brand_language", "expected"),
    [("es", "nl", "es"), ("", "nl", "nl"), ("", "", "en")],
)
def test_a_web_form_contact_speaks_the_forms_else_the_brands_else_the_teams(
    client, world, form_language, brand_language, expected
):
    _set(world, world.brand, language=brand_language)
    capture_form = _capture_form(world, language=form_language)
    _submit(client, capture_form, email="nieuw@example.com")
    assert _contact_by_email(world, "nieuw@example.com").language == expected


@pytest.mark.parametrize(
    ("form_language", "brand_language", "expected"),
    [("es", "nl", "es"), ("", "nl", "nl"), ("", "", "en")],
)
def test_the_form_page_speaks_the_language_its_contacts_will(
    client, world, form_language, brand_language, expected
):
    _set(world, world.brand, language=brand_language)
    page = client.get(_form_url(_capture_form(world, language=form_language)))
    assert f'<html lang="{expected}">' in page.content.decode()


def test_a_known_contact_keeps_their_language_whatever_the_form_speaks(client, world):
    with world.active():
        email = world.contact.emails.first().email
    capture_form = _capture_form(world, language="nl")
    _submit(client, capture_form, email=email)
    with world.active():
        world.contact.refresh_from_db()
    assert world.contact.language == "en"


# --- Inbound email and text ---------------------------------------------------------------------


def _inbox(world, brand: Brand | None, *, sms: str, email: str):
    with world.active():
        inbox = configuration.inbox_save(
            tenant=world.tenant, actor=None, name=f"Inbox {sms}", brand=brand
        )
        configuration.inbox_address_save(
            tenant=world.tenant, inbox=inbox, channel="sms", address=sms
        )
        configuration.inbox_address_save(
            tenant=world.tenant, inbox=inbox, channel="email", address=email
        )
    return inbox


def _process(world, stored) -> None:
    with world.active():
        outcome = ingest.inbound_event_process(tenant=world.tenant, event_id=stored.event_id)
    assert outcome.startswith("ticket"), outcome


def _text_in(world, *, to: str, sender: str) -> Contact:
    payload = {"MessageSid": f"SM{uuid.uuid4().hex}", "From": sender, "To": to, "Body": "Hola"}
    _process(
        world, ingest.twilio_inbound_store(route=routing.route_for("sms", to), payload=payload)
    )
    with world.active():
        return Contact.objects.get(tenant=world.tenant, phones__number=sender)


def _email_in(world, *, to: str, sender: str) -> Contact:
    raw = (
        f"From: Someone New <{sender}>\r\nTo: {to}\r\nSubject: Offerte\r\n"
        f"Message-ID: <{uuid.uuid4().hex}@example.com>\r\n\r\nGoedemiddag\r\n"
    ).encode()
    _process(world, ingest.email_inbound_store(provider="postmark", raw=raw))
    return _contact_by_email(world, sender)


def test_an_inbound_email_or_text_speaks_its_inbox_brands_language_else_the_teams(world):
    _set(world, world.tenant, language="es")
    with world.active():
        dutch = factories.BrandFactory(tenant=world.tenant, language="nl")
    _inbox(world, dutch, sms="+13055550140", email="hallo@laderthuis.test")
    _inbox(world, world.brand, sms="+13055550141", email="hola@firstroofing.test")
    assert _email_in(world, to="hallo@laderthuis.test", sender="a@example.nl").language == "nl"
    assert _text_in(world, to="+13055550140", sender="+13055550191").language == "nl"
    # The other inbox's brand speaks no language of its own: the team's.
    assert _email_in(world, to="hola@firstroofing.test", sender="b@example.es").language == "es"
    assert _text_in(world, to="+13055550141", sender="+13055550192").language == "es"


# --- The API's intake ---------------------------------------------------------------------------


def _intake(client, world, **body) -> Contact:
    pipeline_for(world.tenant)
    response = client.post(
        "/api/v1/intake/leads",
        {"name": "Rosa Diaz", **body},
        content_type="application/json",
        **bearer(key_for(world)),
    )
    assert response.status_code == 201, response.json()
    with world.active():
        return Contact.objects.get(tenant=world.tenant, pk=response.json()["contact_id"])


def test_the_api_intake_takes_the_language_it_is_given(client, world):
    _set(world, world.brand, language="nl")
    assert _intake(client, world, email="rosa@example.com", language="es").language == "es"


def test_the_api_intake_without_a_language_speaks_the_default_brands_else_the_teams(client, world):
    _set(world, world.tenant, language="es")
    assert _intake(client, world, email="one@example.com").language == "es"
    _set(world, world.brand, language="nl")
    assert _intake(client, world, email="two@example.com").language == "nl"


def test_the_api_intake_refuses_a_language_it_does_not_know(client, world):
    pipeline_for(world.tenant)
    response = client.post(
        "/api/v1/intake/leads",
        {"name": "Rosa", "email": "r@example.com", "language": "xx"},
        content_type="application/json",
        **bearer(key_for(world)),
    )
    assert response.status_code in (400, 422)


# --- The settings pages -------------------------------------------------------------------------


def test_an_admin_sets_a_brands_language_and_empty_means_the_teams(client, world):
    sign_in(client, world.admin)
    url = reverse("settings:brand-edit", kwargs={"brand_pk": world.brand.pk})
    page = client.get(url).content.decode()
    assert "The team&#x27;s language (English)" in page
    fields = {
        "name": world.brand.name,
        "slug": world.brand.slug,
        "sender_name": world.brand.sender_name,
        "sender_email": world.brand.sender_email,
        "is_default": "on",
    }
    assert client.post(url, {**fields, "language": "nl"}).status_code == 302
    with world.active():
        world.brand.refresh_from_db()
    assert world.brand.language == "nl"
    assert client.post(url, {**fields, "language": ""}).status_code == 302
    with world.active():
        world.brand.refresh_from_db()
    assert world.brand.language == ""


def test_an_admin_sets_a_lead_forms_language(client, world):
    capture_form = _capture_form(world)
    sign_in(client, world.admin)
    url = reverse("lead-settings:capture-form-edit", kwargs={"capture_form_pk": capture_form.pk})
    page = client.get(url).content.decode()
    assert "The brand&#x27;s language" in page
    assert "speaks the team&#x27;s (English)" in page
    response = client.post(
        url,
        {
            "name": capture_form.name,
            "pipeline": capture_form.pipeline_id,
            "source": "",
            "brand": "",
            "heading": capture_form.heading,
            "thank_you_message": capture_form.thank_you_message,
            "language": "es",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    with world.active():
        assert LeadCaptureForm.objects.get(pk=capture_form.pk).language == "es"
