"""What a customer uploads on the portal's Documents page. An upload goes through
documents.services.document_upload like a staff one: checked by its content, stored privately, on
the job's timeline and the job owner's bell."""

from django.core.files.uploadedfile import UploadedFile

from documents.models import Document
from documents.services.documents import document_upload
from leads.models import Lead
from portal.auth import PortalCustomer


def portal_document_upload(
    *, customer: PortalCustomer, job: Lead | None, kind: str, file: UploadedFile
) -> Document:
    """Store the customer's file for `job` (one of theirs, or None). A refusal of the file (its
    size, its content, its name) raises ValidationError with the reason, and nothing is stored."""
    # A job's documents belong to its contact; the customer may be another contact on the
    # job's property (a property manager), and is recorded as the uploader either way.
    uploader = next(
        (contact for contact in customer.contacts if job and contact.pk == job.contact_id),
        customer.contacts[0],
    )
    return document_upload(
        tenant=customer.tenant,
        file=file,
        contact=job.contact if job is not None else uploader,
        lead=job,
        kind=kind,
        visible_to_customer=True,
        uploaded_by_contact=uploader,
    )
