"""Uploading, sharing and deleting documents, and what each customer may see."""

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from crm.models import Notification, TimelineEvent
from documents.models import Document, DocumentKind
from documents.selectors import documents as document_selectors
from documents.services import documents as document_services
from tests import factories
from tests.documents import samples
from tests.factories import lead_for


@pytest.fixture(autouse=True)
def in_tenant(world):
    with world.active():
        yield


@pytest.fixture
def lead(world):
    return lead_for(world, owner=world.rep)


def _upload(world, *, lead=None, name="roof.png", content=None, **fields):
    """An upload by the rep (or the customer), inside the tenant's context as a request is; an
    error inside that context dooms the test's transaction, so refusals are awaited inside it."""
    fields.setdefault("actor", None if fields.get("uploaded_by_contact") else world.rep)
    return document_services.document_upload(
        tenant=world.tenant,
        file=samples.upload(name, content or samples.png()),
        contact=fields.pop("contact", lead.contact if lead else world.contact),
        lead=lead,
        kind=fields.pop("kind", DocumentKind.PHOTO),
        visible_to_customer=fields.pop("visible_to_customer", False),
        **fields,
    )


def test_an_upload_is_stored_privately_under_a_random_name(world, lead):
    content = samples.png()
    document = _upload(world, lead=lead, name="Front of the house.png", content=content)
    assert document.original_name == "Front of the house.png"
    assert document.content_type == "image/png"
    assert document.size == len(content)
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    # Nothing the uploader chose is in the stored path.
    assert document.file.name == f"documents/{world.tenant.pk}/{document.token}.png"
    with document.file.open("rb") as stored:
        assert stored.read() == content
    # A job's document belongs to its customer and its property.
    assert (document.contact, document.property, document.uploaded_by) == (
        world.contact,
        world.property,
        world.rep,
    )


def test_an_upload_is_on_the_job_and_contact_timeline(world, lead):
    hidden = _upload(world, lead=lead, name="internal.png")
    shared = _upload(world, lead=lead, name="quote.pdf", content=samples.pdf(), kind="quote",
                     visible_to_customer=True)  # fmt: skip
    with world.active():
        events = {
            event.detail["document"]: event
            for event in TimelineEvent.objects.filter(tenant=world.tenant, kind="document.uploaded")
        }
    assert events[hidden.pk].summary == "Photo added: internal.png"
    assert events[hidden.pk].lead_id == lead.pk
    assert events[hidden.pk].contact_id == world.contact.pk
    assert events[hidden.pk].actor == world.rep.user
    assert not events[hidden.pk].customer_visible
    assert events[shared.pk].customer_visible


def test_a_refused_upload_stores_nothing(world, lead):
    storage = Document.file.field.storage
    with pytest.raises(ValidationError) as refused:
        _upload(world, lead=lead, name="quote.pdf", content=samples.png())
    assert "named as a .pdf file but its content is a PNG image" in refused.value.message
    with world.active():
        assert not Document.objects.filter(tenant=world.tenant).exists()
        assert not TimelineEvent.objects.filter(
            tenant=world.tenant, kind__startswith="document"
        ).exists()
    folder = f"documents/{world.tenant.pk}"
    assert not storage.exists(folder) or storage.listdir(folder) == ([], [])


def test_a_customer_upload_is_theirs_to_see_and_tells_the_job_owner(world, lead):
    document = _upload(world, lead=lead, uploaded_by_contact=world.contact, name="leak.jpg",
                       content=samples.jpeg())  # fmt: skip
    assert document.uploaded_by is None
    assert document.uploaded_by_customer
    with world.active():
        event = TimelineEvent.objects.get(tenant=world.tenant, kind="document.uploaded")
        bell = Notification.objects.filter(tenant=world.tenant, recipient=world.rep.user).latest(
            "pk"
        )
    assert event.customer_visible
    assert event.summary == f"{world.contact.display_name} uploaded a photo: leak.jpg"
    assert bell.title == event.summary
    assert bell.url == f"/leads/{lead.pk}/#documents-panel"
    paper = _upload(world, lead=lead, uploaded_by_contact=world.contact, name="claim.pdf",
                    content=samples.pdf(), kind=DocumentKind.INSURANCE)  # fmt: skip
    event = TimelineEvent.objects.get(tenant=world.tenant, detail__document=paper.pk)
    assert event.summary == f"{world.contact.display_name} uploaded an insurance paper: claim.pdf"


def test_an_upload_has_exactly_one_uploader_and_the_job_of_its_contact(world, lead):
    with pytest.raises(ValueError, match="not both"):
        _upload(world, lead=lead, actor=world.rep, uploaded_by_contact=world.contact)
    stranger = factories.ContactFactory(tenant=world.tenant)
    with pytest.raises(ValueError, match="job's own contact"):
        _upload(world, lead=lead, contact=stranger)
    with pytest.raises(ValidationError):
        _upload(world, lead=lead, kind="selfie")


def test_sharing_is_on_the_timeline_and_the_customer_sees_only_the_sharing(world, lead):
    document = _upload(world, lead=lead)
    with world.active():
        document_services.document_set_visibility(
            tenant=world.tenant, document=document, visible_to_customer=True, actor=world.manager
        )
        document_services.document_set_visibility(
            tenant=world.tenant, document=document, visible_to_customer=True, actor=world.manager
        )  # already shared: nothing more happens
        document_services.document_set_visibility(
            tenant=world.tenant, document=document, visible_to_customer=False, actor=world.manager
        )
        events = list(
            TimelineEvent.objects.filter(tenant=world.tenant, kind__in=["document.shared", "document.unshared"])
            .order_by("pk")
            .values_list("kind", "customer_visible", "actor")
        )  # fmt: skip
        document.refresh_from_db()
    assert events == [
        ("document.shared", True, world.manager.user.pk),
        ("document.unshared", False, world.manager.user.pk),
    ]
    assert not document.visible_to_customer


def test_deleting_keeps_the_row_and_removes_the_bytes(
    world, lead, django_capture_on_commit_callbacks
):
    document = _upload(world, lead=lead)
    stored = document.file.name
    with world.active(), django_capture_on_commit_callbacks(execute=True):
        document_services.document_delete(
            tenant=world.tenant, document=document, actor=world.manager
        )
    with world.active():
        document.refresh_from_db()
        assert document_selectors.documents_for_lead(tenant=world.tenant, lead=lead).items == []
        with pytest.raises(Http404):
            document_selectors.document_get(tenant=world.tenant, document_id=document.pk)
        event = TimelineEvent.objects.get(tenant=world.tenant, kind="document.deleted")
    assert document.deleted_by == world.manager
    assert document.deleted_at is not None
    assert (document.original_name, document.sha256) != ("", "")  # the record of what was there
    assert not document.file.storage.exists(stored)
    assert event.summary == "Removed photo: roof.png"


def test_a_customer_removes_only_their_own_uploads(world, lead):
    theirs = _upload(world, lead=lead, uploaded_by_contact=world.contact)
    ours = _upload(world, lead=lead, visible_to_customer=True)
    with world.active():
        with pytest.raises(ValidationError, match="only the files you uploaded"):
            document_services.document_delete(
                tenant=world.tenant, document=ours, by_contact=world.contact
            )
        document_services.document_delete(
            tenant=world.tenant, document=theirs, by_contact=world.contact
        )
        theirs.refresh_from_db()
    assert theirs.deleted_by_contact == world.contact


def test_a_customer_sees_shared_documents_of_their_contacts_and_properties_and_their_uploads(
    world, lead
):
    neighbour = factories.ContactFactory(tenant=world.tenant)
    neighbours_place = factories.PropertyFactory(tenant=world.tenant)
    co_owner = factories.ContactFactory(tenant=world.tenant)
    shared = _upload(world, lead=lead, name="quote.png", visible_to_customer=True)
    _upload(world, lead=lead, name="internal.png")
    own_upload = _upload(world, lead=lead, name="leak.png", uploaded_by_contact=world.contact)
    # The co-owner's shared paper on the same property: the customer sees the property's papers.
    on_property = _upload(world, contact=co_owner, property=world.property, name="survey.png",
                          visible_to_customer=True)  # fmt: skip
    _upload(world, contact=neighbour, property=neighbours_place, name="theirs.png",
            visible_to_customer=True)  # fmt: skip
    deleted = _upload(world, lead=lead, name="gone.png", visible_to_customer=True)
    with world.active():
        document_services.document_delete(tenant=world.tenant, document=deleted, actor=world.admin)
        page = document_selectors.documents_for_customer(
            tenant=world.tenant, contact_ids=[world.contact.pk], property_ids=[world.property.pk]
        )
        seen = {document.original_name for document in page.items}
        assert seen == {shared.original_name, own_upload.original_name, on_property.original_name}
        assert (
            document_selectors.document_for_customer_get(
                tenant=world.tenant,
                document_id=shared.pk,
                contact_ids=[world.contact.pk],
                property_ids=[world.property.pk],
            )
            == shared
        )
        with pytest.raises(Http404):
            document_selectors.document_for_customer_get(
                tenant=world.tenant,
                document_id=shared.pk,
                contact_ids=[neighbour.pk],
                property_ids=[neighbours_place.pk],
            )


def test_another_tenants_objects_cannot_be_attached(world, other_world):
    with pytest.raises(ValueError, match="tenant"):
        _upload(world, contact=world.contact, property=other_world.property)


def test_the_panels_page_through_every_document_once(world, lead):
    for index in range(7):
        _upload(world, lead=lead, name=f"photo {index}.png")
    with world.active():
        first = document_selectors.documents_for_lead(tenant=world.tenant, lead=lead, per_page=4)
        second = document_selectors.documents_for_lead(
            tenant=world.tenant, lead=lead, per_page=4, after=first.next_cursor
        )
    names = [document.original_name for document in first.items + second.items]
    assert names == [f"photo {index}.png" for index in reversed(range(7))]
    assert not second.has_next
