"""A customer's files: photos, insurance papers, signed forms, quotes, invoices, warranties.

Every file is checked by its content before it is stored (documents/validation.py), lives in
private storage under a random name, and leaves only through a short-lived signed link
(documents/downloads.py). Deleting hides the row and removes the bytes; the row stays as the record
of what was there, who added it and who removed it.
"""

import builtins

from django.core.files.storage import storages
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.models import Contact, Membership, Property
from crm.tenancy.models import TenantOwnedModel


class DocumentKind(models.TextChoices):
    PHOTO = "photo", _("Photo")
    INSURANCE = "insurance", _("Insurance paper")
    SIGNED_FORM = "signed_form", _("Signed form")
    QUOTE = "quote", _("Quote")
    INVOICE = "invoice", _("Invoice")
    WARRANTY = "warranty", _("Warranty")
    COMPLETION_PHOTO = "completion_photo", _("Completion photo")
    OTHER = "other", _("Other")


# Short names for the content types documents/validation.py accepts.
FILE_TYPE_LABELS = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WebP",
    "image/heic": "HEIC",
    "image/heif": "HEIF",
    "application/pdf": "PDF",
}


def private_storage():
    return storages["private"]


def document_path(instance: "Document", filename: str) -> str:
    # Nothing the uploader chose reaches the path: the tenant, a random token and our extension.
    return f"documents/{instance.tenant_id}/{filename}"


class Document(TenantOwnedModel):
    token = models.CharField(max_length=32, editable=False, help_text="The stored file's name.")
    file = models.FileField(upload_to=document_path, storage=private_storage, max_length=300)
    original_name = models.CharField(
        max_length=200, help_text="Sanitised: no folders, no controls."
    )
    content_type = models.CharField(max_length=64, help_text="Detected from the bytes.")
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    kind = models.CharField(max_length=24, choices=DocumentKind.choices, default=DocumentKind.OTHER)

    # PROTECT: whatever erases a contact must deal with their files, not leave them orphaned.
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="documents")
    lead = models.ForeignKey(
        "leads.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="documents"
    )
    property = models.ForeignKey(
        Property, null=True, blank=True, on_delete=models.SET_NULL, related_name="documents"
    )
    visible_to_customer = models.BooleanField(default=False)

    uploaded_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_by_contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deleted_by_contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(uploaded_by__isnull=True) | Q(uploaded_by_contact__isnull=True),
                name="document_one_uploader",
            ),
        ]
        indexes = [
            # The lead page's panel, the contact page's panel and the portal (by contact, by
            # property, and what the customer uploaded), each newest first, deleted rows left out.
            models.Index(
                fields=["tenant", "lead", "-created_at", "-id"],
                condition=Q(deleted_at__isnull=True, lead__isnull=False),
                name="document_by_lead",
            ),
            models.Index(
                fields=["tenant", "contact", "-created_at", "-id"],
                condition=Q(deleted_at__isnull=True),
                name="document_by_contact",
            ),
            models.Index(
                fields=["tenant", "property", "-created_at", "-id"],
                condition=Q(deleted_at__isnull=True, property__isnull=False),
                name="document_by_property",
            ),
            models.Index(
                fields=["tenant", "uploaded_by_contact"],
                condition=Q(deleted_at__isnull=True, uploaded_by_contact__isnull=False),
                name="document_by_customer_upload",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name

    # `property` is a field of this class, so the decorator is spelled out in full.
    @builtins.property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @builtins.property
    def file_type(self) -> str:
        return FILE_TYPE_LABELS.get(self.content_type, self.content_type)

    @builtins.property
    def uploaded_by_customer(self) -> bool:
        return self.uploaded_by_contact_id is not None
