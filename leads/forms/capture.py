"""Forms of lead capture: a lead form's settings, the public web form, and the CSV upload."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from crm.addresses import CountryAddressMixin, postal_code_label
from crm.kit.csv_files import MAX_UPLOAD_BYTES
from crm.kit.forms import (
    MemberChoiceField,
    TenantFormMixin,
    language_choices,
    team_language_name,
)
from crm.models import Brand, Membership
from crm.phones import read_in_region
from leads import capture_links
from leads.capture_links import TokenCheck
from leads.models import LeadCaptureForm, LeadSource, Pipeline
from leads.selectors import configuration as configuration_selectors
from leads.services import capture


def _current_or_live(queryset, current_id: int | None):
    """Choices in use, plus the one already chosen even if it was archived since."""
    return queryset.filter(Q(is_archived=False) | Q(pk=current_id))


class CaptureFormSettingsForm(TenantFormMixin, forms.ModelForm):
    # Declared so the default (tenant-scoped) managers are not read when the class is built.
    pipeline = forms.ModelChoiceField(
        label=_("Pipeline"),
        queryset=Pipeline.unscoped.none(),
        empty_label=None,
        help_text=_("New leads start in its first stage."),
    )
    source = forms.ModelChoiceField(
        label=_("Source"),
        queryset=LeadSource.unscoped.none(),
        required=False,
        empty_label=_("No source"),
        help_text=_("Where these leads come from, for cost and conversion reports."),
    )
    brand = forms.ModelChoiceField(
        label=_("Brand"),
        queryset=Brand.unscoped.none(),
        required=False,
        empty_label=_("The default brand"),
        help_text=_("The brand that answers these leads."),
    )

    class Meta:
        model = LeadCaptureForm
        fields = capture.CAPTURE_FORM_FIELDS
        labels = {
            "name": _("Name"),
            "ask_for_address": _("Ask for the address"),
            "is_active": _("Accept submissions"),
            "heading": _("Heading"),
            "thank_you_message": _("Thank you message"),
            "language": _("Language"),
        }
        help_texts = {
            "name": _("Only your team sees it, e.g. “Website – roof estimate”."),
            "heading": _("The title of the form on your website."),
            "thank_you_message": _("Shown after someone sends the form."),
            "is_active": _("Switch off to stop the form without removing it from your site."),
        }
        widgets = {"thank_you_message": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance
        self.fields["pipeline"].queryset = _current_or_live(
            Pipeline.objects.filter(tenant=self.tenant), current.pipeline_id
        ).order_by("position", "id")
        self.fields["source"].queryset = _current_or_live(
            LeadSource.objects.filter(tenant=self.tenant), current.source_id
        ).order_by("name")
        self.fields["brand"].queryset = _current_or_live(
            Brand.objects.filter(tenant=self.tenant), current.brand_id
        ).order_by("name")
        self.fields["language"].choices = language_choices(_("The brand's language"))
        self.fields["language"].help_text = _(
            "What a new contact who sends this form speaks; a brand without a language of its "
            "own speaks the team's (%(language)s)."
        ) % {"language": team_language_name(self.tenant)}


class WebLeadForm(CountryAddressMixin, TenantFormMixin, forms.Form):
    """What a visitor fills in on a tenant's website. Every field but the name is optional, as
    long as there is a way to reach them."""

    name = forms.CharField(
        label=_("Your name"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Email"), required=False, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    phone = PhoneNumberField(label=_("Phone"), required=False)
    address_line1 = forms.CharField(
        label=_("Street address"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    city = forms.CharField(
        label=_("City"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    state = forms.CharField(
        label=_("State"),
        max_length=64,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-level1"}),
    )
    postal_code = forms.CharField(
        label=_("ZIP code"),
        max_length=16,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )
    message = forms.CharField(
        label=_("How can we help?"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    sms_consent = forms.BooleanField(label=_("Text me about my request"), required=False)
    # Its own box, never ticked for the person: the first one covers texts about this job only.
    marketing_consent = forms.BooleanField(label=_("Also text me news and offers"), required=False)
    # The honeypot: people never see it (CSS moves it off-screen, screen readers skip it), bots
    # fill in every field they find.
    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    form_token = forms.CharField(required=False, widget=forms.HiddenInput)

    ADDRESS_FIELDS = ("address_line1", "city", "state", "postal_code")
    TOKEN_PROBLEMS = {
        TokenCheck.TOO_FAST: _("That was quick! Please check your details, then press Send again."),
        TokenCheck.EXPIRED: _("This page was open for a long time. Please press Send again."),
        TokenCheck.INVALID: _("Something went wrong with this form. Please press Send again."),
    }

    def __init__(self, *args, capture_form: LeadCaptureForm, **kwargs):
        super().__init__(*args, **kwargs)
        self.capture_form = capture_form
        self.address_country = self.tenant.country
        self.fields["postal_code"].label = postal_code_label(self.tenant.country).capitalize()
        self.token_check: TokenCheck | None = None
        self.fields["phone"] = PhoneNumberField(
            label=_("Phone"),
            required=False,
            region=self.tenant.country,
            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        )
        read_in_region(self.fields["phone"], self.tenant.country, hint=False)
        if not capture_form.ask_for_address:
            for name in self.ADDRESS_FIELDS:
                del self.fields[name]

    @property
    def honeypot_filled(self) -> bool:
        return bool(self.data.get("website", "").strip())

    @property
    def address_fields(self):
        return [self[name] for name in self.ADDRESS_FIELDS if name in self.fields]

    @property
    def token_for_page(self) -> str:
        """The token to send back: the person's own while it is good (a too-quick one will be
        old enough by the time they press again), else a fresh one."""
        if self.token_check in (TokenCheck.OK, TokenCheck.TOO_FAST):
            return self.data["form_token"]
        return capture_links.capture_submission_token(self.capture_form)

    def clean_form_token(self) -> str:
        token = self.cleaned_data["form_token"]
        self.token_check = capture_links.capture_submission_token_check(self.capture_form, token)
        return token

    def clean(self):
        cleaned = super().clean()
        if self.token_check != TokenCheck.OK:
            self.add_error(None, self.TOKEN_PROBLEMS[self.token_check])
        reach_given = cleaned.get("email") or cleaned.get("phone")
        if not reach_given and not (self.has_error("email") or self.has_error("phone")):
            self.add_error(None, _("Give an email address or a phone number so we can reply."))
        wants_texts = cleaned.get("sms_consent") or cleaned.get("marketing_consent")
        if wants_texts and not cleaned.get("phone") and not self.has_error("phone"):
            self.add_error("phone", _("Give a mobile number so we can text you."))
        partial_address = not (cleaned.get("address_line1") and cleaned.get("city"))
        if partial_address and any(cleaned.get(name) for name in self.ADDRESS_FIELDS):
            self.add_error("city", _("Give the street and the city, or leave the address out."))
        return cleaned

    @property
    def address(self) -> dict | None:
        data = self.cleaned_data
        if not data.get("address_line1"):
            return None
        return {name: data[name] for name in self.ADDRESS_FIELDS}


class LeadImportForm(TenantFormMixin, forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("A header row naming the columns, one lead per row; at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv,text/plain"}),
    )
    pipeline = forms.ModelChoiceField(
        label=_("Pipeline"), queryset=Pipeline.unscoped.none(), empty_label=None
    )
    source = forms.ModelChoiceField(
        label=_("Source"),
        queryset=LeadSource.unscoped.none(),
        required=False,
        empty_label=_("None (or the file's Source column)"),
        help_text=_("For rows without a Source column of their own."),
    )
    owner = MemberChoiceField(
        label=_("Owner"),
        queryset=Membership.unscoped.none(),
        required=False,
        empty_label=_("Assign automatically"),
        help_text=_("Rows with an Owner email column go to that person."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pipeline"].queryset = configuration_selectors.pipelines_for_tenant(
            tenant=self.tenant
        )
        self.fields["source"].queryset = configuration_selectors.lead_sources_for_tenant(
            tenant=self.tenant
        )
        self.fields["owner"].queryset = configuration_selectors.assignable_members(
            tenant=self.tenant
        )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Checked before a byte is read: the size the browser sent is the size on disk.
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size / 1024 / 1024:.1f} MB; the limit is 5 MB. "
                "Split it into smaller files and import them one after the other."
            )
        return upload
