from typing import TYPE_CHECKING, TypeVar

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from crm.brand_logos import logo_read, logo_size_check
from crm.kit.forms import TenantFormMixin, language_choices, team_language_name
from crm.kit.languages import translated_choices
from crm.models import (
    WEEKDAYS,
    Brand,
    Channel,
    Expertise,
    Language,
    Membership,
    PhoneKind,
    Role,
    Tenant,
    TimeOff,
)
from crm.phones import read_in_region
from crm.selectors.members import member_language

if TYPE_CHECKING:
    from django.forms import BaseForm as FormMixinBase
else:
    FormMixinBase = object  # mixed into forms: typed as one

# Django's own abbreviations (Mon, ma, lun), translated in the reader's language.
DAY_LABELS = dict(zip(WEEKDAYS, (WEEKDAYS_ABBR[index] for index in range(7)), strict=True))


_F = TypeVar("_F", bound=forms.Field)


def _field(form: forms.BaseForm, name: str, kind: type[_F]) -> _F:
    """The form's field `name`, of the kind whose choices (or queryset) the form sets."""
    field = form.fields[name]
    if not isinstance(field, kind):
        raise TypeError(f"{name} is not a {kind.__name__}")
    return field


class EmailLoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Email"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    def clean_username(self) -> str:
        # Emails are stored lowercased (UserManager), and the natural-key lookup is exact.
        return self.cleaned_data["username"].lower()


class WeeklyHoursMixin(FormMixinBase):
    """Adds a start and end time per weekday and folds them into {"mon": [["08:00","17:00"]], …}.

    A day with both times empty is closed. The form's `hours_field` names the model field.
    """

    hours_field = "business_hours"

    def add_hours_fields(self, initial: dict) -> None:
        for day in WEEKDAYS:
            ranges = initial.get(day) or []
            start, end = ranges[0] if ranges else ("", "")
            self.fields[f"{day}_start"] = forms.TimeField(
                required=False, initial=start, widget=forms.TimeInput(attrs={"type": "time"})
            )
            self.fields[f"{day}_end"] = forms.TimeField(
                required=False, initial=end, widget=forms.TimeInput(attrs={"type": "time"})
            )

    @property
    def hours_rows(self):
        return [(DAY_LABELS[day], self[f"{day}_start"], self[f"{day}_end"]) for day in WEEKDAYS]

    def clean_hours(self) -> dict:
        hours: dict[str, list[list[str]]] = {}
        for day in WEEKDAYS:
            start = self.cleaned_data.get(f"{day}_start")
            end = self.cleaned_data.get(f"{day}_end")
            if not start and not end:
                hours[day] = []
            elif not (start and end) or start >= end:
                self.add_error(f"{day}_end", _("Give an opening time before the closing time."))
            else:
                hours[day] = [[start.strftime("%H:%M"), end.strftime("%H:%M")]]
        return hours


class MemberPasswordResetForm(PasswordResetForm):
    """Django's reset email, in the language of the member it goes to, not the browser's."""

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        language = member_language(user=context["user"]) or translation.get_language()
        with translation.override(language):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)


class TenantProfileForm(WeeklyHoursMixin, forms.ModelForm):
    class Meta:
        model = Tenant
        fields = ["name", "time_zone", "language", "currency", "country", "home_state"]
        help_texts = {
            "language": _(
                "Staff pages, the portal, public pages and system messages speak it unless the reader chose another."
            ),
            "country": _(
                "ISO 3166 country code; phone numbers without a + are read as this country's."
            ),
            "home_state": _("Where the business is based, e.g. FL."),
        }
        labels = {
            "name": _("Name"),
            "time_zone": _("Time zone"),
            "language": _("Language"),
            "currency": _("Currency"),
            "country": _("Country"),
            "home_state": _("Home state"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_hours_fields(self.instance.business_hours)

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data  # what Django's clean() returns
        cleaned["business_hours"] = self.clean_hours()
        return cleaned


class BrandForm(TenantFormMixin, forms.ModelForm):
    # An address typed without a scheme ("sunrise.test") is read as https.
    website = forms.URLField(
        label=_("Website"), required=False, max_length=200, assume_scheme="https"
    )

    class Meta:
        model = Brand
        fields = [
            "name",
            "slug",
            "sender_name",
            "sender_email",
            "reply_to_email",
            "sms_number",
            "phone",
            "website",
            "language",
            "is_default",
            "is_archived",
        ]
        help_texts = {
            "language": _(
                "What a new contact who writes to this brand speaks: an email or text to its "
                "inboxes, its lead forms, the API's intake."
            ),
            "sender_name": _("Shown as the sender of emails."),
            "sms_number": _("E.164, e.g. +13055550100."),
            "phone": _("The number customers call, if not the texting number."),
        }
        labels = {
            "name": _("Name"),
            "slug": _("Slug"),
            "sender_name": _("Sender name"),
            "sender_email": _("Sender email"),
            "reply_to_email": _("Reply-to email"),
            "sms_number": _("SMS number"),
            "phone": _("Phone"),
            "language": _("Language"),
            "is_default": _("Default brand"),
            "is_archived": _("Archived"),
        }

    logo_file = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_(
            "PNG, JPEG, WebP or GIF, at most 200 KB. Shown on the customer portal and quote pages."
        ),
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp,image/gif"}),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _field(self, "language", forms.ChoiceField).choices = language_choices(
            _("The team's language (%(language)s)") % {"language": team_language_name(self.tenant)}
        )

    def clean_logo_file(self) -> bytes | None:
        """The upload's bytes, checked to be a small image (crm.brand_logos)."""
        upload = self.cleaned_data.get("logo_file")
        if not upload:
            return None
        logo_size_check(upload.size)  # before reading a large upload into memory
        data = upload.read()
        logo_read(data)
        return data

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        taken = Brand.objects.filter(tenant=self.tenant, slug=slug).exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(_("Another brand already uses this short name."))
        return slug

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data  # what Django's clean() returns
        if cleaned.get("is_default") and cleaned.get("is_archived"):
            self.add_error(
                "is_archived",
                _("The default brand cannot be archived: make another brand the default first."),
            )
        return cleaned


class MemberInviteForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    email = forms.EmailField(
        label=_("Email"),
    )
    role = forms.ChoiceField(label=_("Role"), choices=translated_choices(Role), initial=Role.REP)


class MembershipForm(WeeklyHoursMixin, forms.ModelForm):
    hours_field = "weekly_availability"
    territories = forms.CharField(
        label=_("Territories"),
        required=False,
        help_text=_("Comma-separated: states, cities or ZIP prefixes (e.g. FL, Tampa, 331)."),
        widget=forms.TextInput(attrs={"placeholder": "Miami, Fort Lauderdale, 331"}),
    )

    class Meta:
        model = Membership
        fields = ["role", "is_active", "title", "expertise", "capacity"]
        help_texts = {
            "title": _("e.g. Senior estimator"),
            "capacity": _("Most open leads at once; empty means no limit."),
        }
        labels = {
            "role": _("Role"),
            "is_active": _("Active"),
            "title": _("Title"),
            "expertise": _("Expertise"),
            "capacity": _("Capacity"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _field(self, "expertise", forms.ChoiceField).choices = Expertise.choices
        _field(self, "role", forms.ChoiceField).choices = translated_choices(Role)
        self.initial["territories"] = ", ".join(self.instance.territories)
        self.add_hours_fields(self.instance.weekly_availability)

    def clean_territories(self) -> list[str]:
        raw = self.cleaned_data.get("territories", "")
        return list(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data  # what Django's clean() returns
        cleaned["weekly_availability"] = self.clean_hours()
        return cleaned


class TimeOffForm(forms.ModelForm):
    class Meta:
        model = TimeOff
        fields = ["starts_on", "ends_on", "note"]
        labels = {
            "note": _("Note"),
            "starts_on": _("First day off"),
            "ends_on": _("Last day off"),
        }
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
            "note": forms.TextInput(attrs={"placeholder": "Vacation, training …"}),
        }

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data  # what Django's clean() returns
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", "The last day off cannot be before the first.")
        return cleaned


class ContactForm(TenantFormMixin, forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    company_name = forms.CharField(label=_("Company name"), max_length=200, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = PhoneNumberField(label=_("Phone"), required=False)
    preferred_channel = forms.ChoiceField(
        label=_("Preferred channel"), choices=translated_choices(Channel), initial=Channel.EMAIL
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=translated_choices(Language), initial=Language.ENGLISH
    )
    brand = forms.ModelChoiceField(label=_("Brand"), queryset=Brand.unscoped.none(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        read_in_region(self.fields["phone"], self.tenant.country)
        self.fields["language"].initial = self.tenant.language
        _field(self, "brand", forms.ModelChoiceField).queryset = Brand.objects.filter(
            tenant=self.tenant, is_archived=False
        )

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data  # what Django's clean() returns
        if not any(cleaned.get(f) for f in ("first_name", "last_name", "company_name")):
            raise ValidationError(_("Give a name or a company name."))
        if not cleaned.get("email") and not cleaned.get("phone"):
            raise ValidationError(
                _("Give an email address or a phone number so we can reach them.")
            )
        return cleaned


class ContactEditForm(forms.Form):
    """A contact's name and preferences; its emails and phones are the two formsets below, and
    which of them is primary is `primary_email` / `primary_phone` (the row's prefix)."""

    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    company_name = forms.CharField(label=_("Company"), max_length=200, required=False)
    preferred_channel = forms.ChoiceField(label=_("Prefers"), choices=translated_choices(Channel))
    language = forms.ChoiceField(label=_("Language"), choices=translated_choices(Language))
    primary_email = forms.CharField(required=False, widget=forms.HiddenInput)
    primary_phone = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data  # what Django's clean() returns
        if not any(cleaned.get(f) for f in ("first_name", "last_name", "company_name")):
            raise ValidationError(_("Give a name or a company name."))
        return cleaned


class ContactEmailRowForm(forms.Form):
    address_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    email = forms.EmailField(label=_("Email"), required=False)


class ContactPhoneRowForm(forms.Form):
    address_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    number = PhoneNumberField(label=_("Phone"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=PhoneKind.choices, initial=PhoneKind.MOBILE)

    def __init__(self, *args, region: str = "US", **kwargs):
        super().__init__(*args, **kwargs)
        # Numbers typed without a + are read in the tenant's country and stored in E.164.
        read_in_region(self.fields["number"], region)


ContactEmailFormSet = forms.formset_factory(ContactEmailRowForm, extra=1, can_delete=True)
ContactPhoneFormSet = forms.formset_factory(ContactPhoneRowForm, extra=1, can_delete=True)


class AuditFilterForm(forms.Form):
    """The audit trail's filters: who, what, when, and words to look for."""

    who = forms.ChoiceField(label=_("Who"), required=False)
    what = forms.ChoiceField(label=_("What"), required=False)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=100)

    def __init__(self, *args, actors: list[tuple[str, str]], kinds: list[tuple[str, str]], **kw):
        super().__init__(*args, **kw)
        _field(self, "who", forms.ChoiceField).choices = [("", _("Anyone")), *actors]
        _field(self, "what", forms.ChoiceField).choices = [("", _("Anything")), *kinds]


class ClosedDayForm(forms.Form):
    """A day the business is closed besides the public holidays (Settings → Business calendar)."""

    date = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    name = forms.CharField(
        label=_("What it is"),
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("Company picnic, inventory day …")}),
    )
