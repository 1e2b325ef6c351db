"""Signed download links: short-lived, bound to one document and one requester."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from documents.downloads import Audience, document_download_token, document_download_url
from documents.models import DocumentKind
from documents.services import documents as document_services
from tests.conftest import sign_in
from tests.documents import samples
from tests.factories import lead_for


@pytest.fixture
def document(world):
    lead = lead_for(world, owner=world.rep)
    with world.active():
        return document_services.document_upload(
            tenant=world.tenant,
            file=samples.upload('Claim "final".pdf', samples.pdf()),
            contact=lead.contact,
            lead=lead,
            kind=DocumentKind.INSURANCE,
            visible_to_customer=True,
            actor=world.rep,
        )


def _staff_url(document, membership) -> str:
    return document_download_url(document, audience=Audience.staff(membership))


def test_the_panel_link_hands_out_a_fresh_link_for_this_member(client, world, document):
    sign_in(client, world.manager)
    response = client.get(reverse("documents:open", kwargs={"document_pk": document.pk}))
    assert response.status_code == 302
    assert response["Location"].startswith("/documents/download/")
    download = client.get(response["Location"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == samples.pdf()


def test_a_download_is_an_uncached_unsniffed_attachment(client, world, document):
    sign_in(client, world.rep)
    response = client.get(_staff_url(document, world.rep))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="Claim \\"final\\".pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response["Referrer-Policy"] == "no-referrer"


def test_an_expired_link_is_refused_and_says_how_to_get_a_new_one(client, world, document):
    sign_in(client, world.rep)
    url = _staff_url(document, world.rep)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=5, seconds=5)):
        response = client.get(url)
    assert response.status_code == 403
    assert b"This download link has expired" in response.content
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=4, seconds=50)):
        assert client.get(url).status_code == 200


def test_a_tampered_link_is_not_found(client, world, document):
    sign_in(client, world.rep)
    token = document_download_token(document, audience=Audience.staff(world.rep))
    payload, timestamp, signature = token.split(":")
    forged = f"{payload}:{timestamp}:{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    assert client.get(reverse("documents:download", kwargs={"token": forged})).status_code == 404
    # A link signed for another purpose (same key, another salt) is not a download link either.
    from django.core import signing

    other = signing.TimestampSigner(salt="something.else").sign_object(
        {"d": document.pk, "t": world.tenant.pk, "a": f"staff:{world.rep.pk}"}
    )
    assert client.get(reverse("documents:download", kwargs={"token": other})).status_code == 404


def test_a_link_made_for_another_member_is_refused(client, world, document):
    sign_in(client, world.manager)
    response = client.get(_staff_url(document, world.rep))
    assert response.status_code == 403


def test_a_link_made_for_a_customer_is_refused_to_staff(client, world, document):
    sign_in(client, world.rep)
    token = document_download_token(document, audience=Audience.customer(world.rep.pk))
    response = client.get(reverse("documents:download", kwargs={"token": token}))
    assert response.status_code == 403


def test_another_tenants_member_gets_nothing(client, world, other_world, document):
    sign_in(client, other_world.admin)
    assert client.get(_staff_url(document, other_world.admin)).status_code == 404
    assert client.get(_staff_url(document, world.rep)).status_code in (403, 404)


def test_a_deleted_documents_link_is_not_found(client, world, document):
    sign_in(client, world.rep)
    url = _staff_url(document, world.rep)
    with world.active():
        document_services.document_delete(
            tenant=world.tenant, document=document, actor=world.manager
        )
    assert client.get(url).status_code == 404


def test_signed_out_people_go_to_the_sign_in_page(client, world, document):
    response = client.get(_staff_url(document, world.rep))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
