"""The portal's upload form: which job a file is for, and what it is."""

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from documents.forms import upload_file_field
from documents.models import DocumentKind
from documents.validation import ACCEPTED_SUMMARY, max_upload_bytes
from leads.models import Lead
from portal.auth import PortalCustomer
from portal.selectors.jobs import portal_jobs

# What a customer may call their upload; quotes, invoices and warranties come from the team.
CUSTOMER_KINDS = (
    DocumentKind.PHOTO,
    DocumentKind.INSURANCE,
    DocumentKind.SIGNED_FORM,
    DocumentKind.OTHER,
)
CUSTOMER_KIND_CHOICES = [(kind.value, _(kind.label)) for kind in CUSTOMER_KINDS]


class PortalUploadForm(forms.Form):
    job = forms.ModelChoiceField(
        label=_("Which job is it for?"),
        queryset=Lead.unscoped.none(),
        required=False,
        empty_label=_("None in particular"),
    )
    kind = forms.ChoiceField(label=_("What is it?"), choices=CUSTOMER_KIND_CHOICES)
    file = upload_file_field()

    def __init__(self, *args, customer: PortalCustomer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["job"].queryset = portal_jobs(customer).order_by("-created_at", "-id")
        self.fields["job"].label_from_instance = lambda lead: (
            f"{lead.title} ({lead.reference})"
            if lead.title
            else _("Job %(reference)s") % {"reference": lead.reference}
        )
        limit = filesizeformat(max_upload_bytes())
        self.fields["file"].help_text = gettext("%(accepted)s, up to %(limit)s.") % {
            "accepted": ACCEPTED_SUMMARY,
            "limit": limit,
        }


def upload_form(customer: PortalCustomer, data=None, files=None, *, job=None, kind=None):
    initial = {}
    if job is not None:
        initial["job"] = job.pk
    if kind in dict(CUSTOMER_KIND_CHOICES):
        initial["kind"] = kind
    return PortalUploadForm(data, files, customer=customer, initial=initial)
