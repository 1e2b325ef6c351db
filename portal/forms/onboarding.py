"""The forms of the "Getting started" checklist (portal/selectors/onboarding.py) and the staff
request."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from crm.addresses import CountryAddressMixin
from crm.kit.languages import translated_choices
from crm.models import Channel, Property
from crm.phones import read_in_region
from documents.models import DocumentKind
from leads.models import Lead
from portal.selectors.onboarding import REQUESTABLE_KINDS, OnboardingFacts

NEEDS_A_PHONE = (Channel.SMS, Channel.WHATSAPP, Channel.PHONE)


class DetailsForm(forms.Form):
    prefix = "details"
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = PhoneNumberField(label=_("Mobile number"), required=False)
    preferred_channel = forms.ChoiceField(
        label=_("How should we reach you first?"), choices=translated_choices(Channel)
    )

    def __init__(self, *args, facts: OnboardingFacts, region: str, **kwargs):
        contact = facts.contact
        kwargs.setdefault(
            "initial",
            {
                "first_name": contact.first_name,
                "last_name": contact.last_name,
                "email": facts.email.email if facts.email else "",
                "phone": facts.mobile.number if facts.mobile else "",
                "preferred_channel": contact.preferred_channel,
            },
        )
        super().__init__(*args, **kwargs)
        self.company_name = contact.company_name
        read_in_region(self.fields["phone"], region)
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["phone"].widget.attrs.update({"autocomplete": "tel", "inputmode": "tel"})

    def clean(self):
        data = super().clean()
        if not (data.get("first_name") or data.get("last_name") or self.company_name):
            self.add_error("first_name", _("Give your name, so the team knows whom they talk to."))
        if not data.get("email") and not data.get("phone") and "phone" not in self.errors:
            self.add_error("email", _("Give an email address or a mobile number."))
        channel = data.get("preferred_channel")
        if channel == Channel.EMAIL and not data.get("email") and "email" not in self.errors:
            self.add_error("preferred_channel", _("To be reached by email, give an email address."))
        if channel in NEEDS_A_PHONE and not data.get("phone") and "phone" not in self.errors:
            self.add_error(
                "preferred_channel",
                _("To be reached by %(channel)s, give a mobile number.")
                % {"channel": gettext(Channel(channel).label)},
            )
        return data


class CodeEntryForm(forms.Form):
    prefix = "verify"
    code = forms.CharField(
        label=_("Code we sent you"),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not (code.isdigit() and len(code) == 6):
            raise ValidationError(_("The code has 6 digits."))
        return code


class AddressForm(CountryAddressMixin, forms.Form):
    address_line1 = forms.CharField(label=_("Street and number"), max_length=200)
    address_line2 = forms.CharField(
        label=_("Apartment, suite (optional)"), max_length=200, required=False
    )
    city = forms.CharField(label=_("City"), max_length=100)
    state = forms.CharField(label=_("State"), max_length=64, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=16)

    def __init__(self, *args, place: Property | None = None, country: str = "US", **kwargs):
        if place is not None:
            kwargs.setdefault(
                "initial",
                {name: getattr(place, name) for name in self.base_fields},
            )
        super().__init__(*args, **kwargs)
        self.place = place
        # A property's own country, or the business's for a first one (crm.addresses).
        self.address_country = place.country if place is not None else country
        self.fields["address_line1"].widget.attrs["autocomplete"] = "address-line1"
        self.fields["address_line2"].widget.attrs["autocomplete"] = "address-line2"
        self.fields["city"].widget.attrs["autocomplete"] = "address-level2"
        self.fields["state"].widget.attrs["autocomplete"] = "address-level1"
        self.fields["postal_code"].widget.attrs["autocomplete"] = "postal-code"

    def clean(self):
        data = super().clean()
        data = {name: (value or "").strip() for name, value in data.items()}
        if self.place is None:
            data["country"] = self.address_country
        return data


def address_forms(facts: OnboardingFacts, data=None) -> list[AddressForm]:
    """One form per property of theirs; one for a first property when they have none."""
    if not facts.properties:
        return [AddressForm(data, prefix="new", country=facts.contact.tenant.country)]
    return [AddressForm(data, prefix=f"p{place.pk}", place=place) for place in facts.properties]


class InsuranceForm(forms.Form):
    is_claim = forms.TypedChoiceField(
        label=_("Is this job an insurance claim?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    carrier = forms.CharField(label=_("Insurance carrier"), max_length=120, required=False)
    claim_number = forms.CharField(label=_("Claim number"), max_length=60, required=False)

    def __init__(self, *args, job: Lead, answer=None, **kwargs):
        if answer is not None:
            kwargs.setdefault(
                "initial",
                {
                    "is_claim": "yes" if answer.is_claim else "no",
                    "carrier": answer.carrier,
                    "claim_number": answer.claim_number,
                },
            )
        super().__init__(*args, prefix=f"j{job.pk}", **kwargs)
        self.job = job

    def clean(self):
        data = super().clean()
        if data.get("is_claim"):
            if not data.get("carrier", "").strip():
                self.add_error("carrier", _("Give the name of your insurance company."))
            if not data.get("claim_number", "").strip():
                self.add_error(
                    "claim_number", _("Give the claim number from your insurer's letter or email.")
                )
        return data


def insurance_forms(facts: OnboardingFacts, data=None) -> list[InsuranceForm]:
    return [
        InsuranceForm(data, job=job, answer=facts.insurance.get(job.pk)) for job in facts.open_jobs
    ]


class DocumentRequestForm(forms.Form):
    """Staff, on the contact page: ask the customer for a kind of document."""

    prefix = "portal-request"

    kind = forms.ChoiceField(
        label=_("Ask the customer for"),
        choices=[(kind.value, DocumentKind(kind).label) for kind in REQUESTABLE_KINDS],
    )
    note = forms.CharField(
        label=_("Note for the customer (optional)"),
        max_length=200,
        required=False,
        help_text=_("e.g. the insurer's claim acknowledgement letter"),
    )
