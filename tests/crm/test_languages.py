"""Who reads in which language (crm.kit.languages): staff in their own, else their team's; the
portal in the contact's, switched there; public pages in the contact's when the link names one,
else the team's; the browser's where nobody is known. `<html lang>` says which."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse

from crm.kit.languages import contact_language, staff_language, supported_language
from crm.models import Contact, Language, TimelineEvent
from leads import capture_links, quote_links
from leads.services.capture import capture_form_save
from leads.services.quotes import quote_save_draft, quote_send
from leads.views.public_quote import answer_count_key
from messaging.links import unsubscribe_url
from tests import factories
from tests.conftest import sign_in
from tests.factories import lead_for, pipeline_for
from tests.portal.helpers import path_of, portal_sign_in

pytestmark = pytest.mark.django_db

HTML_LANG = re.compile(r'<html lang="([^"]+)">')


def html_lang(response) -> str:
    return HTML_LANG.search(response.content.decode()).group(1)


def _set(obj, **fields):
    for name, value in fields.items():
        setattr(obj, name, value)
    obj.save(update_fields=list(fields))


def test_supported_languages_are_ours_and_their_regional_variants():
    assert supported_language("nl") == "nl"
    assert supported_language("nl-be") == "nl"
    assert supported_language("es-mx") == "es"
    assert supported_language("pt") is None
    assert supported_language("") is None


def test_a_member_reads_their_own_language_else_their_teams(client, world):
    user = world.rep.user
    assert staff_language(user, world.tenant) == "en"
    _set(world.tenant, language="es")
    sign_in(client, world.rep)
    response = client.get(reverse("comms:notification-preferences"))
    assert html_lang(response) == "es"
    _set(user, language="nl")
    response = client.get(reverse("comms:notification-preferences"))
    assert html_lang(response) == "nl"
    html = response.content.decode()
    assert "Zoeken" in html and "Wachtwoord wijzigen" in html  # the header and account menu


def test_the_sign_in_page_follows_the_browser(client):
    assert html_lang(client.get(reverse("login"))) == "en"
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9,en;q=0.5")
    assert html_lang(response) == "es"
    assert "Accept-Language" in response["Vary"]
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="pt-BR,de;q=0.8")
    assert html_lang(response) == "en"


def test_the_portal_speaks_the_contacts_language_and_its_switcher_keeps_the_choice(client, world):
    contact = world.contact
    factories.ContactEmailFactory(tenant=world.tenant, contact=contact, email="saar@example.nl")
    with world.active():
        _set(contact, language=Language.DUTCH)
    portal_sign_in(client, world.tenant, contact)
    home = reverse("portal:home")
    response = client.get(home, HTTP_ACCEPT_LANGUAGE="en")
    assert html_lang(response) == "nl"
    response = client.post(reverse("portal:language"), {"language": "es", "next": home})
    assert response.status_code == 302 and path_of(response["Location"]) == home
    with world.active():
        contact = Contact.objects.get(pk=contact.pk)
        assert contact.language == "es"
        assert TimelineEvent.objects.filter(
            contact=contact, summary__contains="Dutch → Spanish"
        ).exists()
    assert html_lang(client.get(home)) == "es"
    assert client.post(reverse("portal:language"), {"language": "pt"}).status_code == 400


def test_a_contact_in_a_language_we_do_not_speak_reads_their_teams(world):
    _set(world.tenant, language="nl")
    world.contact.language = Language.PORTUGUESE
    assert contact_language(world.contact, world.tenant) == "nl"


def test_the_lead_form_speaks_its_businesss_language(client, world):
    _set(world.tenant, language="nl")
    with world.active():
        capture_form = capture_form_save(
            tenant=world.tenant,
            actor=world.admin.user,
            name="Website",
            pipeline=pipeline_for(world.tenant),
            source=factories.LeadSourceFactory(tenant=world.tenant, name="Website"),
            brand=world.brand,
            heading="Laadpaal aanvragen",
            thank_you_message="Bedankt!",
        )
    token = capture_links.capture_form_token(capture_form)
    response = client.get(
        reverse("public:lead-form", kwargs={"token": token}), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert html_lang(response) == "nl"


def _sent_quote(world):
    lead = lead_for(world, pipeline_for(world.tenant), owner=world.rep, title="Laadpaal")
    with world.active():
        quote = quote_save_draft(
            tenant=world.tenant,
            actor=world.rep.user,
            lead=lead,
            lines=[("Laadpaal met installatie", Decimal("1"), Decimal("18000.50"))],
            valid_until=world.tenant.today() + dt.timedelta(days=30),
        )
        return quote_send(tenant=world.tenant, actor=world.rep.user, quote=quote)


def test_the_quote_page_speaks_the_customers_language_even_to_staff(client, world):
    cache.delete(answer_count_key("127.0.0.1"))
    with world.active():
        _set(world.contact, language=Language.SPANISH)
    quote = _sent_quote(world)
    path = reverse("public:quote", kwargs={"token": quote_links.quote_public_token(quote)})
    assert html_lang(client.get(path, HTTP_ACCEPT_LANGUAGE="nl")) == "es"
    sign_in(client, world.rep)
    assert html_lang(client.get(path)) == "es"


def test_the_unsubscribe_page_speaks_the_contacts_language(client, world):
    with world.active():
        _set(world.contact, language=Language.DUTCH)
    url = unsubscribe_url(tenant_id=world.tenant.pk, contact_id=world.contact.pk, channel="email")
    assert html_lang(client.get(path_of(url))) == "nl"


def test_a_member_chooses_their_language_on_my_preferences(client, world):
    sign_in(client, world.rep)
    response = client.post(
        reverse("comms:my-preferences"), {"time_zone": "", "language": "es", "digest": "team"}
    )
    assert response.status_code == 302
    world.rep.user.refresh_from_db()
    assert world.rep.user.language == "es"
    assert html_lang(client.get(reverse("comms:notification-preferences"))) == "es"
    response = client.post(
        reverse("comms:my-preferences"), {"time_zone": "", "language": "pt", "digest": "team"}
    )
    assert response.status_code == 400


def test_a_dutch_contacts_portal_is_dutch(client, world):
    factories.ContactEmailFactory(
        tenant=world.tenant, contact=world.contact, email="d@example.nl", is_primary=False
    )
    with world.active():
        _set(world.contact, language=Language.DUTCH, first_name="Saar")
    portal_sign_in(client, world.tenant, world.contact)
    html = client.get(reverse("portal:home")).content.decode()
    assert "Hallo Saar" in html
    assert "Je klussen" in html and "Voorkeuren" in html and "Uitloggen" in html
    assert "Your jobs" not in html
    html = client.get(reverse("portal:preferences")).content.decode()
    assert "Hoe we contact houden" in html and "Elke week" in html


def test_a_sign_in_link_goes_out_in_the_contacts_language(client, world):
    from tests.portal.helpers import reset_throttles, sent_messages

    factories.ContactEmailFactory(
        tenant=world.tenant, contact=world.contact, email="lucia@example.es", is_primary=False
    )
    with world.active():
        _set(world.contact, language=Language.SPANISH, first_name="Lucía")
    reset_throttles("lucia@example.es")
    client.post(reverse("portal:sign-in"), {"address": "lucia@example.es"})
    [message] = sent_messages(world.tenant, to_address="lucia@example.es")
    assert message.subject.startswith("Su enlace de acceso a ")
    assert message.body_text.startswith("Hola, Lucía:")
    assert "Funciona una vez, en un plazo de 15 minutos." in message.body_text


def test_the_quote_email_is_written_in_the_customers_language(world):
    from messaging.models import OutboundMessage

    cache.delete(answer_count_key("127.0.0.1"))
    with world.active():
        _set(world.contact, language=Language.DUTCH)
    quote = _sent_quote(world)
    with world.active():
        message = OutboundMessage.objects.filter(lead=quote.lead).latest("pk")
    assert message.subject.startswith("Je offerte van ")
    assert "komt uit op" in message.body_text and "Hij is geldig tot" in message.body_text


def test_the_answer_to_a_stop_text_is_in_the_contacts_language():
    from messaging.services.keywords import STOP, _in_language

    values = {"business": "ChargeCars", "channel_label": "SMS", "reach_us": ""}
    assert _in_language("nl", STOP, **values).startswith(
        "ChargeCars: je bent afgemeld en krijgt geen Sms-berichten meer van ons."
    )
    assert _in_language("es", STOP, **values).endswith("Responda START para volver a suscribirse.")
    assert _in_language("en", STOP, **values).startswith("ChargeCars: you are unsubscribed")
