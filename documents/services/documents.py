"""Every write of documents: upload, share or hide, delete. Each is one transaction.

Staff act as their membership (`actor`), a customer in the portal as their contact
(`uploaded_by_contact` / `by_contact`). Each change lands on the contact's (and the job's)
timeline, where the customer sees it too when the document is theirs to see.
"""

import secrets

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm.kit.links import lead_page
from crm.kit.stored_text import stored_label
from crm.models import Contact, Membership, Property, Tenant
from crm.services.notifications import notification_create
from crm.services.timeline import timeline_record
from documents.models import Document, DocumentKind
from documents.validation import document_file_check
from leads.models import Lead


@transaction.atomic
def document_upload(
    *,
    tenant: Tenant,
    file: File,
    contact: Contact,
    lead: Lead | None = None,
    property: Property | None = None,
    kind: str,
    visible_to_customer: bool,
    actor: Membership | None = None,
    uploaded_by_contact: Contact | None = None,
) -> Document:
    """Check the file by its content (a ValidationError with the reason if it is refused, and
    nothing stored), keep it in private storage and record it on the timeline.

    A job's document belongs to the job's customer and, unless told otherwise, its property.
    """
    if (actor is None) == (uploaded_by_contact is None):
        raise ValueError("A document is uploaded by a team member or by a customer, not both.")
    if kind not in DocumentKind.values:
        raise ValidationError(_("Choose what kind of document this is."), code="kind")
    if lead is not None and lead.contact_id != contact.pk:
        raise ValueError("A job's documents belong to the job's own contact.")
    _ensure_same_tenant(tenant, contact, lead, property, actor, uploaded_by_contact)
    checked = document_file_check(file)
    if lead is not None and property is None:
        property = lead.property

    document = Document(
        tenant=tenant,
        token=secrets.token_hex(16),
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        kind=kind,
        contact=contact,
        lead=lead,
        property=property,
        visible_to_customer=visible_to_customer,
        uploaded_by=actor,
        uploaded_by_contact=uploaded_by_contact,
    )
    document.file.save(f"{document.token}{checked.extension}", file, save=False)
    try:
        document.save()
        kind_label = DocumentKind(document.kind).label
        params: dict[str, object] = {"file": document.original_name}
        if uploaded_by_contact is not None:
            params |= {
                "name": uploaded_by_contact.display_name,
                "kind": stored_label(kind_label, lower=True),
            }
            summary = (
                gettext_noop("%(name)s uploaded an %(kind)s: %(file)s")
                if stored_label(kind_label)["_msgid"].lower()[0] in "aeiou"
                else gettext_noop("%(name)s uploaded a %(kind)s: %(file)s")
            )
        else:
            params["kind"] = stored_label(kind_label)
            summary = gettext_noop("%(kind)s added: %(file)s")
        _record(
            tenant,
            document,
            kind="document.uploaded",
            summary=summary,
            params=params,
            actor=actor,
            customer_visible=visible_to_customer or uploaded_by_contact is not None,
        )
        if uploaded_by_contact is not None:
            _tell_the_owner(tenant, document, summary, params)
    except Exception:
        document.file.delete(save=False)  # the row is rolled back: the bytes go with it
        raise
    return document


@transaction.atomic
def document_set_visibility(
    *, tenant: Tenant, document: Document, visible_to_customer: bool, actor: Membership
) -> Document:
    """Share a document with the customer in the portal, or take it back."""
    document = _locked(tenant, document)
    if document.visible_to_customer == visible_to_customer:
        return document
    document.visible_to_customer = visible_to_customer
    document.save(update_fields=["visible_to_customer"])
    if visible_to_customer:
        summary = gettext_noop("Shared with the customer: %(file)s")
    else:
        summary = gettext_noop("No longer shared with the customer: %(file)s")
    _record(
        tenant,
        document,
        kind="document.shared" if visible_to_customer else "document.unshared",
        summary=summary,
        params={"file": document.original_name},
        actor=actor,
        # The customer sees what appeared in their portal, not what staff took back.
        customer_visible=visible_to_customer,
    )
    return document


@transaction.atomic
def document_delete(
    *,
    tenant: Tenant,
    document: Document,
    actor: Membership | None = None,
    by_contact: Contact | None = None,
) -> Document:
    """Hide the document everywhere and remove its bytes once the deletion is committed; the row
    stays with who removed it and when (the audit trail of what was there)."""
    if (actor is None) == (by_contact is None):
        raise ValueError("A document is deleted by a team member or by a customer, not both.")
    document = _locked(tenant, document)
    if document.is_deleted:
        return document
    if by_contact is not None and document.uploaded_by_contact_id != by_contact.pk:
        raise ValidationError(_("You can remove only the files you uploaded yourself."))
    document.deleted_at = timezone.now()
    document.deleted_by = actor
    document.deleted_by_contact = by_contact
    document.save(update_fields=["deleted_at", "deleted_by", "deleted_by_contact"])
    stored = document.file.name
    storage = document.file.storage
    if stored:  # every document has its file
        transaction.on_commit(lambda: storage.delete(stored))
    params = {
        "kind": stored_label(DocumentKind(document.kind).label, lower=True),
        "file": document.original_name,
    }
    if by_contact:
        params["name"] = by_contact.display_name
    _record(
        tenant,
        document,
        kind="document.deleted",
        summary=gettext_noop("%(name)s removed %(kind)s: %(file)s")
        if by_contact
        else gettext_noop("Removed %(kind)s: %(file)s"),
        params=params,
        actor=actor,
        customer_visible=document.visible_to_customer or by_contact is not None,
    )
    return document


def _locked(tenant: Tenant, document: Document) -> Document:
    return (
        Document.objects.select_for_update(of=("self",))
        .select_related("contact", "lead", "property")
        .get(tenant=tenant, pk=document.pk)
    )


def _ensure_same_tenant(tenant: Tenant, *objects) -> None:
    if any(item is not None and item.tenant_id != tenant.pk for item in objects):
        raise ValueError("Every object of a document belongs to the document's tenant.")


def _record(
    tenant: Tenant,
    document: Document,
    *,
    kind: str,
    summary: str,
    params: dict,
    actor,
    customer_visible: bool,
) -> None:
    """`summary` a msgid (gettext_noop), `params` its values."""
    timeline_record(
        tenant=tenant,
        kind=kind,
        summary=summary,
        params=params,
        actor=actor.user if actor else None,
        contact=document.contact,
        property=document.property,
        lead=document.lead,
        detail={"document": document.pk, "name": document.original_name},
        customer_visible=customer_visible,
    )


def _tell_the_owner(tenant: Tenant, document: Document, summary: str, params: dict) -> None:
    """A customer's upload goes to the bell of whoever owns the job."""
    lead = document.lead
    if lead is None or lead.owner is None:
        return
    notification_create(
        tenant=tenant,
        recipient=lead.owner.user,
        title=summary,
        title_params=params,
        body=f"{lead.reference} {lead.title}".strip(),
        url=lead_page(lead.pk) + "#documents-panel",
    )
