from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.kit.forms import TenantFormMixin
from crm.kit.languages import translated_choices
from crm.models import Contact, Property
from documents.models import DocumentKind
from documents.validation import ACCEPTED_SUMMARY, max_upload_bytes
from leads.models import Lead

# What the file picker offers first; the content decides in the end.
ACCEPT = "image/jpeg,image/png,image/webp,image/heic,image/heif,.heic,.heif,application/pdf,.pdf"


def upload_file_field() -> forms.FileField:
    """The file input of every document upload form, staff's and the customer's."""
    return forms.FileField(
        label=gettext_lazy("File"),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        error_messages={
            "required": gettext_lazy("Choose a file to upload."),
            "empty": gettext_lazy("The file is empty: choose it again."),
        },
    )


class DocumentUploadForm(forms.Form):
    prefix = "document"  # the lead and contact pages hold other forms with fields of these names
    file = upload_file_field()
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=translated_choices(DocumentKind))
    visible_to_customer = forms.BooleanField(
        label=gettext_lazy("Show it to the customer in their portal"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = filesizeformat(max_upload_bytes())
        self.fields["file"].help_text = _("%(accepted)s; up to %(limit)s.") % {
            "accepted": ACCEPTED_SUMMARY,
            "limit": limit,
        }


class ContactDocumentUploadForm(TenantFormMixin, DocumentUploadForm):
    """On a contact's page the document may belong to one of their jobs or properties."""

    lead = forms.ModelChoiceField(
        label=gettext_lazy("Job"),
        queryset=Lead.unscoped.none(),
        required=False,
        empty_label=gettext_lazy("No job"),
    )
    property = forms.ModelChoiceField(
        label=gettext_lazy("Property"),
        queryset=Property.unscoped.none(),
        required=False,
        empty_label=gettext_lazy("The job's property, or none"),
    )

    def __init__(self, *args, contact: Contact, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = Lead.objects.filter(
            tenant=self.tenant, contact=contact
        ).order_by("-created_at", "-id")
        self.fields["lead"].label_from_instance = lambda lead: (
            f"{lead.reference} · {lead.title}" if lead.title else lead.reference
        )
        self.fields["property"].queryset = Property.objects.filter(
            tenant=self.tenant, links__contact=contact
        ).order_by("address_line1", "id")
        self.fields["property"].label_from_instance = lambda place: place.one_line_address
