"""What the documents app holds on a contact: erasure deletes their documents, files first, and
the export lists them (names, kinds, sizes and dates; see crm.privacy)."""

from django.db.models import Q

from crm.privacy import ExportKind, PersonalModel, register_export_kinds, register_personal_models
from documents.models import Document

CHUNK = 500


def _their_documents(scope):
    """Theirs, their jobs' and their own properties' (a shared property's documents stay)."""
    return Document.objects.filter(tenant=scope.tenant).filter(
        Q(contact=scope.contact)
        | Q(lead__contact=scope.contact)
        | Q(property_id__in=scope.own_property_ids)
    )


register_personal_models(
    PersonalModel(
        "documents.Document",
        "contact",
        delete=True,
        files=("file",),
        rows=_their_documents,
        counted_as="documents_deleted",
    ),
)


def _documents(subject):
    rows = (
        Document.objects.filter(tenant=subject.tenant, deleted_at__isnull=True)
        .filter(Q(contact_id__in=subject.contact_ids) | Q(lead__in=subject.jobs))
        .order_by("created_at", "id")
    )
    for document in rows.iterator(chunk_size=CHUNK):
        yield (
            document.original_name,
            document.get_kind_display(),
            document.content_type,
            document.size,
            document.visible_to_customer,
            document.created_at,
        )


register_export_kinds(
    ExportKind(
        "documents",
        ("name", "kind", "content_type", "size_bytes", "visible_in_portal", "uploaded"),
        _documents,
    ),
)
