"""The portal's Documents page and the job page's documents: what a customer sees, how files leave
(fresh signed links, bound to them), and what they upload (checked by content, on the staff panel,
the job owner told)."""

import datetime as dt
from html import unescape

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from crm.models import Notification
from documents.downloads import Audience, document_download_url
from documents.models import Document, DocumentKind
from documents.services import documents as document_services
from tests import factories
from tests.conftest import queries_for, sign_in
from tests.documents import samples
from tests.portal.helpers import portal_sign_in

pytestmark = pytest.mark.django_db

PAGE = reverse("portal:documents")
UPLOAD = reverse("portal:document-upload")


def _add(world, name, *, lead=None, contact=None, visible=True, kind=DocumentKind.QUOTE, by=None):
    """A document added by the world's rep, or uploaded by the customer `by`."""
    content = samples.pdf() if name.endswith(".pdf") else samples.png()
    with world.active():
        return document_services.document_upload(
            tenant=world.tenant,
            file=samples.upload(name, content),
            contact=contact or (lead.contact if lead else world.contact),
            lead=lead,
            kind=kind,
            visible_to_customer=visible,
            actor=None if by else world.rep,
            uploaded_by_contact=by,
        )


def _stranger(world):
    stranger = factories.ContactFactory(tenant=world.tenant)
    factories.ContactEmailFactory(tenant=world.tenant, contact=stranger)
    return stranger


@pytest.fixture
def job(world):
    return factories.lead_for(world, owner=world.rep, title="New roof")


class TestWhatTheCustomerSees:
    def test_their_shared_documents_and_own_uploads_grouped_by_job_nothing_else(
        self, client, world, other_world, job
    ):
        _add(world, "Quote.pdf", lead=job)
        _add(world, "Crew notes.pdf", lead=job, visible=False)
        _add(
            world,
            "My photo.png",
            lead=job,
            visible=False,
            kind=DocumentKind.PHOTO,
            by=world.contact,
        )
        _add(world, "Brochure.pdf")  # theirs, on no job
        _add(world, "Not yours.pdf", contact=_stranger(world))
        _add(other_world, "Other business.pdf")
        portal_sign_in(client, world.tenant, world.contact)

        response = client.get(PAGE)

        html = response.content.decode()
        assert response.status_code == 200
        assert f'href="{PAGE}" aria-current="page"' in html
        groups = response.context["documents"].groups
        assert [group.title for group in groups] == ["Other documents", "New roof"]
        assert [d.original_name for d in groups[1].documents] == ["My photo.png", "Quote.pdf"]
        for hidden in ("Crew notes.pdf", "Not yours.pdf", "Other business.pdf"):
            assert hidden not in html
        assert "uploaded by you" in html
        assert "PDF" in html and "Quote" in html  # type and kind on each row

    def test_the_job_page_lists_the_jobs_documents_with_an_upload_form(self, client, world, job):
        _add(world, "Quote.pdf", lead=job)
        _add(world, "Brochure.pdf")
        portal_sign_in(client, world.tenant, world.contact)

        response = client.get(reverse("portal:job", kwargs={"job_pk": job.pk}))

        html = response.content.decode()
        assert [d.original_name for d in response.context["documents"]] == ["Quote.pdf"]
        assert "Brochure.pdf" not in html
        assert f'action="{UPLOAD}"' in html
        assert f'name="job" value="{job.pk}"' in html

    def test_the_list_costs_a_fixed_number_of_queries(
        self, client, world, job, django_assert_max_num_queries
    ):
        _add(world, "Quote.pdf", lead=job)
        portal_sign_in(client, world.tenant, world.contact)
        few = queries_for(client, PAGE)
        for n in range(6):
            other_job = factories.lead_for(world, owner=world.rep, title=f"Job {n}")
            _add(world, f"Photo {n}.png", lead=other_job, kind=DocumentKind.PHOTO)
            _add(world, f"Invoice {n}.pdf", kind=DocumentKind.INVOICE)

        with django_assert_max_num_queries(few):
            response = client.get(PAGE)

        assert len(response.context["documents"].groups) == 8
        assert few <= 14


class TestDownloads:
    def test_a_click_gives_a_fresh_link_for_this_customer_and_the_file(self, client, world, job):
        document = _add(world, "Quote.pdf", lead=job)
        portal_sign_in(client, world.tenant, world.contact)

        opened = client.get(reverse("portal:document-open", kwargs={"document_pk": document.pk}))

        assert opened.status_code == 302
        assert opened["Location"].startswith("/portal/documents/download/")
        download = client.get(opened["Location"])
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == samples.pdf()
        assert download["Content-Disposition"] == 'attachment; filename="Quote.pdf"'
        assert "no-store" in download["Cache-Control"]

    def test_an_expired_link_is_refused_and_says_how_to_get_a_new_one(self, client, world, job):
        document = _add(world, "Quote.pdf", lead=job)
        portal_sign_in(client, world.tenant, world.contact)
        url = client.get(reverse("portal:document-open", kwargs={"document_pk": document.pk}))[
            "Location"
        ]

        with time_machine.travel(timezone.now() + dt.timedelta(minutes=5, seconds=5)):
            response = client.get(url)

        assert response.status_code == 403
        assert b"This download link has expired" in response.content

    def test_another_customer_or_business_gets_404_for_the_entry_and_the_link(
        self, client, world, other_world, job
    ):
        document = _add(world, "Quote.pdf", lead=job)
        open_url = reverse("portal:document-open", kwargs={"document_pk": document.pk})
        theirs = document_download_url(document, audience=Audience.customer(world.contact.pk))

        stranger = _stranger(world)
        portal_sign_in(client, world.tenant, stranger)
        assert client.get(open_url).status_code == 404
        assert client.get(theirs).status_code == 404  # made for someone else: nothing to see
        # A link made for the stranger to a document they may not see is not found either.
        made_for_stranger = document_download_url(document, audience=Audience.customer(stranger.pk))
        assert client.get(made_for_stranger).status_code == 404

        portal_sign_in(client, other_world.tenant, other_world.contact)
        assert client.get(open_url).status_code == 404
        assert client.get(theirs).status_code == 404

    def test_staff_links_do_not_open_in_the_portal_nor_the_other_way(self, client, world, job):
        document = _add(world, "Quote.pdf", lead=job)
        staff_url = document_download_url(document, audience=Audience.staff(world.rep))
        portal_sign_in(client, world.tenant, world.contact)
        token = staff_url.rstrip("/").rsplit("/", 1)[-1]
        portal_url = reverse("portal:document-download", kwargs={"token": token})
        assert client.get(portal_url).status_code == 404


class TestUploads:
    def test_a_photo_for_a_job_lands_on_the_staff_panel_from_the_customer_and_rings_the_owner(
        self, client, world, job
    ):
        portal_sign_in(client, world.tenant, world.contact)

        response = client.post(
            UPLOAD,
            {"job": job.pk, "kind": "photo", "back": "job",
             "file": samples.upload("C:\\Users\\casey\\Desktop\\leak.png", samples.png())},
        )  # fmt: skip

        assert response.status_code == 302
        assert (
            response["Location"] == reverse("portal:job", kwargs={"job_pk": job.pk}) + "#documents"
        )
        with world.active():
            document = Document.objects.get(tenant=world.tenant)
            assert Notification.objects.filter(
                tenant=world.tenant, recipient=world.rep.user, title__contains="leak.png"
            ).exists()
        assert document.original_name == "leak.png"  # the folders of the name are gone
        assert (document.lead_id, document.kind) == (job.pk, "photo")
        assert document.uploaded_by_contact_id == world.contact.pk
        assert "leak.png" in client.get(response["Location"]).content.decode()

        sign_in(client, world.rep)
        panel = client.get(reverse("documents:lead-panel", kwargs={"lead_pk": job.pk}))
        assert "leak.png" in panel.content.decode()
        assert "from the customer" in panel.content.decode()

    def test_a_general_upload_from_the_documents_page_shows_in_the_list(self, client, world):
        portal_sign_in(client, world.tenant, world.contact)

        response = client.post(
            UPLOAD,
            {"job": "", "kind": "insurance", "file": samples.upload("claim.pdf", samples.pdf())},
        )

        assert response["Location"] == PAGE + "#documents-list"
        page = client.get(PAGE).content.decode()
        assert "claim.pdf" in page
        assert "Thank you: claim.pdf is uploaded." in page

    @pytest.mark.parametrize(
        ("name", "content", "reason"),
        [
            ("photo.jpg", b"<html><script>alert(1)</script></html>", "not a photo or a PDF"),
            ("report.pdf", samples.png(), "but its content is a PNG image"),
            ("../../../etc/cron.d/evil.pdf", b"#!/bin/sh\nrm -rf /\n", "“evil.pdf” can't be added"),
        ],
    )
    def test_a_hostile_file_is_refused_with_the_reason_and_the_choices_kept(
        self, client, world, job, name, content, reason
    ):
        portal_sign_in(client, world.tenant, world.contact)

        response = client.post(
            UPLOAD, {"job": job.pk, "kind": "signed_form", "file": samples.upload(name, content)}
        )

        html = unescape(response.content.decode())
        assert response.status_code == 400
        assert reason in html
        assert "etc/cron.d" not in html
        form = response.context["form"]
        assert form["kind"].value() == "signed_form"
        assert str(form["job"].value()) == str(job.pk)
        with world.active():
            assert not Document.objects.filter(tenant=world.tenant).exists()

    @override_settings(DOCUMENT_MAX_UPLOAD_BYTES=1000)
    def test_an_oversized_file_is_refused_on_the_job_page_it_came_from(self, client, world, job):
        portal_sign_in(client, world.tenant, world.contact)

        response = client.post(
            UPLOAD,
            {"job": job.pk, "kind": "photo", "back": "job",
             "file": samples.upload("roof.jpg", samples.jpeg())},
        )  # fmt: skip

        html = response.content.decode()
        assert response.status_code == 400
        assert "files up to 1000\xa0bytes are accepted" in html
        assert response.context["job"].lead.pk == job.pk
        assert '<details class="portal-upload-toggle" open>' in html

    def test_a_job_of_another_customer_cannot_be_chosen(self, client, world, job):
        portal_sign_in(client, world.tenant, _stranger(world))

        response = client.post(
            UPLOAD, {"job": job.pk, "kind": "photo", "file": samples.upload("a.png", samples.png())}
        )

        assert response.status_code == 400
        assert "Select a valid choice" in response.content.decode()
        with world.active():
            assert not Document.objects.filter(tenant=world.tenant).exists()
