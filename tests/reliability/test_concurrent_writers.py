"""One contact, written at once from three sides: an inbound email threaded by the worker, the API
changing the contact and creating a lead for it (with an Idempotency-Key), and a rep adding a note
on the contact's lead from its page. Each round starts the three together (a barrier) on their own
database connections; every answer is 2xx, nothing raises, and the email is processed in its
round, not left failed for a retry minutes later.

The writers take their locks in the order docs/architecture.md ("Lock order") gives, and the
contact row is locked FOR NO KEY UPDATE, which the foreign-key checks of rows inserted for the
contact (KEY SHARE, at commit) do not wait for: the deadlock an email and a write on one contact
met is gone; a conflict that still happens is retried inside the request (crm.kit.conflicts).
"""

import threading

import pytest
from django.db import OperationalError, connection
from django.test import Client
from psycopg import errors

from crm.kit import conflicts
from leads.models import Lead
from tests.api.helpers import bearer, key_for
from tests.conftest import build_world, forget_cached_values, sign_in
from tests.factories import ContactEmailFactory, lead_for, pipeline_for
from tests.tickets.test_inbound_webhooks import INBOX_EMAIL, open_desk
from tickets.models import EventStatus, InboundEvent, TicketMessage
from tickets.services import ingest

ROUNDS = 6
CUSTOMER = "pat.rivera@concurrent.example"


def _store_email(round_number: int) -> int:
    raw = (
        f"From: Pat Rivera <{CUSTOMER}>\r\nTo: {INBOX_EMAIL}\r\n"
        f"Subject: Gutter question {round_number}\r\n"
        f"Message-ID: <concurrent-{round_number}@concurrent.example>\r\n\r\n"
        f"Is the gutter part of the job? ({round_number})\r\n"
    ).encode()
    return ingest.email_inbound_store(provider="email", raw=raw).event_id


@pytest.fixture
def scene():
    forget_cached_values()
    world = build_world("Gulf Coast Roofing")
    open_desk(world)
    with world.active():
        ContactEmailFactory(tenant=world.tenant, contact=world.contact, email=CUSTOMER)
        world.pipeline = pipeline_for(world.tenant)
    world.lead = lead_for(world, world.pipeline, owner=world.rep)
    world.key = key_for(world)
    return world


def _together(*writers):
    """Run the writers at once, each on its own connection; what each raised, by name."""
    barrier = threading.Barrier(len(writers))
    raised = {}

    def run(writer):
        try:
            barrier.wait()
            writer()
        except BaseException as error:
            raised[writer.__name__] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(writer,)) for writer in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return raised


@pytest.mark.django_db(transaction=True)
def test_inbound_email_api_and_page_writes_on_one_contact_never_fail_or_wait(scene):
    world = scene
    api = Client(raise_request_exception=False)
    page = Client(raise_request_exception=False)
    sign_in(page, world.rep)
    answers = []

    for number in range(ROUNDS):
        event_id = _store_email(number)

        def inbound(event_id=event_id):
            with world.active():
                ingest.inbound_event_process(tenant=world.tenant, event_id=event_id)

        def api_writes(number=number):
            answers.append(
                (
                    "api patch",
                    api.patch(
                        f"/api/v1/contacts/{world.contact.pk}",
                        {"company_name": f"Rivera Homes {number}"},
                        content_type="application/json",
                        **bearer(world.key),
                    ).status_code,
                )
            )
            answers.append(
                (
                    "api lead",
                    api.post(
                        "/api/v1/leads/",
                        {
                            "contact_id": world.contact.pk,
                            "pipeline_id": world.pipeline.pk,
                            "title": f"Gutters {number}",
                        },
                        content_type="application/json",
                        headers={"Idempotency-Key": f"gutters-{number}"},
                        **bearer(world.key),
                    ).status_code,
                )
            )

        def page_writes(number=number):
            answers.append(
                (
                    "page note",
                    page.post(
                        f"/leads/{world.lead.pk}/note/",
                        {"body": f"Called about the gutters ({number})."},
                        headers={"HX-Request": "true"},
                    ).status_code,
                )
            )

        raised = _together(inbound, api_writes, page_writes)
        assert not raised, f"round {number}: {raised!r}"
        with world.active():
            event = InboundEvent.objects.get(tenant=world.tenant, pk=event_id)
            assert (event.status, event.last_error) == (EventStatus.PROCESSED, ""), number
            assert TicketMessage.objects.filter(tenant=world.tenant, inbound_event=event).exists()

    failed = [(what, status) for what, status in answers if status not in (200, 201)]
    assert not failed, failed
    assert len(answers) == 3 * ROUNDS
    with world.active():
        leads = Lead.objects.filter(tenant=world.tenant, contact=world.contact)
        assert leads.count() == 1 + ROUNDS  # each Idempotency-Key's lead once


def raised_from(cause):
    try:
        raise OperationalError(str(cause)) from cause
    except OperationalError as error:
        return error


def _conflicting_once(monkeypatch, module, name):
    """Replace module.name by one that runs it and then, the first time, fails as a deadlock
    would at commit: the write is done, and its transaction must not keep it."""
    real, calls = getattr(module, name), []

    def once(*args, **kwargs):
        result = real(*args, **kwargs)
        calls.append(1)
        if len(calls) == 1:
            raise raised_from(errors.DeadlockDetected("deadlock detected"))
        return result

    monkeypatch.setattr(module, name, once)
    return calls


@pytest.mark.django_db(transaction=True)
def test_a_page_write_that_meets_a_deadlock_is_run_again_once(scene, monkeypatch):
    from crm.models import TimelineEvent
    from leads.services import activity

    calls = _conflicting_once(monkeypatch, activity, "lead_add_note")
    page = Client()
    sign_in(page, scene.rep)
    response = page.post(
        f"/leads/{scene.lead.pk}/note/",
        {"body": "Asked for photos."},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert len(calls) == 2
    with scene.active():
        notes = TimelineEvent.objects.filter(
            tenant=scene.tenant, lead_id=scene.lead.pk, kind="lead.note"
        )
        assert list(notes.values_list("summary", flat=True)) == ["Asked for photos."]


@pytest.mark.django_db(transaction=True)
def test_an_api_write_that_meets_a_deadlock_is_run_again_and_applied_once(scene, monkeypatch):
    from api.endpoints import leads as lead_endpoints

    calls = _conflicting_once(monkeypatch, lead_endpoints, "lead_create")
    api = Client()
    body = {"contact_id": scene.contact.pk, "pipeline_id": scene.pipeline.pk, "title": "Porch"}

    def post():
        return api.post(
            "/api/v1/leads/",
            body,
            content_type="application/json",
            headers={"Idempotency-Key": "porch-1"},
            **bearer(scene.key),
        )

    first = post()
    assert first.status_code == 201
    assert len(calls) == 2
    again = post()
    assert (again.status_code, again["Idempotent-Replayed"]) == (201, "true")
    assert again.json() == first.json()
    with scene.active():
        assert Lead.objects.filter(tenant=scene.tenant, title="Porch").count() == 1


@pytest.mark.django_db(transaction=True)
def test_an_inbound_email_that_meets_a_deadlock_is_threaded_at_once(scene, monkeypatch):
    calls = _conflicting_once(monkeypatch, ingest, "apply_to_ticket")
    event_id = _store_email(0)
    with scene.active():
        outcome = ingest.inbound_event_process(tenant=scene.tenant, event_id=event_id)
        event = InboundEvent.objects.get(tenant=scene.tenant, pk=event_id)
        assert outcome.startswith("ticket ")
        assert (event.status, event.attempts, event.last_error) == (EventStatus.PROCESSED, 1, "")
        assert TicketMessage.objects.filter(tenant=scene.tenant, inbound_event=event).count() == 1
    assert len(calls) == 2

    assert conflicts.is_conflict(raised_from(errors.DeadlockDetected("deadlock detected")))
    assert conflicts.is_conflict(raised_from(errors.SerializationFailure("could not serialize")))
    assert not conflicts.is_conflict(raised_from(errors.UniqueViolation("duplicate key")))
    assert not conflicts.is_conflict(ValueError("deadlock detected"))
