"""The public web form each tenant embeds on its site, and the admin pages that set it up."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import Channel, ConsentStatus, Contact, ContactConsent, TimelineEvent
from leads import capture_links
from leads.models import Lead, LeadCaptureForm, LeadSource
from leads.selectors import capture as capture_selectors
from leads.services import capture
from tests import factories
from tests.conftest import sign_in
from tests.factories import pipeline_for

pytestmark = pytest.mark.django_db


def _capture_form(world, **fields) -> LeadCaptureForm:
    pipeline = pipeline_for(world.tenant)
    with world.active():
        source = LeadSource.objects.filter(name="Website").first()
    source = source or factories.LeadSourceFactory(tenant=world.tenant, name="Website")
    values = {
        "name": "Website estimate",
        "pipeline": pipeline,
        "source": source,
        "brand": world.brand,
        "heading": "Get a free roof estimate",
        "thank_you_message": "Thanks! We call you back within the hour.",
        **fields,
    }
    with world.active():
        return capture.capture_form_save(tenant=world.tenant, actor=world.admin.user, **values)


def _form_url(capture_form) -> str:
    return reverse(
        "public:lead-form", kwargs={"token": capture_links.capture_form_token(capture_form)}
    )


def _submit(client, capture_form, *, seconds_ago=10, ip="10.0.0.1", token=None, **fields):
    """Post the form the way a person would: the page was served `seconds_ago`."""
    issued_at = timezone.now() - dt.timedelta(seconds=seconds_ago)
    data = {
        "name": "Dana Reyes",
        "email": "dana@example.com",
        "phone": "",
        "message": "Water comes through the ceiling when it rains.",
        "website": "",
        "form_token": token
        or capture_links.capture_submission_token(capture_form, issued_at=issued_at),
        **fields,
    }
    return client.post(_form_url(capture_form), data, REMOTE_ADDR=ip)


def _leads(world) -> list[Lead]:
    with world.active():
        return list(Lead.objects.select_related("contact", "source", "pipeline", "stage"))


# --- Embedding ----------------------------------------------------------------------------------


def test_the_form_page_can_be_embedded_and_other_pages_cannot(client, world):
    capture_form = _capture_form(world)
    response = client.get(_form_url(capture_form))
    assert response.status_code == 200
    assert "X-Frame-Options" not in response.headers
    assert "frame-ancestors *" in response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    # No cookie is needed (third-party frames often get none), and none is set.
    assert not response.cookies

    login = client.get(reverse("login"))
    assert login.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in login.headers["Content-Security-Policy"]
    sign_in(client, world.admin)
    settings_page = client.get(reverse("lead-settings:capture-forms"))
    assert settings_page.headers["X-Frame-Options"] == "DENY"


def test_the_page_shows_the_form_with_a_hidden_honeypot_and_a_token(client, world):
    capture_form = _capture_form(world)
    page = client.get(_form_url(capture_form)).content.decode()
    assert "Get a free roof estimate" in page
    assert 'name="address_line1"' in page
    assert "Text me about my request" in page
    honeypot = re.search(r'<div class="hp-field" aria-hidden="true">.*?</div>', page, re.S)
    assert honeypot and 'name="website"' in honeypot.group(0)
    assert 'autocomplete="off"' in honeypot.group(0) and 'type="hidden"' not in honeypot.group(0)
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    later = timezone.now() + dt.timedelta(seconds=5)
    assert capture_links.capture_submission_token_check(capture_form, token, now=later) == "ok"
    assert "csrfmiddlewaretoken" not in page

    without_address = _capture_form(world, name="Short form", ask_for_address=False)
    assert 'name="address_line1"' not in client.get(_form_url(without_address)).content.decode()


# --- Submissions --------------------------------------------------------------------------------


def test_a_submission_becomes_a_lead_in_the_forms_pipeline(client, world):
    capture_form = _capture_form(world)
    response = _submit(
        client,
        capture_form,
        phone="(786) 555-0142",
        sms_consent="on",
        address_line1="12 Palm Way",
        city="Coral Gables",
        state="FL",
        postal_code="33134",
    )
    assert response.status_code == 200
    assert "Thanks! We call you back within the hour." in response.content.decode()
    (lead,) = _leads(world)
    with world.active():
        assert lead.pipeline == capture_form.pipeline and lead.stage.name == "New lead"
        assert lead.source.name == "Website" and lead.brand == world.brand
        contact = lead.contact
        assert (contact.first_name, contact.last_name) == ("Dana", "Reyes")
        assert list(contact.emails.values_list("email", flat=True)) == ["dana@example.com"]
        assert [str(p.number) for p in contact.phones.all()] == ["+17865550142"]
        assert lead.property.one_line_address == "12 Palm Way, Coral Gables, FL 33134"
        note = TimelineEvent.objects.get(lead_id=lead.pk, kind="lead.note")
        assert note.detail["body"] == "Water comes through the ceiling when it rains."
        created = TimelineEvent.objects.get(lead_id=lead.pk, kind="lead.created")
        assert "web form" in created.summary
        consent = ContactConsent.objects.get(contact=contact, channel=Channel.SMS)
        # The box asks for texts about the request: job messages only, no marketing.
        assert (consent.status, consent.source) == (
            ConsentStatus.NO_MARKETING,
            "web form: texts about the request",
        )


def test_no_consent_is_recorded_when_the_box_is_not_ticked(client, world):
    capture_form = _capture_form(world)
    _submit(client, capture_form, phone="786 555 0142")
    with world.active():
        assert not ContactConsent.objects.exists()


def test_a_known_email_or_a_differently_written_phone_reuses_the_contact(client, world):
    capture_form = _capture_form(world)
    with world.active():
        email = world.contact.emails.get().email
        phone = world.contact.phones.get().number
        contacts_before = Contact.objects.count()
    _submit(client, capture_form, email=email.upper(), name="Someone Else")
    national = phone.as_national  # e.g. "(305) 555-0001": the same number, typed differently
    _submit(client, capture_form, email="", phone=national, ip="10.0.0.2")
    leads = _leads(world)
    assert [lead.contact_id for lead in leads] == [world.contact.pk, world.contact.pk]
    with world.active():
        assert Contact.objects.count() == contacts_before


def test_a_too_quick_submission_saves_nothing_and_keeps_the_input(client, world):
    capture_form = _capture_form(world)
    token = capture_links.capture_submission_token(capture_form)
    response = _submit(client, capture_form, token=token, name="Speedy Bot", seconds_ago=0)
    page = response.content.decode()
    assert response.status_code == 400
    assert "That was quick!" in page
    assert 'value="Speedy Bot"' in page
    # The same token comes back: by the time the person presses Send again it is old enough.
    assert f'name="form_token" value="{token}"' in page
    assert _leads(world) == []


def test_an_old_or_foreign_token_is_refused_with_a_fresh_one(client, world):
    capture_form = _capture_form(world)
    other_form = _capture_form(world, name="Other form")
    stale = _submit(client, capture_form, seconds_ago=60 * 60 * 25)
    assert stale.status_code == 400 and "open for a long time" in stale.content.decode()
    foreign_token = capture_links.capture_submission_token(
        other_form, issued_at=timezone.now() - dt.timedelta(minutes=1)
    )
    foreign = _submit(client, capture_form, token=foreign_token)
    assert foreign.status_code == 400 and "Something went wrong" in foreign.content.decode()
    missing = _submit(client, capture_form, token=" ")
    assert missing.status_code == 400
    fresh = re.search(r'name="form_token" value="([^"]+)"', missing.content.decode()).group(1)
    later = timezone.now() + dt.timedelta(seconds=4)
    assert capture_links.capture_submission_token_check(capture_form, fresh, now=later) == "ok"
    assert _leads(world) == []


def test_a_filled_honeypot_is_thanked_and_saves_nothing(client, world):
    capture_form = _capture_form(world)
    response = _submit(client, capture_form, website="http://cheap-pills.example")
    assert response.status_code == 200
    assert "Thanks! We call you back within the hour." in response.content.decode()
    assert _leads(world) == []


def test_sending_the_same_page_twice_makes_one_lead(client, world):
    capture_form = _capture_form(world)
    token = capture_links.capture_submission_token(
        capture_form, issued_at=timezone.now() - dt.timedelta(seconds=30)
    )
    first = _submit(client, capture_form, token=token)
    again = _submit(client, capture_form, token=token)
    assert first.status_code == again.status_code == 200
    assert "Thanks!" in again.content.decode()
    assert len(_leads(world)) == 1


def test_validation_errors_keep_what_was_typed(client, world):
    capture_form = _capture_form(world)
    nothing_to_reach = _submit(client, capture_form, email="", message="Please call me")
    page = nothing_to_reach.content.decode()
    assert nothing_to_reach.status_code == 400
    assert "Give an email address or a phone number" in page
    assert 'value="Dana Reyes"' in page and "Please call me</textarea>" in page

    bad_phone = _submit(client, capture_form, phone="555-01", ip="10.0.0.2")
    assert "Enter a valid phone number" in bad_phone.content.decode()
    assert 'value="555-01"' in bad_phone.content.decode()

    consent_no_phone = _submit(client, capture_form, sms_consent="on", ip="10.0.0.3")
    assert "Give a mobile number so we can text you." in consent_no_phone.content.decode()

    half_address = _submit(client, capture_form, address_line1="12 Palm Way", ip="10.0.0.4")
    assert "Give the street and the city" in half_address.content.decode()
    assert 'value="12 Palm Way"' in half_address.content.decode()
    assert _leads(world) == []


def test_too_many_submissions_from_one_address_get_429(client, world):
    capture_form = _capture_form(world)
    for _ in range(capture.CLIENT_LIMIT[0]):
        assert _submit(client, capture_form, email="", ip="10.9.9.9").status_code == 400
    response = _submit(client, capture_form, ip="10.9.9.9")
    assert response.status_code == 429
    assert "Please wait a few minutes" in response.content.decode()
    assert _leads(world) == []
    assert _submit(client, capture_form, ip="10.9.9.10").status_code == 200


def test_bad_rotated_and_switched_off_links_answer_404(client, world):
    capture_form = _capture_form(world)
    old_url = _form_url(capture_form)
    assert client.get("/f/not-a-signed-token/").status_code == 404
    forged = capture_links.capture_form_token(capture_form)[:-2] + "xx"
    assert client.get(f"/f/{forged}/").status_code == 404

    with world.active():
        capture.capture_form_rotate_key(
            tenant=world.tenant, actor=world.admin.user, capture_form=capture_form
        )
    gone = client.get(old_url)
    assert gone.status_code == 404
    assert "This form is not available" in gone.content.decode()
    assert "X-Frame-Options" not in gone.headers  # the embed says so instead of breaking
    assert client.post(old_url, {"name": "x"}).status_code == 404
    assert client.get(_form_url(capture_form)).status_code == 200

    with world.active():
        capture.capture_form_save(
            tenant=world.tenant, actor=world.admin.user, capture_form=capture_form, is_active=False
        )
    assert client.get(_form_url(capture_form)).status_code == 404
    assert _submit(client, capture_form).status_code == 404
    assert _leads(world) == []


def test_a_link_names_its_own_tenant_only(client, world, other_world):
    capture_form = _capture_form(world)
    elsewhere = _capture_form(other_world)
    _submit(client, elsewhere)
    assert _leads(world) == []
    (lead,) = _leads(other_world)
    assert lead.pipeline == elsewhere.pipeline
    assert (
        capture_selectors.capture_form_resolve(capture_links.capture_form_token(capture_form))[1]
        == capture_form
    )


# --- Admin pages --------------------------------------------------------------------------------


def test_an_admin_creates_a_form_and_gets_the_code_to_embed(client, world):
    pipeline = pipeline_for(world.tenant)
    sign_in(client, world.admin)
    response = client.post(
        reverse("lead-settings:capture-form-create"),
        {
            "name": "Homepage form",
            "pipeline": pipeline.pk,
            "source": "",
            "brand": "",
            "heading": 'Ask for a "free" quote',
            "thank_you_message": "Thank you!",
            "ask_for_address": "on",
            "is_active": "on",
        },
    )
    with world.active():
        capture_form = LeadCaptureForm.objects.get()
    assert response.status_code == 302
    assert response.url == reverse(
        "lead-settings:capture-form-edit", kwargs={"capture_form_pk": capture_form.pk}
    )
    page = client.get(response.url).content.decode()
    public_url = capture_links.capture_form_public_url(capture_form)
    assert public_url.startswith("http") and "/f/" in public_url
    # The token carries a timestamp: the page may have signed it a second earlier.
    signed_part = public_url.rsplit(":", 2)[0] + ":"  # before the timestamp and signature
    embed = f"&lt;iframe src=&quot;{signed_part}"
    assert embed in page
    assert "loading=&quot;lazy&quot;" in page and "title=&quot;Ask for a &amp;quot;free" in page
    assert "readonly" in page and f'href="{signed_part}' in page
    listing = client.get(reverse("lead-settings:capture-forms")).content.decode()
    assert "Homepage form" in listing


def test_rotating_the_key_from_the_page_revokes_the_old_link(client, world):
    capture_form = _capture_form(world)
    old_url = _form_url(capture_form)
    sign_in(client, world.admin)
    response = client.post(
        reverse(
            "lead-settings:capture-form-rotate-key", kwargs={"capture_form_pk": capture_form.pk}
        )
    )
    assert response.status_code == 302
    client.logout()
    assert client.get(old_url).status_code == 404
    with world.active():
        capture_form.refresh_from_db()
    assert client.get(_form_url(capture_form)).status_code == 200


def test_form_choices_are_the_tenants_own(client, world, other_world):
    foreign_pipeline = pipeline_for(other_world.tenant)
    capture_form = _capture_form(world)
    sign_in(client, world.admin)
    url = reverse("lead-settings:capture-form-edit", kwargs={"capture_form_pk": capture_form.pk})
    page = client.get(url).content.decode()
    choices = re.search(r'<select name="pipeline".*?</select>', page, re.S).group(0)
    assert f'value="{capture_form.pipeline.pk}"' in choices
    assert f'value="{foreign_pipeline.pk}"' not in choices
    response = client.post(
        url,
        {
            "name": "Hijack",
            "pipeline": foreign_pipeline.pk,
            "heading": "x",
            "thank_you_message": "x",
        },
    )
    assert response.status_code == 400
    with world.active():
        capture_form.refresh_from_db()
    assert capture_form.name == "Website estimate"


@pytest.mark.parametrize("role", ["manager", "rep"])
def test_only_admins_open_the_lead_form_pages(client, world, role):
    capture_form = _capture_form(world)
    sign_in(client, getattr(world, role))
    pk = {"capture_form_pk": capture_form.pk}
    assert client.get(reverse("lead-settings:capture-forms")).status_code == 403
    assert client.get(reverse("lead-settings:capture-form-create")).status_code == 403
    assert client.get(reverse("lead-settings:capture-form-edit", kwargs=pk)).status_code == 403
    rotate = reverse("lead-settings:capture-form-rotate-key", kwargs=pk)
    assert client.post(rotate).status_code == 403


def test_another_tenants_form_is_not_found(client, world, other_world):
    elsewhere = _capture_form(other_world)
    sign_in(client, world.admin)
    pk = {"capture_form_pk": elsewhere.pk}
    assert client.get(reverse("lead-settings:capture-form-edit", kwargs=pk)).status_code == 404
    rotate = reverse("lead-settings:capture-form-rotate-key", kwargs=pk)
    assert client.post(rotate).status_code == 404
    with other_world.active():
        assert LeadCaptureForm.objects.get().key == elsewhere.key
