"""Postal codes and states are checked by the country (the tenant's, or the property's) and
written the way its post office writes them, with a clear error."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from crm.addresses import postal_code_clean, state_clean
from crm.models import Property
from crm.services.properties import property_create
from leads.models import Lead
from tests.conftest import sign_in
from tests.factories import pipeline_for


@pytest.mark.parametrize(
    ("country", "typed", "written"),
    [
        ("US", "33145", "33145"),
        ("US", " 33145-1234 ", "33145-1234"),
        ("US", "331451234", "33145-1234"),
        ("NL", "1234ab", "1234 AB"),
        ("NL", "1016 gv", "1016 GV"),
        ("NL", "3511-AZ", "3511 AZ"),
        ("GB", "sw1a1aa", "SW1A 1AA"),
        ("GB", "M1 1AE", "M1 1AE"),
        ("CA", "k1a0b1", "K1A 0B1"),
        ("PT", "1000001", "1000-001"),
        ("BE", "1000", "1000"),
        ("DE", "10115", "10115"),
        ("IE", "d02x285", "D02 X285"),
        ("BR", "01310-100", "01310-100"),  # no table entry: the lenient check
        ("US", "", ""),
    ],
)
def test_postal_codes_are_written_as_the_country_writes_them(country, typed, written):
    assert postal_code_clean(country, typed) == written


@pytest.mark.parametrize(
    ("country", "typed", "message"),
    [
        ("US", "3314", "is not a valid ZIP code: write it like 33145 or 33145-1234"),
        ("US", "33145-12", "is not a valid ZIP code"),
        ("US", "ABCDE", "is not a valid ZIP code"),
        ("NL", "0123 AB", "is not a valid postcode: write it like 1016 GV"),
        ("NL", "1234", "is not a valid postcode"),
        ("NL", "1234 SS", "is not a valid postcode"),
        ("GB", "12345", "is not a valid postcode"),
        ("BR", "01310/100", "only letters, digits, spaces and hyphens"),
    ],
)
def test_a_wrong_postal_code_says_what_it_should_look_like(country, typed, message):
    with pytest.raises(ValidationError) as error:
        postal_code_clean(country, typed)
    assert message in error.value.messages[0]


def test_us_states_are_two_letter_codes():
    assert state_clean("US", "florida") == "FL"
    assert state_clean("US", " fl ") == "FL"
    assert state_clean("US", "New York") == "NY"
    assert state_clean("NL", "Noord-Holland") == "Noord-Holland"
    with pytest.raises(ValidationError, match="not a US state"):
        state_clean("US", "Flarida")


@pytest.mark.django_db
def test_a_property_is_checked_by_its_country(world):
    with world.active():
        place = property_create(
            tenant=world.tenant,
            actor=None,
            address_line1="Prinsengracht 263",
            city="Amsterdam",
            postal_code="1016gv",
            country="NL",
        )
        assert Property.objects.get(pk=place.pk).postal_code == "1016 GV"
        with pytest.raises(ValidationError) as error:
            property_create(
                tenant=world.tenant,
                actor=None,
                address_line1="1 Main St",
                city="Miami",
                state="FL",
                postal_code="331",
                country="US",
            )
        assert "postal_code" in error.value.message_dict


@pytest.mark.django_db
def test_the_lead_form_checks_the_postal_code_by_the_tenants_country(client, world):
    world.tenant.country = "NL"
    world.tenant.home_state = ""
    world.tenant.save()
    pipeline = pipeline_for(world.tenant)
    sign_in(client, world.rep)
    form = {
        "first_name": "Sanne",
        "last_name": "de Vries",
        "phone": "06 12345678",
        "address_line1": "Oudegracht 158",
        "city": "Utrecht",
        "postal_code": "35",
        "pipeline": pipeline.pk,
        "lead_type": "residential",
        "owner": world.rep.pk,
    }
    response = client.post(reverse("leads:create"), form)
    assert response.status_code == 200
    assert "is not a valid postcode: write it like 1016 GV" in response.content.decode()
    response = client.post(reverse("leads:create"), {**form, "postal_code": "3511az"})
    assert response.status_code == 302, response.context["form"].errors
    with world.active():
        assert Lead.objects.get().property.postal_code == "3511 AZ"


def test_the_portal_address_form_checks_by_the_property_or_tenant_country():
    from portal.forms.onboarding import AddressForm

    fields = {"address_line1": "Oudegracht 158", "city": "Utrecht", "postal_code": "3511az"}
    first = AddressForm(fields, country="NL")
    assert first.is_valid(), first.errors
    assert first.cleaned_data["postal_code"] == "3511 AZ"
    assert first.cleaned_data["country"] == "NL"  # a first property is in the tenant's country
    wrong = AddressForm({**fields, "postal_code": "35"}, country="NL")
    assert not wrong.is_valid()
    assert "write it like 1016 GV" in wrong.errors["postal_code"][0]
    place = Property(country="US", address_line1="1 Main St", city="Miami", postal_code="33145")
    kept = AddressForm({**fields, "postal_code": "33145-1234", "state": "fl"}, place=place)
    assert kept.is_valid(), kept.errors
    assert (kept.cleaned_data["postal_code"], kept.cleaned_data["state"]) == ("33145-1234", "FL")
