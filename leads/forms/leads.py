"""Forms of the lead list, its row actions and the lead pages. Choices are the tenant's own."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from phonenumber_field.formfields import PhoneNumberField

from crm.addresses import CountryAddressMixin, postal_code_label
from crm.kit.forms import MemberChoiceField, TenantFormMixin
from crm.models import Brand, Contact, Membership, Property, PropertyType, Tenant
from crm.phones import read_in_region
from leads.models import CallOutcome, Lead, LeadSource, LeadType, LostReason, Pipeline, Stage
from leads.selectors import configuration as configuration_selectors
from leads.services.leads import EDITABLE_LEAD_FIELDS

AUTO_ASSIGN = ""


def _stages(tenant: Tenant):
    """The stages a lead may be moved to by hand (lost ones ask for a reason instead)."""
    return Stage.objects.filter(
        tenant=tenant, is_archived=False, pipeline__is_archived=False, is_lost=False
    )


class LeadCreateForm(CountryAddressMixin, TenantFormMixin, forms.Form):
    """A new lead for an existing contact (chosen on their page) or for someone new."""

    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=100, required=False)
    company_name = forms.CharField(
        label=gettext_lazy("Company name"), max_length=200, required=False
    )
    email = forms.EmailField(label=gettext_lazy("Email"), required=False)
    phone = PhoneNumberField(label=gettext_lazy("Phone"), required=False)

    existing_property = forms.ModelChoiceField(
        queryset=Property.unscoped.none(),
        required=False,
        label=gettext_lazy("Property"),
        empty_label=gettext_lazy("A new address"),
    )
    address_line1 = forms.CharField(
        max_length=200, required=False, label=gettext_lazy("Street address")
    )
    city = forms.CharField(label=gettext_lazy("City"), max_length=100, required=False)
    state = forms.CharField(label=gettext_lazy("State"), max_length=64, required=False)
    postal_code = forms.CharField(
        max_length=16, required=False, label=gettext_lazy("ZIP / postal code")
    )

    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("e.g. Roof replacement"),
    )
    pipeline = forms.ModelChoiceField(
        label=gettext_lazy("Pipeline"), queryset=Pipeline.unscoped.none(), empty_label=None
    )
    lead_type = forms.ChoiceField(choices=LeadType.choices, label=gettext_lazy("Type"))
    source = forms.ModelChoiceField(
        label=gettext_lazy("Source"),
        queryset=LeadSource.unscoped.none(),
        required=False,
        empty_label=gettext_lazy("Not known"),
    )
    cost = forms.DecimalField(
        label=gettext_lazy("Cost"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
        required=False,
        help_text=gettext_lazy("What this lead cost; empty: the source's usual cost."),
    )
    estimated_value = forms.DecimalField(
        label=gettext_lazy("Estimated value"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
        required=False,
    )
    brand = forms.ModelChoiceField(
        label=gettext_lazy("Brand"),
        queryset=Brand.unscoped.none(),
        required=False,
        empty_label=gettext_lazy("The contact's brand"),
    )
    owner = MemberChoiceField(
        label=gettext_lazy("Owner"),
        queryset=Membership.unscoped.none(),
        required=False,
        empty_label=gettext_lazy("Assign automatically"),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, contact: Contact | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.contact = contact
        read_in_region(self.fields["phone"], self.tenant.country)
        self.address_country = self.tenant.country
        self.fields["postal_code"].label = postal_code_label(self.tenant.country).capitalize()
        self.fields["pipeline"].queryset = configuration_selectors.pipelines_for_tenant(
            tenant=self.tenant
        )
        self.fields["source"].queryset = configuration_selectors.lead_sources_for_tenant(
            tenant=self.tenant
        )
        self.fields["brand"].queryset = Brand.objects.filter(tenant=self.tenant, is_archived=False)
        self.fields["owner"].queryset = configuration_selectors.assignable_members(
            tenant=self.tenant
        )
        self.fields["state"].initial = self.tenant.home_state
        if contact is not None:
            for name in ("first_name", "last_name", "company_name", "email", "phone"):
                del self.fields[name]
            places = Property.objects.filter(tenant=self.tenant, links__contact=contact)
            self.fields["existing_property"].queryset = places
            # Most new jobs are at a place the customer already has on file.
            self.fields["existing_property"].initial = places.order_by("-created_at").first()
        else:
            del self.fields["existing_property"]

    def clean(self):
        cleaned = super().clean()
        if self.contact is None:
            if not any(cleaned.get(f) for f in ("first_name", "last_name", "company_name")):
                raise ValidationError(_("Give the customer's name or company name."))
            if not cleaned.get("email") and not cleaned.get("phone"):
                raise ValidationError(_("Give an email address or a phone number to reach them."))
        street, city = cleaned.get("address_line1"), cleaned.get("city")
        if cleaned.get("existing_property") is None and bool(street) != bool(city):
            raise ValidationError(_("An address needs at least the street and the city."))
        return cleaned

    @property
    def new_address(self) -> dict | None:
        data = self.cleaned_data
        if data.get("existing_property") or not data.get("address_line1"):
            return None
        return {
            "address_line1": data["address_line1"],
            "city": data["city"],
            "state": data["state"],
            "postal_code": data["postal_code"],
            "country": self.tenant.country,
            "property_type": (
                PropertyType.COMMERCIAL
                if data["lead_type"] == LeadType.COMMERCIAL
                else PropertyType.RESIDENTIAL
            ),
        }


class LeadEditForm(TenantFormMixin, forms.ModelForm):
    # Declared so the default (tenant-scoped) managers are not read when the class is built.
    property = forms.ModelChoiceField(
        label=gettext_lazy("Property"), queryset=Property.unscoped.none(), required=False
    )
    brand = forms.ModelChoiceField(
        label=gettext_lazy("Brand"),
        queryset=Brand.unscoped.none(),
        required=False,
        empty_label=gettext_lazy("No brand"),
    )
    source = forms.ModelChoiceField(
        label=gettext_lazy("Source"),
        queryset=LeadSource.unscoped.none(),
        required=False,
        empty_label=gettext_lazy("Not known"),
    )

    class Meta:
        model = Lead
        fields = list(EDITABLE_LEAD_FIELDS)
        help_texts = {
            "title": gettext_lazy("e.g. Roof replacement"),
            "cost": gettext_lazy("What the business paid for this lead."),
            "appointment_at": gettext_lazy("The next visit or meeting booked with the customer."),
        }
        labels = {
            "title": gettext_lazy("Title"),
            "lead_type": gettext_lazy("Lead type"),
            "estimated_value": gettext_lazy("Estimated value"),
            "cost": gettext_lazy("Cost"),
            "appointment_at": gettext_lazy("Appointment"),
        }
        widgets = {
            # The browser's own picker; read in the tenant's time zone (the request's).
            "appointment_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["appointment_at"].help_text = _(
            "The next visit booked with the customer, in %(zone)s time; they see it "
            "in the portal and appointment reminders count from it."
        ) % {"zone": self.tenant.time_zone}
        self.fields["property"].queryset = Property.objects.filter(
            tenant=self.tenant, links__contact_id=self.instance.contact_id
        )
        self.fields["brand"].queryset = Brand.objects.filter(tenant=self.tenant, is_archived=False)
        self.fields["source"].queryset = configuration_selectors.lead_sources_for_tenant(
            tenant=self.tenant
        )


class StagePickForm(TenantFormMixin, forms.Form):
    stage = forms.ModelChoiceField(
        label=gettext_lazy("Stage"), queryset=Stage.unscoped.none(), empty_label=None
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].queryset = _stages(self.tenant)


class AssignForm(TenantFormMixin, forms.Form):
    owner = MemberChoiceField(
        label=gettext_lazy("Owner"),
        queryset=Membership.unscoped.none(),
        required=False,
        empty_label=gettext_lazy("Nobody"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = configuration_selectors.assignable_members(
            tenant=self.tenant
        )


class BulkAssignForm(AssignForm):
    leads = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Leads"), queryset=Lead.unscoped.none()
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leads"].queryset = Lead.objects.filter(tenant=self.tenant)
        self.fields["leads"].error_messages["required"] = _("Tick the leads to reassign first.")


class NoteForm(TenantFormMixin, forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Note"), max_length=10000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CallForm(TenantFormMixin, forms.Form):
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"), choices=CallOutcome.choices)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=500, required=False)
    inbound = forms.BooleanField(required=False, label=gettext_lazy("They called us"))


class LostForm(TenantFormMixin, forms.Form):
    reason = forms.ChoiceField(label=gettext_lazy("Reason"), choices=LostReason.choices)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=500, required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reason") == LostReason.OTHER and not cleaned.get("note", "").strip():
            self.add_error("note", _("Say in a few words why."))
        return cleaned


class SavedFilterForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=80)
    query = forms.CharField(label=gettext_lazy("Query"), max_length=1000, required=False)
    is_shared = forms.BooleanField(required=False, label=gettext_lazy("Share with the team"))
