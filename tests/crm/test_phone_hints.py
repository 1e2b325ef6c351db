"""Phone numbers typed without a country code are read in the business's country, and the
forms' hints and errors give that country's example, never the US's (crm.phones.read_in_region)."""

import pytest
from django.utils import translation

from crm.forms import ContactForm, ContactPhoneRowForm
from leads.forms.leads import LeadCreateForm
from portal.forms.sign_in import SignInForm
from tickets.forms.settings import InboxAddressForm

pytestmark = pytest.mark.django_db


@pytest.fixture
def dutch(world):
    world.tenant.country, world.tenant.language = "NL", "nl"
    world.tenant.save(update_fields=["country", "language"])
    return world


def test_the_contact_forms_read_and_hint_in_the_businesss_country(dutch):
    with dutch.active(), translation.override("en"):
        form = ContactForm(
            {"first_name": "Sanne", "phone": "06 12345601", "preferred_channel": "sms"},
            tenant=dutch.tenant,
        )
        form.is_valid()
        assert str(form.cleaned_data["phone"]) == "+31612345601"
        hint = str(form.fields["phone"].help_text)
        assert "06 12345678" in hint and "+31 6 12345678" in hint
        assert form.fields["language"].initial == "nl"
        wrong = ContactPhoneRowForm({"number": "12"}, region="NL")
        assert not wrong.is_valid()
        assert "+31 6 12345678" in wrong.errors["number"][0]
        assert "305" not in wrong.errors["number"][0] + str(wrong.fields["number"].help_text)


def test_the_lead_form_hints_in_the_businesss_country(dutch):
    with dutch.active(), translation.override("en"):
        form = LeadCreateForm(tenant=dutch.tenant)
    assert "+31 6 12345678" in str(form.fields["phone"].help_text)
    assert "305" not in str(form.fields["phone"].help_text)


def test_the_portal_sign_in_hint_names_no_country():
    assert "US" not in str(SignInForm().fields["address"].help_text)


def test_an_inbox_number_is_hinted_and_refused_with_the_businesss_example(dutch):
    with dutch.active(), translation.override("en"):
        form = InboxAddressForm({"channel": "sms", "address": "12"}, tenant=dutch.tenant)
        assert "+31 6 12345678" in str(form.fields["address"].help_text)
        form.is_valid()
    assert "+31 6 12345678" in str(form.errors)
    assert "305" not in str(form.errors) + str(form.fields["address"].help_text)
