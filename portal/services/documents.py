"""What a customer uploads on the portal's Documents page. An upload goes through
documents.services.document_upload like a staff one: checked by its content, stored privately, on
the job's timeline and the job owner's bell."""

from django.core.exceptions import ValidationError

from documents.models import Document
from documents.services.documents import document_upload
from leads.models import Lead
from portal.auth import PortalCustomer
from portal.forms.documents import PortalUploadForm


def portal_document_upload(*, customer: PortalCustomer, form: PortalUploadForm) -> Document | None:
    """Store the upload of a valid form; a refusal of the file (its size, its content, its name)
    lands on the form's file field with the reason, and nothing is stored."""
    data = form.cleaned_data
    job: Lead | None = data["job"]
    # A job's documents belong to its contact; the customer may be another contact on the
    # job's property (a property manager), and is recorded as the uploader either way.
    uploader = next(
        (contact for contact in customer.contacts if job and contact.pk == job.contact_id),
        customer.contacts[0],
    )
    try:
        return document_upload(
            tenant=customer.tenant,
            file=data["file"],
            contact=job.contact if job is not None else uploader,
            lead=job,
            kind=data["kind"],
            visible_to_customer=True,
            uploaded_by_contact=uploader,
        )
    except ValidationError as refused:
        form.add_error("file", refused)
        return None
