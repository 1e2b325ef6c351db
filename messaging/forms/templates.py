"""Forms of the message template pages. Choice lists are the tenant's own; what a template may
say is checked by the service, which holds the sandbox's rules."""

from django import forms
from django.db.models import Q
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm.kit.forms import TenantFormMixin
from crm.kit.languages import translated_choices
from crm.models import Brand, Language
from crm.selectors.brands import brands_for_tenant
from messaging.models import MessageChannel, MessageTemplate, TemplateVariant
from messaging.preview import NO_LEAD

TEXTAREA_CLASS = "template-source"


def _unix_newlines(value: str) -> str:
    # Browsers send a textarea's line breaks as CRLF; an SMS would pay two characters for each.
    return value.replace("\r\n", "\n").replace("\r", "\n")


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["name", "key", "description", "purpose"]
        labels = {
            "name": _("Name"),
            "key": _("Key"),
            "purpose": _("Purpose"),
            "description": _("What it is for"),
        }
        help_texts = {
            "key": _(
                "A stable handle for the template, e.g. quote-sent; empty: made from the "
                "name. It cannot change later."
            ),
            "purpose": _(
                "Marketing messages go only to contacts who opted in, count toward the "
                "weekly caps and must carry an unsubscribe link."
            ),
        }
        widgets = {"purpose": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["key"].disabled = True
            self.fields["key"].help_text = _("The template's stable handle; it cannot change.")
        else:
            self.fields["key"].required = False

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("key") and "key" not in self.errors:
            cleaned["key"] = slugify(cleaned.get("name", ""))[:60].strip("-")
        return cleaned


class BrandChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, brand: Brand) -> str:
        if brand.is_archived:
            return gettext("%(name)s (archived)") % {"name": brand.name}
        return brand.name


class TemplateVariantForm(TenantFormMixin, forms.ModelForm):
    # Declared with an empty queryset: the tenant's own brands are set per form, in __init__.
    brand = BrandChoiceField(
        label=_("Brand"),
        queryset=Brand.unscoped.none(),
        required=False,
        empty_label=_("Every brand"),
        help_text=_("A brand with its own wording gets that one instead."),
    )

    class Meta:
        model = TemplateVariant
        fields = [
            "channel",
            "language",
            "brand",
            "subject",
            "body_text",
            "body_html",
            "whatsapp_approved",
            "whatsapp_content_sid",
        ]
        labels = {
            "body_text": _("Message"),
            "body_html": _("HTML (optional)"),
            "whatsapp_approved": _("Approved by WhatsApp"),
            "whatsapp_content_sid": _("Content SID"),
            "channel": _("Channel"),
            "language": _("Language"),
            "subject": _("Subject"),
        }
        help_texts = {
            "body_text": _("What the customer reads; for email, the plain-text part."),
            "body_html": _("Empty: the email's HTML is made from the text."),
            "whatsapp_approved": _(
                "Approved by WhatsApp as a template: may open a conversation outside the 24-hour session window."
            ),
            "whatsapp_content_sid": _("Twilio Content SID of the approved template."),
        }
        widgets = {
            "subject": forms.TextInput(attrs={"class": TEXTAREA_CLASS, "autocomplete": "off"}),
            "body_text": forms.Textarea(attrs={"class": TEXTAREA_CLASS, "rows": 10}),
            "body_html": forms.Textarea(attrs={"class": TEXTAREA_CLASS, "rows": 10}),
            "whatsapp_content_sid": forms.TextInput(
                attrs={"placeholder": _("HX…"), "autocomplete": "off", "spellcheck": "false"}
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # An archived brand stays on offer for the variant already written for it.
        self.fields["brand"].queryset = brands_for_tenant(tenant=self.tenant).filter(
            Q(is_archived=False) | Q(pk=self.instance.brand_id)
        )
        self.fields["body_text"].required = False  # the service says what is missing, per channel
        self.fields["channel"].choices = translated_choices(MessageChannel)
        self.fields["language"].choices = translated_choices(Language)

    def clean_body_text(self) -> str:
        return _unix_newlines(self.cleaned_data["body_text"])

    def clean_body_html(self) -> str:
        return _unix_newlines(self.cleaned_data["body_html"])


class PreviewForm(forms.Form):
    """Who the preview is for: sample data, or a contact of this team and one of their leads."""

    contact_search = forms.CharField(label=_("Contact search"), required=False, max_length=100)
    preview_contact = forms.IntegerField(label=_("Preview contact"), required=False, min_value=1)
    preview_lead = forms.CharField(label=_("Preview lead"), required=False, max_length=20)

    NO_LEAD = NO_LEAD

    def chosen_lead_id(self) -> int | str | None:
        """A lead id, NO_LEAD, or None when the admin has not picked (then: their newest)."""
        value = self.cleaned_data.get("preview_lead") or ""
        if value == self.NO_LEAD:
            return self.NO_LEAD
        return int(value) if value.isdigit() else None
