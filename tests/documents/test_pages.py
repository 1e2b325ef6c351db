"""The Documents panel on the lead and contact pages."""

import re

import pytest
from django.template.defaultfilters import filesizeformat
from django.test import Client
from django.urls import reverse

from documents.models import Document, DocumentKind
from documents.services import documents as document_services
from tests import factories
from tests.conftest import queries_for, sign_in
from tests.documents import samples
from tests.factories import lead_for

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def lead(world):
    return lead_for(world, owner=world.rep)


def _panel(lead) -> str:
    return reverse("documents:lead-panel", kwargs={"lead_pk": lead.pk})


def _add(world, lead, count=1, **fields):
    with world.active():
        for index in range(count):
            document_services.document_upload(
                tenant=world.tenant,
                file=samples.upload(f"photo {index}.png", samples.png()),
                contact=lead.contact,
                lead=lead,
                kind=fields.get("kind", DocumentKind.PHOTO),
                visible_to_customer=fields.get("visible", False),
                actor=fields.get("actor", world.rep),
                uploaded_by_contact=fields.get("uploaded_by_contact"),
            )


def _documents(world):
    with world.active():
        return list(Document.objects.filter(tenant=world.tenant).order_by("pk"))


def test_the_lead_and_contact_pages_load_the_panel(client, world, lead):
    sign_in(client, world.rep)
    lead_page = client.get(reverse("leads:detail", kwargs={"lead_pk": lead.pk})).content.decode()
    assert f'hx-get="{_panel(lead)}"' in lead_page
    contact_url = reverse("contacts:detail", kwargs={"contact_pk": world.contact.pk})
    contact_panel = reverse("documents:contact-panel", kwargs={"contact_pk": world.contact.pk})
    assert f'hx-get="{contact_panel}"' in client.get(contact_url).content.decode()


def test_the_panel_lists_each_document_with_its_facts(client, world, lead):
    _add(world, lead, kind=DocumentKind.INSURANCE, visible=True)
    _add(world, lead, actor=None, uploaded_by_contact=world.contact)
    sign_in(client, world.rep)
    html = client.get(_panel(lead), **HTMX).content.decode()
    assert "Insurance paper" in html
    assert "customer sees it" in html and "team only" in html
    assert f"PNG · {filesizeformat(len(samples.png()))} ·" in html
    assert str(world.rep.user) in html
    assert f"from the customer, {world.contact.display_name}" in html
    assert 'name="document-file"' in html  # the upload form
    for document in _documents(world):
        assert reverse("documents:open", kwargs={"document_pk": document.pk}) in html


def test_the_panels_cost_the_same_queries_for_one_or_thirty_documents(client, world, lead):
    sign_in(client, world.rep)
    contact_panel = reverse("documents:contact-panel", kwargs={"contact_pk": world.contact.pk})
    _add(world, lead)
    _add(world, lead, actor=None, uploaded_by_contact=world.contact)
    few = (queries_for(client, _panel(lead), **HTMX), queries_for(client, contact_panel, **HTMX))
    _add(world, lead, count=14)
    _add(world, lead, count=14, actor=None, uploaded_by_contact=world.contact)
    many = (queries_for(client, _panel(lead), **HTMX), queries_for(client, contact_panel, **HTMX))
    # the membership with its user (and the user's and the tenant's settings; the session comes
    # from Redis), the lead (or contact), its documents with their uploaders (+ the contact's jobs and
    # properties for the form) (+2 savepoints of the test's transaction)
    assert few == many == (5, 7)


def test_show_more_brings_the_next_documents(client, world, lead):
    _add(world, lead, count=27)
    sign_in(client, world.rep)
    first = client.get(_panel(lead), **HTMX).context["page"]
    assert first.has_next
    more = client.get(_panel(lead), {"after": first.next_cursor}, **HTMX).content.decode()
    assert "Add a document" not in more  # only the rows
    shown = {int(pk) for pk in re.findall(r"/documents/(\d+)/open/", more)}
    assert shown == {d.pk for d in _documents(world)} - {d.pk for d in first.items}
    assert len(shown) == 27 - len(first.items)


def test_a_rep_uploads_a_photo_to_their_lead(client, world, lead):
    sign_in(client, world.rep)
    response = client.post(
        _panel(lead),
        {
            "document-file": samples.upload("Ridge.jpg", samples.jpeg(), "image/jpeg"),
            "document-kind": DocumentKind.PHOTO,
            "document-visible_to_customer": "on",
        },
        **HTMX,
    )
    assert response.status_code == 200
    assert "Added Ridge.jpg." in response.content.decode()
    [document] = _documents(world)
    assert (document.lead_id, document.uploaded_by_id, document.visible_to_customer) == (
        lead.pk,
        world.rep.pk,
        True,
    )


def test_a_refused_file_shows_why_and_stores_nothing(client, world, lead):
    sign_in(client, world.rep)
    page = b"<html><body>not a photo</body></html>"
    response = client.post(
        _panel(lead),
        {"document-file": samples.upload("roof.jpg", page, "image/jpeg"), "document-kind": "photo"},
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "“roof.jpg” can&#x27;t be added: its content is a web page" in html
    assert _documents(world) == []


def test_without_javascript_the_upload_goes_back_to_the_page_with_a_message(client, world, lead):
    sign_in(client, world.rep)
    response = client.post(
        _panel(lead),
        {"document-file": samples.upload("quote.pdf", samples.png()), "document-kind": "quote"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == (
        reverse("leads:detail", kwargs={"lead_pk": lead.pk}) + "#documents-panel"
    )
    assert "its content is a PNG image" in response.content.decode()
    # And the panel is a page of its own.
    page = client.get(_panel(lead))
    assert page.templates[0].name == "documents/panel_page.html"


def test_a_rep_cannot_change_documents_of_another_reps_lead(client, world, lead):
    other_rep = factories.MembershipFactory(tenant=world.tenant, role="rep")
    _add(world, lead)
    [document] = _documents(world)
    sign_in(client, other_rep)
    html = client.get(_panel(lead), **HTMX).content.decode()
    assert "Add a document" not in html and "Delete" not in html
    assert "added by its owner or a manager" in html
    upload = {"document-file": samples.upload("a.png", samples.png()), "document-kind": "photo"}
    assert client.post(_panel(lead), upload, **HTMX).status_code == 403
    for name in ("documents:visibility", "documents:delete"):
        url = reverse(name, kwargs={"document_pk": document.pk})
        assert client.post(url, {"visible": "1", "on": "lead"}, **HTMX).status_code == 403
    # Reading is for every member.
    assert (
        client.get(reverse("documents:open", kwargs={"document_pk": document.pk})).status_code
        == 302
    )


def test_sharing_and_deleting_from_the_panel(client, world, lead):
    _add(world, lead)
    [document] = _documents(world)
    sign_in(client, world.manager)
    url = reverse("documents:visibility", kwargs={"document_pk": document.pk})
    response = client.post(url, {"visible": "1", "on": "lead"}, **HTMX)
    assert "The customer can now see photo 0.png." in response.content.decode()
    assert "Hide from customer" in response.content.decode()
    assert client.post(url, {"on": "lead"}, **HTMX).status_code == 400
    delete = reverse("documents:delete", kwargs={"document_pk": document.pk})
    response = client.post(delete, {"on": "lead"}, **HTMX)
    assert "Removed photo 0.png." in response.content.decode()
    assert "No documents yet." in response.content.decode()
    [deleted] = _documents(world)
    assert deleted.deleted_by_id == world.manager.pk


def test_the_contact_page_uploads_to_one_of_their_jobs_and_properties(client, world, lead):
    stranger = factories.ContactFactory(tenant=world.tenant)
    strangers_lead = lead_for(world, contact=stranger, place=None, owner=world.rep)
    url = reverse("documents:contact-panel", kwargs={"contact_pk": world.contact.pk})
    sign_in(client, world.rep)
    html = client.get(url, **HTMX).content.decode()
    assert lead.reference in html and strangers_lead.reference not in html
    data = {
        "document-file": samples.upload("claim.pdf", samples.pdf()),
        "document-kind": DocumentKind.INSURANCE,
        "document-lead": strangers_lead.pk,
    }
    response = client.post(url, data, **HTMX)
    assert "Select a valid choice" in response.content.decode()
    data["document-file"] = samples.upload("claim.pdf", samples.pdf())
    data["document-lead"] = lead.pk
    data["document-property"] = world.property.pk
    assert "Added claim.pdf." in client.post(url, data, **HTMX).content.decode()
    [document] = _documents(world)
    assert (document.contact_id, document.lead_id, document.property_id) == (
        world.contact.pk,
        lead.pk,
        world.property.pk,
    )
    # The contact's panel names the job of each document.
    assert lead.reference in client.get(url, **HTMX).content.decode()


def test_posts_need_the_csrf_token(world, lead):
    client = Client(enforce_csrf_checks=True)
    sign_in(client, world.rep)
    upload = {"document-file": samples.upload("a.png", samples.png()), "document-kind": "photo"}
    assert client.post(_panel(lead), upload).status_code == 403
    assert _documents(world) == []
