"""/settings/templates/: message templates and their wording per channel, language and brand, the
live preview (sample data or a real contact) and the demo templates. Admins only."""

import datetime as dt
import html
import re

import pytest
from django.urls import NoReverseMatch, reverse

from automation.models import Trigger, TriggerOn, TriggerStep
from crm.models import Contact, Role
from leads.models import Lead
from messaging import rendering
from messaging.demo_templates import DEMO_TEMPLATES, seed_templates
from messaging.models import ContactCommsProfile, MessageTemplate, Purpose, TemplateVariant
from messaging.services.configuration_templates import message_template_save, template_variant_save
from messaging.sms import GSM7, sms_segments
from tests.conftest import queries_for, sign_in
from tests.factories import lead_for

pytestmark = pytest.mark.django_db

DEMO_KEYS = [
    "new-lead-ack",
    "quote-sent",
    "quote-follow-up",
    "appointment-confirmation",
    "appointment-reminder",
    "job-completed",
    "satisfaction-survey",
    "review-request",
    "on-hold",
    "sorry-to-see-you-go",
    "annual-check-up",
    "biweekly-update",
]


def _page(response) -> str:
    return response.content.decode()


def _errors(response) -> list[str]:
    page = _page(response)
    field_errors = re.findall(r'<small class="error">([^<]*)</small>', page)
    form_errors = re.findall(r'<div class="flash flash-error" role="alert">([^<]*)</div>', page)
    return [html.unescape(error).strip() for error in field_errors + form_errors]


def _template(world, key="quote-sent", name="Quote sent", purpose=Purpose.TRANSACTIONAL):
    with world.active():
        return message_template_save(
            tenant=world.tenant, actor=world.admin.user, key=key, name=name, purpose=purpose
        )


def _variant(world, template, **values):
    defaults = {
        "channel": "email",
        "language": "en",
        "subject": "Your quote {{ quote_reference }}",
        "body_text": "Hi {{ first_name }}, your quote: {{ quote_link }}",
    }
    if template.purpose == Purpose.MARKETING:
        defaults["body_text"] += "\nUnsubscribe: {{ unsubscribe_link }}"
    with world.active():
        return template_variant_save(
            tenant=world.tenant,
            actor=world.admin.user,
            template=template,
            **(defaults | values),
        )


def _variant_data(**overrides) -> dict:
    """The variant form as the browser sends it (unchecked boxes left out)."""
    data = {
        "channel": "email",
        "language": "en",
        "brand": "",
        "subject": "Thanks, {{ first_name }}",
        "body_text": "Hi {{ first_name }},\r\nthanks for choosing {{ brand_name }}.",
        "body_html": "",
        "whatsapp_content_sid": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not False}


@pytest.fixture
def setup(world):
    template = _template(world)
    return {"template": template, "variant": _variant(world, template)}


PAGES = [
    ("comms-settings:templates", {}),
    ("comms-settings:template-create", {}),
    ("comms-settings:template", {"template_pk": "template"}),
    ("comms-settings:variant-create", {"template_pk": "template"}),
    ("comms-settings:variant", {"variant_pk": "variant"}),
]

POSTS = [
    ("comms-settings:template-create", {}, {"key": "x", "name": "X", "purpose": "marketing"}),
    ("comms-settings:template", {"template_pk": "template"}, {"key": "quote-sent", "name": "X"}),
    ("comms-settings:template-archive", {"template_pk": "template"}, {}),
    ("comms-settings:template-restore", {"template_pk": "template"}, {}),
    ("comms-settings:variant-create", {"template_pk": "template"}, _variant_data()),
    ("comms-settings:variant", {"variant_pk": "variant"}, _variant_data(subject="Hijacked")),
    ("comms-settings:variant-delete", {"variant_pk": "variant"}, {}),
    ("comms-settings:variant-preview", {"template_pk": "template"}, _variant_data()),
]


def _url(objects, name, kwargs) -> str:
    return reverse(name, kwargs={key: objects[value].pk for key, value in kwargs.items()})


def _preview(client, template, **data):
    url = reverse("comms-settings:variant-preview", kwargs={"template_pk": template.pk})
    return client.post(url, _variant_data(**data), HTTP_HX_REQUEST="true")


def _srcdoc(page: str) -> str:
    return html.unescape(re.search(r'srcdoc="([^"]*)"', page).group(1))


def _counter(page: str) -> dict:
    return dict(re.findall(r'<dd data-count="(\w+)"[^>]*>([^<]*)</dd>', page))


# --- Who may --------------------------------------------------------------------------------------


class TestOnlyAdmins:
    @pytest.mark.parametrize(("name", "kwargs"), PAGES)
    def test_admin_opens_every_page(self, client, world, setup, name, kwargs):
        sign_in(client, world.admin)

        response = client.get(_url(setup, name, kwargs))

        assert response.status_code == 200
        assert 'aria-current="page">Message templates</a>' in _page(response)

    @pytest.mark.parametrize("role", [Role.MANAGER, Role.REP])
    @pytest.mark.parametrize(("name", "kwargs"), PAGES)
    def test_managers_and_reps_get_403(self, client, world, setup, role, name, kwargs):
        sign_in(client, world.membership(role))

        response = client.get(_url(setup, name, kwargs))

        assert response.status_code == 403

    @pytest.mark.parametrize("role", [Role.MANAGER, Role.REP])
    def test_managers_and_reps_cannot_change_anything(self, client, world, setup, role):
        sign_in(client, world.membership(role))

        codes = [
            client.post(_url(setup, name, kwargs), data).status_code for name, kwargs, data in POSTS
        ]

        assert codes == [403] * len(POSTS)
        with world.active():
            assert list(MessageTemplate.objects.values_list("key", "name", "is_archived")) == [
                ("quote-sent", "Quote sent", False)
            ]
            variant = TemplateVariant.objects.get()
        assert variant.subject == "Your quote {{ quote_reference }}"

    @pytest.mark.parametrize(("name", "kwargs", "data"), POSTS[1:])
    def test_another_tenants_templates_and_variants_are_not_found(
        self, client, world, other_world, name, kwargs, data
    ):
        template = _template(other_world)
        theirs = {"template": template, "variant": _variant(other_world, template)}
        sign_in(client, world.admin)

        response = client.post(_url(theirs, name, kwargs), data)

        assert response.status_code == 404
        with other_world.active():
            assert MessageTemplate.objects.get().is_archived is False
            assert TemplateVariant.objects.get().subject == "Your quote {{ quote_reference }}"

    def test_there_is_no_way_to_delete_a_template(self, setup):
        with pytest.raises(NoReverseMatch):
            reverse("comms-settings:template-delete", kwargs={"template_pk": setup["template"].pk})


# --- Templates ------------------------------------------------------------------------------------


class TestTemplates:
    def test_create_a_template_then_write_its_wording(self, client, world):
        sign_in(client, world.admin)

        response = client.post(
            reverse("comms-settings:template-create"),
            {
                "name": "Gutter cleaning reminder",
                "key": "gutter-reminder",
                "description": "Every fall",
                "purpose": "marketing",
            },
        )

        with world.active():
            template = MessageTemplate.objects.get(key="gutter-reminder")
        assert response["Location"] == reverse(
            "comms-settings:template", kwargs={"template_pk": template.pk}
        )
        assert (template.name, template.purpose, template.tenant_id) == (
            "Gutter cleaning reminder",
            Purpose.MARKETING,
            world.tenant.pk,
        )
        page = _page(client.get(response["Location"]))
        assert "No wording yet" in page
        new_sms = reverse("comms-settings:variant-create", kwargs={"template_pk": template.pk})
        assert f'href="{new_sms}?channel=sms"' in page

    def test_an_empty_key_is_made_from_the_name(self, client, world):
        sign_in(client, world.admin)

        client.post(
            reverse("comms-settings:template-create"),
            {"name": "Storm damage check-in!", "key": "", "purpose": "transactional"},
        )

        with world.active():
            assert MessageTemplate.objects.get().key == "storm-damage-check-in"

    def test_keys_are_unique_per_tenant(self, client, world, other_world, setup):
        _template(other_world, key="review-request", name="Theirs")
        sign_in(client, world.admin)

        taken = client.post(
            reverse("comms-settings:template-create"),
            {"name": "Another", "key": "quote-sent", "purpose": "transactional"},
        )
        free_here = client.post(
            reverse("comms-settings:template-create"),
            {"name": "Reviews", "key": "review-request", "purpose": "marketing"},
        )

        assert taken.status_code == 200
        assert "Another template already has the key “quote-sent”." in _errors(taken)
        assert free_here.status_code == 302

    def test_edit_name_and_purpose_but_not_the_key(self, client, world, setup):
        template = setup["template"]
        sign_in(client, world.admin)

        response = client.post(
            reverse("comms-settings:template", kwargs={"template_pk": template.pk}),
            {
                "name": "Your quote",
                "key": "hijacked",
                "description": "",
                "purpose": "transactional",
            },
        )

        assert response.status_code == 302
        with world.active():
            template.refresh_from_db()
        assert (template.name, template.key) == ("Your quote", "quote-sent")

    def test_a_template_turns_marketing_only_if_its_emails_can_unsubscribe(
        self, client, world, setup
    ):
        template = setup["template"]
        sign_in(client, world.admin)

        response = client.post(
            reverse("comms-settings:template", kwargs={"template_pk": template.pk}),
            {"name": "Quote sent", "description": "", "purpose": "marketing"},
        )

        assert response.status_code == 200
        assert any("{{ unsubscribe_link }}" in error for error in _errors(response))
        with world.active():
            assert MessageTemplate.objects.get(pk=template.pk).purpose == Purpose.TRANSACTIONAL

    def test_the_list_shows_each_template_with_its_variants_as_chips(self, client, world, setup):
        _variant(world, setup["template"], channel="sms", subject="", body_text="{{ quote_link }}")
        _variant(
            world,
            setup["template"],
            channel="whatsapp",
            language="es",
            brand=world.brand,
            subject="",
            body_text="Hola {{ first_name }}",
            whatsapp_approved=True,
            whatsapp_content_sid="HX" + "a" * 32,
        )
        sign_in(client, world.admin)

        page = html.unescape(_page(client.get(reverse("comms-settings:templates"))))

        chips = re.findall(r'class="variant-chip channel-[^"]*"[^>]*>([^<]*)', page)
        assert [" ".join(chip.split()) for chip in chips] == [
            "Email · EN",
            "SMS · EN",
            f"WhatsApp · ES · {world.brand.name}",
        ]
        assert 'title="Approved by WhatsApp"' in page
        assert "Transactional" in page

    def test_archive_moves_a_template_aside_and_says_which_triggers_still_send_it(
        self, client, world, setup
    ):
        template = setup["template"]
        with world.active():
            trigger = Trigger.objects.create(
                tenant=world.tenant, name="New leads", event=TriggerOn.LEAD_CREATED
            )
            TriggerStep.objects.create(
                tenant=world.tenant, trigger=trigger, template=template, channels=["email"]
            )
        sign_in(client, world.admin)

        response = client.post(
            reverse("comms-settings:template-archive", kwargs={"template_pk": template.pk}),
            follow=True,
        )

        page = html.unescape(_page(response))
        assert "Template Quote sent archived. 1 trigger step still send it" in page
        assert page.index('<h2 class="templates-archived-head">') < page.index("Quote sent</")
        with world.active():
            assert MessageTemplate.objects.get(pk=template.pk).is_archived is True

        client.post(reverse("comms-settings:template-restore", kwargs={"template_pk": template.pk}))

        with world.active():
            assert MessageTemplate.objects.get(pk=template.pk).is_archived is False

    def test_the_list_runs_the_same_queries_for_many_templates(self, client, world):
        sign_in(client, world.admin)

        def add_templates(start: int, count: int) -> None:
            for number in range(start, start + count):
                template = _template(world, key=f"t-{number}", name=f"Template {number}")
                _variant(world, template)
                _variant(world, template, channel="sms", subject="", brand=world.brand)

        add_templates(0, 2)
        few = queries_for(client, reverse("comms-settings:templates"))
        add_templates(2, 8)
        many = queries_for(client, reverse("comms-settings:templates"))

        assert many == few


# --- Variants -------------------------------------------------------------------------------------


class TestVariants:
    def _post_new(self, client, template, **data):
        url = reverse("comms-settings:variant-create", kwargs={"template_pk": template.pk})
        return client.post(url, _variant_data(**data))

    def test_write_an_email_with_subject_text_and_html(self, client, world, setup):
        template = setup["template"]
        sign_in(client, world.admin)

        response = self._post_new(
            client,
            template,
            language="es",
            brand=world.brand.pk,
            body_html="<p>Hola {{ first_name }}</p>",
        )

        assert response["Location"] == reverse(
            "comms-settings:template", kwargs={"template_pk": template.pk}
        )
        with world.active():
            variant = TemplateVariant.objects.get(template=template, language="es")
        assert (variant.channel, variant.brand_id, variant.updated_by) == (
            "email",
            world.brand.pk,
            world.admin.user,
        )
        assert variant.subject == "Thanks, {{ first_name }}"
        assert variant.body_text == "Hi {{ first_name }},\nthanks for choosing {{ brand_name }}."
        assert variant.body_html == "<p>Hola {{ first_name }}</p>"

    @pytest.mark.parametrize(
        ("data", "expected"),
        [
            (
                {"body_text": "Hi {{ customer_nmae }}"},
                "unknown variable {{ customer_nmae }}. Use one of the variables listed beside "
                "the editor.",
            ),
            (
                {"subject": "Quote {{ quote.total }} for {{ password }}"},
                "unknown variable {{ password }}, {{ quote }}. Use one of the variables listed "
                "beside the editor.",
            ),
            ({"body_text": "Hi {% if first_name %}{{ first_name }}"}, "Unclosed tag"),
            ({"body_html": "{% load static %}<p>Hi</p>"}, "Invalid block tag on line 1: 'load'"),
            (
                {"body_text": '{% include "secrets.html" %}'},
                "Invalid block tag on line 1: 'include'",
            ),
            ({"body_text": "{% now 'Y' %}"}, "Invalid block tag on line 1: 'now'"),
            ({"subject": ""}, "An email needs a subject."),
            ({"body_text": ""}, "Write the message."),
        ],
    )
    def test_what_cannot_be_sent_is_refused_on_save_and_nothing_is_saved(
        self, client, world, setup, data, expected
    ):
        sign_in(client, world.admin)

        response = self._post_new(client, setup["template"], language="es", **data)

        assert response.status_code == 200
        assert any(expected in error for error in _errors(response)), _errors(response)
        with world.active():
            assert not TemplateVariant.objects.filter(language="es").exists()

    def test_the_same_channel_language_and_brand_twice_is_refused(self, client, world, setup):
        sign_in(client, world.admin)

        response = self._post_new(client, setup["template"])

        assert response.status_code == 200
        assert (
            "“Quote sent” already has Email in English for every brand: edit that one instead."
            in _errors(response)
        )
        with world.active():
            assert TemplateVariant.objects.count() == 1

    def test_sms_keeps_neither_subject_nor_html(self, client, world, setup):
        sign_in(client, world.admin)

        self._post_new(client, setup["template"], channel="sms", body_html="<p>Hi</p>")

        with world.active():
            sms = TemplateVariant.objects.get(channel="sms")
        assert (sms.subject, sms.body_html) == ("", "")

    def test_an_approved_whatsapp_template_needs_its_content_sid(self, client, world, setup):
        sign_in(client, world.admin)

        refused = self._post_new(
            client, setup["template"], channel="whatsapp", whatsapp_approved="on"
        )
        saved = self._post_new(
            client,
            setup["template"],
            channel="whatsapp",
            whatsapp_approved="on",
            whatsapp_content_sid="HX0123456789abcdef0123456789abcdef",
        )

        assert any("Content SID" in error for error in _errors(refused))
        assert saved.status_code == 302
        with world.active():
            whatsapp = TemplateVariant.objects.get(channel="whatsapp")
        assert whatsapp.whatsapp_approved is True

    def test_a_marketing_email_must_carry_the_unsubscribe_link(self, client, world):
        template = _template(world, key="review-request", name="Review", purpose="marketing")
        sign_in(client, world.admin)

        refused = self._post_new(client, template)
        saved = self._post_new(client, template, body_text="Hi! {{ unsubscribe_link }}")

        assert any("{{ unsubscribe_link }}" in error for error in _errors(refused))
        assert saved.status_code == 302

    def test_another_tenants_brand_cannot_be_picked(self, client, world, other_world, setup):
        sign_in(client, world.admin)

        response = self._post_new(client, setup["template"], brand=other_world.brand.pk)

        assert response.status_code == 200
        with world.active():
            assert TemplateVariant.objects.count() == 1

    def test_edit_and_delete_a_variant(self, client, world, setup):
        variant = setup["variant"]
        sign_in(client, world.admin)

        client.post(
            reverse("comms-settings:variant", kwargs={"variant_pk": variant.pk}),
            _variant_data(subject="Your quote is ready"),
        )
        with world.active():
            variant.refresh_from_db()
        assert variant.subject == "Your quote is ready"

        client.post(reverse("comms-settings:variant-delete", kwargs={"variant_pk": variant.pk}))
        with world.active():
            assert not TemplateVariant.objects.exists()

    def test_the_editor_lists_every_variable(self, client, world, setup):
        sign_in(client, world.admin)

        page = html.unescape(
            _page(
                client.get(
                    reverse("comms-settings:variant", kwargs={"variant_pk": setup["variant"].pk})
                )
            )
        )

        for name, description in rendering.VARIABLES.items():
            assert f"<dt><code>{{{{ {name} }}}}</code></dt><dd>{description}</dd>" in page


# --- The preview ----------------------------------------------------------------------------------


class TestPreview:
    def test_sample_data_in_a_sandboxed_frame(self, client, world, setup):
        sign_in(client, world.admin)

        response = _preview(
            client,
            setup["template"],
            body_html='<p>Hi {{ first_name }}</p><script>alert("x")</script>',
        )

        page = _page(response)
        assert response.status_code == 200
        assert "With sample data" in page
        assert "<strong>Thanks, Maria</strong>" in page
        assert re.search(r"<iframe[^>]* sandbox srcdoc=", page)
        assert "allow-scripts" not in page
        assert "<script>" not in page
        assert _srcdoc(page) == '<p>Hi Maria</p><script>alert("x")</script>'

    def test_the_sample_signs_with_this_teams_brand(self, client, world, setup):
        sign_in(client, world.admin)

        page = _page(_preview(client, setup["template"], body_text="From {{ brand_name }}"))

        assert f"From {world.brand.name}" in html.unescape(page)

    def test_an_email_without_html_shows_the_html_made_from_its_text(self, client, world, setup):
        sign_in(client, world.admin)

        page = _page(_preview(client, setup["template"], body_text="Hi {{ first_name }} & co"))

        assert _srcdoc(page) == "<p>Hi Maria &amp; co</p>"

    def test_a_real_contact_and_their_lead(self, client, world, setup):
        lead = lead_for(world, owner=world.rep, title="Roof repair")
        sign_in(client, world.admin)

        page = html.unescape(
            _page(
                _preview(
                    client,
                    setup["template"],
                    channel="sms",
                    body_text="Hi {{ first_name }}, about {{ order_number }} ({{ owner_name }})",
                    preview_contact=world.contact.pk,
                )
            )
        )

        expected = f"Hi {world.contact.first_name}, about {lead.reference} "
        assert expected + f"({world.rep.user.full_name})" in page
        assert f"As {world.contact.display_name} would get it, about {lead.reference}" in page
        assert f'<option value="{lead.pk}" selected>{lead.reference} · Roof repair</option>' in page

    def test_a_contacts_own_words_are_escaped_in_the_preview(self, client, world, setup):
        with world.active():
            Contact.objects.filter(pk=world.contact.pk).update(
                first_name='<img src=x onerror="alert(1)">'
            )
        sign_in(client, world.admin)

        for channel in ("email", "sms"):
            page = _page(
                _preview(
                    client,
                    setup["template"],
                    channel=channel,
                    subject="For {{ first_name }}",
                    body_text="Hi {{ first_name }}",
                    preview_contact=world.contact.pk,
                )
            )

            assert "<img" not in page
            assert "Hi &lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page

    def test_a_missing_value_is_explained_not_left_blank(self, client, world, setup):
        lead_for(world, owner=world.rep)
        sign_in(client, world.admin)

        page = html.unescape(
            _page(
                _preview(
                    client,
                    setup["template"],
                    body_text="Your quote: {{ quote_link }}",
                    preview_contact=world.contact.pk,
                    preview_lead="none",
                )
            )
        )

        assert (
            f"{world.contact.display_name} has no value for {{{{ quote_link }}}}, so this message "
            "would not be sent." in page
        )
        assert "srcdoc" not in page

    def test_dates_show_in_the_contacts_time_zone(self, client, world, setup):
        lead = lead_for(world, owner=world.rep)
        with world.active():
            Lead.objects.filter(pk=lead.pk).update(
                appointment_at=dt.datetime(2031, 3, 4, 15, 30, tzinfo=dt.UTC)
            )
            ContactCommsProfile.objects.create(
                tenant=world.tenant, contact=world.contact, time_zone="Europe/Amsterdam"
            )
        sign_in(client, world.admin)

        page = _page(
            _preview(
                client,
                setup["template"],
                channel="sms",
                body_text='See you {{ appointment_at|date:"D j M H:i" }}',
                preview_contact=world.contact.pk,
            )
        )

        assert "See you Tue 4 Mar 16:30" in page

    def test_a_search_picks_the_first_matching_contact(self, client, world, setup):
        sign_in(client, world.admin)

        page = html.unescape(
            _page(
                _preview(
                    client,
                    setup["template"],
                    channel="sms",
                    body_text="Hi {{ customer_name }}",
                    contact_search=world.contact.first_name[:3],
                )
            )
        )

        assert f"Hi {world.contact.display_name}" in page
        assert f'<option value="{world.contact.pk}" selected>' in page

    def test_another_tenants_contact_is_not_found(self, client, world, other_world, setup):
        sign_in(client, world.admin)

        response = _preview(client, setup["template"], preview_contact=other_world.contact.pk)

        assert response.status_code == 404

    def test_another_tenants_contact_is_never_found_by_search(
        self, client, world, other_world, setup
    ):
        # A last name no contact of this tenant has (the factories' names can collide).
        with other_world.active():
            Contact.objects.filter(pk=other_world.contact.pk).update(last_name="Qwyxzorth")
            other_world.contact.refresh_from_db()
        sign_in(client, world.admin)

        page = html.unescape(
            _page(
                _preview(
                    client,
                    setup["template"],
                    body_text="Hi {{ customer_name }}",
                    contact_search="Qwyxzorth",
                )
            )
        )

        assert other_world.contact.display_name not in page
        assert "With sample data" in page

    def test_sms_counter(self, client, world, setup):
        sign_in(client, world.admin)

        short = _counter(_page(_preview(client, setup["template"], channel="sms", body_text="Hi")))
        long = _counter(
            _page(_preview(client, setup["template"], channel="sms", body_text="a" * 161))
        )
        unicode = _page(
            _preview(client, setup["template"], channel="sms", body_text="We’ll be there")
        )

        assert short == {
            "characters": "2",
            "encoding": "GSM-7",
            "segments": "1",
            "remaining": "158 of 160",
        }
        assert (long["segments"], long["remaining"]) == ("2", "145 of 153")
        assert _counter(unicode)["encoding"] == "UCS-2"
        assert "Not in the GSM alphabet: <code>’</code>" in unicode

    def test_problems_show_in_words(self, client, world, setup):
        sign_in(client, world.admin)

        page = html.unescape(
            _page(_preview(client, setup["template"], body_text="Hi {{ frist_name }}"))
        )

        assert "Text: unknown variable {{ frist_name }}." in page

    def test_the_editor_opens_with_the_saved_wording_previewed(self, client, world, setup):
        sign_in(client, world.admin)

        page = html.unescape(
            _page(
                client.get(
                    reverse("comms-settings:variant", kwargs={"variant_pk": setup["variant"].pk})
                )
            )
        )

        assert "<strong>Your quote Q-1042-1</strong>" in page
        assert 'hx-trigger="input changed delay:300ms"' in page


# --- Demo templates -------------------------------------------------------------------------------


class TestDemoTemplates:
    def test_the_twelve_demo_templates_are_seeded_once(self, world):
        with world.active():
            first = seed_templates(tenant=world.tenant, actor=world.admin.user)
            variants = TemplateVariant.objects.count()
            again = seed_templates(tenant=world.tenant)

            assert list(first) == DEMO_KEYS
            assert {key: row.pk for key, row in again.items()} == {
                key: row.pk for key, row in first.items()
            }
            assert TemplateVariant.objects.count() == variants

    def test_seeding_again_keeps_the_admins_edits_and_adds_what_was_deleted(self, world):
        with world.active():
            templates = seed_templates(tenant=world.tenant)
            sms = TemplateVariant.objects.get(template=templates["on-hold"], channel="sms")
            TemplateVariant.objects.filter(pk=sms.pk).update(body_text="Paused: {{ order_number }}")
            TemplateVariant.objects.filter(template=templates["quote-sent"], channel="sms").delete()

            seed_templates(tenant=world.tenant)

            assert TemplateVariant.objects.get(pk=sms.pk).body_text == "Paused: {{ order_number }}"
            assert TemplateVariant.objects.filter(
                template=templates["quote-sent"], channel="sms"
            ).exists()

    def test_every_demo_variant_validates_and_renders_with_sample_data(self, world):
        with world.active():
            seed_templates(tenant=world.tenant)
            variants = list(TemplateVariant.objects.select_related("template"))
        sample = rendering.sample_variables(now=dt.datetime(2030, 5, 6, 14, tzinfo=dt.UTC))

        for variant in variants:
            rendering.validate(
                subject=variant.subject, text=variant.body_text, html=variant.body_html
            )
            rendered = rendering.render(
                subject=variant.subject,
                text=variant.body_text,
                html=variant.body_html,
                variables=sample,
                make_html=variant.channel == "email",
            )
            assert "Maria" in rendered.text or "Florida First Roofing" in rendered.text, variant
            assert "{{" not in rendered.text and "{%" not in rendered.text
            if variant.channel == "email":
                assert rendered.subject and "\n" not in rendered.subject
            if variant.channel == "sms":
                segments = sms_segments(rendered.text)
                assert (segments.encoding, segments.segments) == (GSM7, 1), variant

    def test_purposes_channels_and_languages(self, world):
        with world.active():
            templates = seed_templates(tenant=world.tenant)
            variants = list(TemplateVariant.objects.select_related("template"))

        marketing = {key for key, row in templates.items() if row.purpose == Purpose.MARKETING}
        # The survey is about the job the customer bought: a service message.
        assert marketing == {"review-request", "annual-check-up"}
        for variant in variants:
            if variant.template.purpose == Purpose.MARKETING and variant.channel == "email":
                assert "{{ unsubscribe_link }}" in variant.body_text
                if variant.body_html:
                    assert "{{ unsubscribe_link }}" in variant.body_html
        spanish = {variant.template.key for variant in variants if variant.language == "es"}
        assert spanish == {"new-lead-ack", "appointment-reminder"}
        whatsapp = {
            (variant.template.key, variant.language, variant.whatsapp_approved)
            for variant in variants
            if variant.channel == "whatsapp"
        }
        assert ("appointment-reminder", "en", True) in whatsapp
        assert ("biweekly-update", "en", False) in whatsapp
        assert ("new-lead-ack", "en", False) in whatsapp
        approved = [variant for variant in variants if variant.whatsapp_approved]
        assert all(re.fullmatch(r"HX[0-9a-f]{32}", v.whatsapp_content_sid) for v in approved)

    def test_the_biweekly_update_lists_recent_updates_and_the_next_step_only_when_known(
        self, world
    ):
        with world.active():
            template = seed_templates(tenant=world.tenant)["biweekly-update"]
            email = TemplateVariant.objects.get(template=template, channel="email")
        sample = rendering.sample_variables(now=dt.datetime(2030, 5, 6, 14, tzinfo=dt.UTC))
        quiet = sample | {"recent_updates": [], "next_step": ""}

        full = rendering.render(subject=email.subject, text=email.body_text, variables=sample)
        bare = rendering.render(subject=email.subject, text=email.body_text, variables=quiet)

        assert "{{ stage_label }}" in email.subject + email.body_text
        assert "- Materials delivered\n- Permit approved by the city" in full.text
        assert "Next up: Final inspection." in full.text
        assert "Since our last update" not in bare.text and "Next up" not in bare.text
        assert "Installation scheduled" in bare.text

    def test_demo_wording_is_defined_for_every_key(self):
        assert [demo.key for demo in DEMO_TEMPLATES] == DEMO_KEYS

    def test_the_demo_templates_open_in_the_admin_pages(self, client, world):
        with world.active():
            templates = seed_templates(tenant=world.tenant)
        sign_in(client, world.admin)

        page = html.unescape(_page(client.get(reverse("comms-settings:templates"))))

        for demo in DEMO_TEMPLATES:
            assert f"<strong>{demo.name}</strong>" in page
        assert templates["biweekly-update"].name in page
