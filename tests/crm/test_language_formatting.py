"""Money, dates and numbers as the reader writes them (Spanish groups thousands with a
non-breaking space, as Django's Spanish formats and the RAE do): crm.kit.formatting.money per language, and
a message template rendered in the contact's language and time zone (messaging.variables)."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.utils import translation

from crm.kit.formatting import money, money_format
from crm.models import Language
from leads.services.quotes import quote_save_draft, quote_send
from messaging import rendering
from messaging.variables import as_the_contact_reads, message_variables
from tests.factories import lead_for, pipeline_for

AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")


@pytest.mark.parametrize(
    ("language", "value", "currency", "shown"),
    [
        ("en", Decimal("18000.50"), "EUR", "€18,000.50"),
        ("nl", Decimal("18000.50"), "EUR", "€ 18.000,50"),
        ("es", Decimal("18000.50"), "EUR", "18\xa0000,50 €"),
        ("nl", 1250, "USD", "$ 1.250"),
        ("es", 1250, "USD", "1\xa0250 $"),
        ("nl", 5, "CHF", "CHF 5"),
        ("es", Decimal("1234567.8"), "CHF", "1\xa0234\xa0567,80 CHF"),
        ("pt", 18000, "EUR", "€18,000"),  # a language we do not speak reads as English
        ("nl", None, "EUR", "—"),
    ],
)
def test_money_is_written_as_the_reader_writes_it(language, value, currency, shown):
    assert money(value, currency, language=language) == shown


def test_money_follows_the_active_language():
    with translation.override("nl"):
        assert money(Decimal("18000.50"), "EUR") == "€ 18.000,50"
    with translation.override("es"):
        assert money(18000, "EUR") == "18\xa0000 €"
    assert money(18000, "USD") == "$18,000"


@pytest.mark.parametrize(
    ("language", "country", "currency", "shown"),
    [
        # A Spanish reader of a Miami business writes dollars as the US does (CLDR es_US).
        ("es", "US", "USD", "$18,500"),
        ("es", "MX", "USD", "$18,500"),
        ("es", "ES", "EUR", "18\xa0500 €"),  # Spanish at home: as above
        ("nl", "NL", "EUR", "€ 18.500"),
        ("en", "US", "USD", "$18,500"),
        ("en", "NL", "EUR", "€ 18.500"),
        ("nl", "US", "USD", "$ 18.500"),  # no Dutch of the US: Dutch as the Dutch write it
        ("es", "NL", "EUR", "18\xa0500 €"),
    ],
)
def test_money_follows_the_readers_language_and_the_business_country(
    language, country, currency, shown
):
    assert money(18500, currency, language=language, country=country) == shown
    assert money_format(currency, language=language, country=country)(18500) == shown


@pytest.mark.django_db
def test_money_takes_the_country_of_the_active_tenant(world):
    with world.active(), translation.override("es"):
        assert money(18500, "USD") == "$18,500"
        world.tenant.country = "ES"
        assert money(Decimal("18500.5"), "EUR") == "18\xa0500,50 €"


def test_one_money_format_writes_a_pages_amounts_as_money_does():
    amounts = [Decimal("18000.50"), 1250, 5, Decimal("1234567.8"), None, ""]
    for language in ("en", "nl", "es", "pt"):
        for currency in ("EUR", "USD", "CHF"):
            formatted = money_format(currency, language=language)
            assert [formatted(amount) for amount in amounts] == [
                money(amount, currency, language=language) for amount in amounts
            ], (language, currency)
    with translation.override("es"):
        assert money_format("EUR")(18000) == "18\xa0000 €"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (Language.DUTCH, "maandag 2 maart om 09:00 · € 18.000,50 · 2,5"),
        (Language.SPANISH, "lunes 2 marzo om 09:00 · 18\xa0000,50 € · 2,5"),
        # English as it is written in the Netherlands (CLDR en_NL).
        (Language.ENGLISH, "Monday 2 March om 09:00 · € 18.000,50 · 2.5"),
    ],
)
def test_a_message_renders_in_the_contacts_language_and_time_zone(world, language, expected):
    tenant = world.tenant
    tenant.currency, tenant.time_zone, tenant.country = "EUR", "Europe/Amsterdam", "NL"
    tenant.save(update_fields=["currency", "time_zone", "country"])
    lead = lead_for(world, pipeline_for(tenant), owner=world.rep, title="Laadpaal")
    with world.active():
        world.contact.language = language
        world.contact.save(update_fields=["language"])
        lead.appointment_at = dt.datetime(2026, 3, 2, 9, 0, tzinfo=AMSTERDAM)
        lead.save(update_fields=["appointment_at"])
        quote = quote_save_draft(
            tenant=tenant,
            actor=world.rep.user,
            lead=lead,
            lines=[("Laadpaal met installatie", Decimal("1"), Decimal("18000.50"))],
            valid_until=tenant.today() + dt.timedelta(days=30),
        )
        quote_send(tenant=tenant, actor=world.rep.user, quote=quote)
        # The worker runs in UTC and English; the message still reads as the contact does.
        with as_the_contact_reads(tenant, world.contact):
            variables = message_variables(
                tenant=tenant, contact=world.contact, channel="email", lead=lead
            )
            variables["score"] = 2.5
            rendered = rendering.render(
                text="{{ appointment_at|date:'l j F' }} om {{ appointment_at|time:'H:i' }} · "
                "{{ quote_total }} · {{ score }}",
                variables=variables,
            )
    assert rendered.text == expected


def test_the_demos_spanish_appointment_time_names_the_day_and_month():
    from django.utils import timezone

    from messaging.demo_templates import APPOINTMENT_WHEN_ES

    at = dt.datetime(2026, 3, 2, 9, 0, tzinfo=AMSTERDAM)
    with translation.override("es"), timezone.override(AMSTERDAM):
        rendered = rendering.render(text=APPOINTMENT_WHEN_ES, variables={"appointment_at": at})
    assert rendered.text == "lunes 2 de marzo a las 09:00"
