"""Brands all the way to the customer: a customer of a second brand sees that brand (its name,
logo, sender, phone, email, website) on every message, portal page and quote page, and a customer
with jobs under two brands sees each job under its own."""

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from crm.models import Brand
from crm.services.workspace import brand_save
from leads.quote_links import quote_public_token
from leads.selectors.brands import contact_brand, lead_brand
from leads.services.quotes import quote_accept, quote_save_draft, quote_send
from leads.views.public_quote import answer_count_key
from messaging.links import unsubscribe_url
from messaging.models import OutboundMessage
from messaging.services import outbox
from messaging.variables import message_variables
from tests import factories
from tests.conftest import sign_in
from tests.portal.helpers import deliver, link_path, portal_sign_in, sent_messages

pytestmark = pytest.mark.django_db

HOME = reverse("portal:home")


def logo_png(colour=(200, 40, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 4), colour).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def gutters(world) -> Brand:
    """The tenant's second brand, with its own logo and contact details."""
    with world.active():
        return brand_save(
            tenant=world.tenant,
            actor=world.admin.user,
            name="Coastal Gutters",
            slug="coastal-gutters",
            sender_name="Coastal Gutters",
            sender_email="hello@coastalgutters.test",
            reply_to_email="office@coastalgutters.test",
            sms_number="+13055550177",
            phone="+13055550188",
            website="https://coastalgutters.test",
            logo=logo_png(),
        )


def _job(world, brand, title, **fields):
    return factories.lead_for(world, owner=world.rep, brand=brand, title=title, **fields)


def _sent_quote(world, lead):
    with world.active():
        quote = quote_save_draft(
            tenant=world.tenant,
            actor=world.rep.user,
            lead=lead,
            title="New gutters",
            valid_until=world.tenant.today() + dt.timedelta(days=30),
            lines=[("Seamless gutters", Decimal("1"), Decimal("1800.00"))],
        )
        return quote_send(tenant=world.tenant, actor=world.rep.user, quote=quote)


class TestResolver:
    def test_a_job_is_its_brands_else_its_contacts_else_the_default(self, world, gutters):
        own = _job(world, gutters, "Gutters")
        plain = _job(world, None, "Roof")
        with world.active():
            assert lead_brand(tenant=world.tenant, lead=own) == gutters
            assert lead_brand(tenant=world.tenant, lead=plain) == world.brand
            world.contact.brand = gutters
            world.contact.save()
            plain.refresh_from_db()
            assert lead_brand(tenant=world.tenant, lead=plain) == gutters

    def test_a_contact_hears_from_their_most_recent_jobs_brand(self, world, gutters):
        with world.active():
            assert contact_brand(tenant=world.tenant, contact=world.contact) == world.brand
        first = _job(world, world.brand, "Roof")
        _job(world, gutters, "Gutters")
        with world.active():
            assert contact_brand(tenant=world.tenant, contact=world.contact) == gutters
            # About a given job, that job's brand.
            assert contact_brand(tenant=world.tenant, contact=world.contact, lead=first) == (
                world.brand
            )

    def test_a_message_about_no_job_goes_out_in_the_latest_jobs_brand(self, world, gutters):
        _job(world, gutters, "Gutters")
        with world.active():
            message = outbox.message_schedule(
                tenant=world.tenant,
                channel="email",
                source="manual",
                idempotency_key="no-job",
                contact=world.contact,
                subject="Hello",
                body_text="Hello",
            )
        assert message.brand_id == gutters.pk
        assert "hello@coastalgutters.test" in message.from_address

    def test_the_template_variables_are_the_jobs_brands(self, world, gutters):
        lead = _job(world, gutters, "Gutters")
        with world.active():
            values = message_variables(
                tenant=world.tenant, contact=world.contact, channel="email", lead=lead
            )
        assert values["brand_name"] == "Coastal Gutters"
        assert values["sender_name"] == "Coastal Gutters"
        assert values["brand_email"] == "office@coastalgutters.test"
        assert values["brand_phone"] == "(305) 555-0188"
        assert values["brand_website"] == "https://coastalgutters.test"


class TestPortal:
    def test_each_job_on_the_home_page_shows_its_brand(self, client, world, gutters):
        _job(world, world.brand, "New roof")
        _job(world, gutters, "Seamless gutters")
        portal_sign_in(client, world.tenant, world.contact)

        response = client.get(HOME)

        home = response.context["home"]
        assert home.several_brands
        assert [brand.name for brand in home.brands] == ["Coastal Gutters", world.brand.name]
        brands = {job.title: job.brand for job in home.portfolio[0].jobs}
        assert brands == {"New roof": world.brand, "Seamless gutters": gutters}
        page = response.content.decode()
        assert f"With {world.brand.name}" in page and "With Coastal Gutters" in page
        assert f"your jobs with Coastal Gutters and {world.brand.name} stands" in page
        assert page.count('class="job-brand"') == 2

    def test_one_brand_needs_no_label_on_each_job(self, client, world):
        _job(world, world.brand, "New roof")
        portal_sign_in(client, world.tenant, world.contact)

        page = client.get(HOME).content.decode()

        assert 'class="job-brand"' not in page

    def test_a_job_page_carries_its_brand_in_header_team_and_footer(self, client, world, gutters):
        gutters_job = _job(world, gutters, "Seamless gutters")
        roof = _job(world, world.brand, "New roof")  # the most recent job: another brand
        portal_sign_in(client, world.tenant, world.contact)

        page = client.get(reverse("portal:job", kwargs={"job_pk": gutters_job.pk})).content.decode()

        header = page.split("</header>")[0]
        assert "Coastal Gutters" in header and world.brand.name not in header
        assert 'class="brand-logo" src="data:image/png;base64,' in header
        team = page.split('id="team-title"')[1].split("</section>")[0]
        assert "office@coastalgutters.test" in team
        assert "(305) 555-0188" in team  # the brand's phone, not its texting number
        assert "https://coastalgutters.test" in team
        footer = page.split('class="portal-footer"')[1]
        assert "Coastal Gutters" in footer and world.brand.name not in footer

        other = client.get(reverse("portal:job", kwargs={"job_pk": roof.pk})).content.decode()
        assert world.brand.name in other.split("</header>")[0]
        assert "Coastal Gutters" not in other

    def test_the_home_page_header_is_the_latest_jobs_brand(self, client, world, gutters):
        _job(world, world.brand, "New roof")
        _job(world, gutters, "Seamless gutters")
        portal_sign_in(client, world.tenant, world.contact)

        page = client.get(HOME).content.decode()

        assert "Coastal Gutters" in page.split("</header>")[0]

    def test_a_quote_waiting_for_an_answer_is_flagged_on_the_home_page(
        self, client, world, gutters
    ):
        lead = _job(world, gutters, "Seamless gutters")
        quote = _sent_quote(world, lead)
        portal_sign_in(client, world.tenant, world.contact)

        # The link's signature carries the second it was made: the page and the test make it in
        # the same second, however slow the machine.
        with time_machine.travel(timezone.now(), tick=False):
            response = client.get(HOME)
            path = reverse("public:quote", kwargs={"token": quote_public_token(quote)})

        (waiting,) = response.context["home"].waiting_quotes
        assert waiting.quote == quote
        page = response.content.decode()
        assert "Your quote for Seamless gutters is waiting for your answer" in page
        assert f'class="card quote-waiting" href="{path}"' in page

    def test_an_answered_quote_is_not_flagged(self, client, world, gutters):
        lead = _job(world, gutters, "Seamless gutters")
        quote = _sent_quote(world, lead)
        with world.active():
            quote_accept(tenant=world.tenant, quote=quote, signed_name="Casey")
        portal_sign_in(client, world.tenant, world.contact)

        response = client.get(HOME)

        assert response.context["home"].waiting_quotes == []
        assert "is waiting for your answer" not in response.content.decode()


class TestInvitationAndSignIn:
    def test_the_invitation_comes_from_the_brand_of_the_latest_job(self, client, world, gutters):
        _job(world, world.brand, "New roof")
        _job(world, gutters, "Seamless gutters")
        sign_in(client, world.rep)

        client.post(reverse("portal-staff:invite", kwargs={"contact_pk": world.contact.pk}))

        (message,) = sent_messages(world.tenant)
        assert message.brand_id == gutters.pk
        assert "hello@coastalgutters.test" in message.from_address
        assert "Coastal Gutters" in message.subject + message.body_text
        assert world.brand.name not in message.subject + message.body_text

    def test_an_invitation_about_a_job_comes_from_that_jobs_brand(self, client, world, gutters):
        roof = _job(world, world.brand, "New roof")
        _job(world, gutters, "Seamless gutters")
        sign_in(client, world.rep)

        client.post(
            reverse("portal-staff:invite", kwargs={"contact_pk": world.contact.pk}),
            {"lead": roof.pk},
        )

        (message,) = sent_messages(world.tenant)
        assert message.brand_id == world.brand.pk

    def test_the_contact_page_offers_the_jobs_when_they_are_under_two_brands(
        self, client, world, gutters
    ):
        sign_in(client, world.rep)
        contact_page = reverse("contacts:detail", args=[world.contact.pk])
        roof = _job(world, world.brand, "New roof")
        assert 'name="lead"' not in client.get(contact_page).content.decode()

        gutter = _job(world, gutters, "Seamless gutters")
        page = client.get(contact_page).content.decode()

        assert 'name="lead"' in page
        assert f'<option value="{gutter.pk}">{gutter.reference} Seamless gutters · Coastal' in page
        assert f'<option value="{roof.pk}">{roof.reference} New roof · {world.brand.name}' in page

    def test_another_contacts_job_does_not_choose_the_brand(self, client, world, gutters):
        _job(world, world.brand, "New roof")
        stranger = factories.ContactFactory(tenant=world.tenant)
        theirs = _job(world, gutters, "Their gutters", contact=stranger)
        sign_in(client, world.rep)

        client.post(
            reverse("portal-staff:invite", kwargs={"contact_pk": world.contact.pk}),
            {"lead": theirs.pk},
        )

        (message,) = sent_messages(world.tenant)
        assert message.brand_id == world.brand.pk

    def test_the_link_page_shows_the_brand_the_invitation_came_from(self, client, world, gutters):
        _job(world, gutters, "Seamless gutters")
        sign_in(client, world.rep)
        client.post(reverse("portal-staff:invite", kwargs={"contact_pk": world.contact.pk}))
        deliver(world.tenant)
        (message,) = sent_messages(world.tenant)

        page = client.__class__().get(link_path(message)).content.decode()

        assert "Sign in to your Coastal Gutters portal" in page
        assert "Coastal Gutters" in page.split("</header>")[0]
        assert world.brand.name not in page


class TestPublicPages:
    @pytest.fixture(autouse=True)
    def _fresh_answer_count(self):
        cache.delete(answer_count_key("127.0.0.1"))
        yield
        cache.delete(answer_count_key("127.0.0.1"))

    def test_the_quote_page_of_the_second_brand_shows_its_logo_and_name(
        self, client, world, gutters
    ):
        lead = _job(world, gutters, "Seamless gutters")
        quote = _sent_quote(world, lead)

        page = client.get(
            reverse("public:quote", kwargs={"token": quote_public_token(quote)})
        ).content.decode()

        assert "Threadline" not in page
        assert world.brand.name not in page
        assert '<p class="customer-brand"><img class="brand-logo" src="data:image/png' in page
        assert "<title>Quote Q-" in page and "· Coastal Gutters</title>" in page
        assert "office@coastalgutters.test" in page and "(305) 555-0188" in page

    def test_the_quote_email_comes_from_the_jobs_brand(self, world, gutters):
        lead = _job(world, gutters, "Seamless gutters")
        _sent_quote(world, lead)

        with world.active():
            message = OutboundMessage.objects.get(tenant=world.tenant, lead=lead, source="quote")
        assert message.brand_id == gutters.pk

    def test_the_unsubscribe_page_carries_the_customers_brand(self, client, world, gutters):
        _job(world, gutters, "Seamless gutters")
        url = unsubscribe_url(
            tenant_id=world.tenant.pk, contact_id=world.contact.pk, channel="email"
        )

        page = client.get(url).content.decode()

        assert "Threadline" not in page
        assert "Stop Email messages from Coastal Gutters?" in page


class TestBrandSettings:
    def test_an_admin_uploads_a_logo_and_sets_a_phone(self, client, world):
        sign_in(client, world.admin)
        url = reverse("settings:brand-edit", kwargs={"brand_pk": world.brand.pk})
        upload = io.BytesIO(logo_png())
        upload.name = "logo.png"

        response = client.post(
            url,
            {
                "name": world.brand.name,
                "slug": world.brand.slug,
                "sender_name": world.brand.sender_name,
                "sender_email": world.brand.sender_email,
                "phone": "+13055550199",
                "is_default": "on",
                "logo_file": upload,
            },
        )

        assert response.status_code == 302
        with world.active():
            brand = Brand.objects.get(pk=world.brand.pk)
        assert brand.logo_type == "image/png" and bytes(brand.logo) == logo_png()
        assert str(brand.phone) == "+13055550199"
        assert brand.logo_src.startswith("data:image/png;base64,")
        assert brand.logo_src in client.get(url).content.decode()

    def test_a_file_that_is_not_an_image_is_refused(self, client, world):
        sign_in(client, world.admin)
        url = reverse("settings:brand-edit", kwargs={"brand_pk": world.brand.pk})
        upload = io.BytesIO(b"<script>alert(1)</script>")
        upload.name = "logo.png"

        response = client.post(
            url,
            {
                "name": world.brand.name,
                "slug": world.brand.slug,
                "sender_name": world.brand.sender_name,
                "sender_email": world.brand.sender_email,
                "is_default": "on",
                "logo_file": upload,
            },
        )

        assert response.status_code == 200
        assert "The logo must be a PNG, JPEG, WebP or GIF image." in response.content.decode()
        with world.active():
            assert not Brand.objects.get(pk=world.brand.pk).logo_type

    def test_a_logo_is_removed(self, world, gutters):
        with world.active():
            brand = brand_save(
                tenant=world.tenant, actor=world.admin.user, brand=gutters, remove_logo=True
            )
        assert brand.logo_src == ""
