"""The staff pages of the inbox, messaging, triggers, contacts, settings, errors and sign-in speak
Dutch and Spanish: their templates, forms and messages go through gettext and the catalogues in
locale/ hold the words. English stays the default."""

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from automation.selectors.triggers import describe_duration
from tests.conftest import sign_in
from tickets.forms.settings import InboxForm

pytestmark = pytest.mark.django_db


def sign_in_speaking(client, membership, language: str) -> None:
    """Staff pages speak the member's own language (their profile), not the browser's."""
    membership.user.language = language
    membership.user.save(update_fields=["language"])
    sign_in(client, membership)


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["We couldn't find that", "Go to the start page"]),
        ("nl", ["We konden dat niet vinden", "Naar de startpagina"]),
        ("es", ["No pudimos encontrarlo", "Ir a la página de inicio"]),
    ],
)
def test_the_not_found_page_speaks_the_active_language(rf: RequestFactory, language, words):
    request = rf.get("/nowhere/")
    with translation.override(language):
        page = render_to_string("errors/404.html", request=request)
    for word in words:
        assert word in page


@pytest.mark.parametrize(
    ("language", "heading", "button"),
    [
        ("en", "Inboxes", "New inbox"),
        ("nl", "Inboxen", "Nieuwe inbox"),
        ("es", "Bandejas de entrada", "Nueva bandeja de entrada"),
    ],
)
def test_the_inbox_settings_page_is_translated(client, world, language, heading, button):
    sign_in_speaking(client, world.admin, language)
    page = client.get(reverse("tickets-settings:inboxes"))
    assert page.status_code == 200
    text = page.content.decode()
    assert f"<h1>{heading}</h1>" in text
    assert button in text


def test_the_sign_in_page_is_translated(client):
    with translation.override("nl"):
        page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Inloggen" in page
    assert "Wachtwoord vergeten?" in page


def test_form_labels_and_plurals_follow_the_language(world):
    with world.active(), translation.override("es"):
        form = InboxForm(tenant=world.tenant)
        assert str(form.fields["is_active"].label) == "Activo"
        assert describe_duration(60) == "1 hora"
        assert describe_duration(3 * 24 * 60) == "3 días"
    with translation.override("nl"):
        assert describe_duration(2) == "2 minuten"
    assert describe_duration(1) == "1 minute"


def test_a_sentence_with_a_link_is_translated_whole(client, world):
    sign_in_speaking(client, world.admin, "nl")
    page = client.get(reverse("tickets-settings:sla"))
    text = page.content.decode()
    assert "Alleen <strong>werkuren</strong> tellen" in text
    assert f'<a href="{reverse("settings:profile")}">bedrijfsprofiel</a>' in text
    assert "SLA-doelen opslaan" in text


def test_a_message_after_a_post_is_translated(client, world):
    sign_in_speaking(client, world.admin, "es")
    response = client.post(
        reverse("tickets-settings:inbox-create"),
        {"name": "Soporte", "default_priority": "normal", "is_active": "on"},
        follow=True,
    )
    assert "Bandeja de entrada Soporte guardada." in response.content.decode()


def test_a_time_triggers_summary_reads_naturally_in_each_language():
    from automation.models import Trigger, TriggerDateField, TriggerOn
    from automation.selectors.triggers import describe_event

    trigger = Trigger(
        event=TriggerOn.DATE_REACHED,
        date_field=TriggerDateField.APPOINTMENT_AT,
        offset_minutes=-48 * 60,
    )
    assert describe_event(trigger) == "48 hours before the appointment"
    with translation.override("nl"):
        assert describe_event(trigger) == "48 uur vóór de afspraak"
    with translation.override("es"):
        assert describe_event(trigger) == "48 horas antes de la cita"
