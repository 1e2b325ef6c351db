"""Schemathesis over every operation of the schema, with a valid key and data in the tenant:
no answer is a 5xx, and every answer matches the schema (property-based: the cases come from
the schema itself, valid and invalid alike).

Small on purpose (CI has a time budget): a few examples per operation, and the path's ids are
half the time ones that exist, so operations are run on real rows and not only on 404s."""

import time

import hypothesis
import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test.utils import override_settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.api.helpers import key_for
from tests.conftest import forget_cached_values
from tests.security.test_url_isolation import (
    _document,
    _follow_up,
    _lead,
    _quote,
    _ticket_reply,
)

pytestmark = pytest.mark.django_db(transaction=False)

EXAMPLES_PER_OPERATION = 12


@pytest.fixture
def wsgi_app():
    """Django as a WSGI app inside the test's transaction: as the test client does, the
    connection is not closed at the end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _existing_ids(world) -> dict[str, int]:
    lead = _lead(world)
    message = _ticket_reply(world)
    with world.active():
        email_id = world.contact.emails.values_list("pk", flat=True).first()
    return {
        "lead_id": lead.pk,
        "contact_id": world.contact.pk,
        "member_id": world.rep.pk,
        "pipeline_id": lead.pipeline_id,
        "quote_id": _quote(world).pk,
        "follow_up_id": _follow_up(world).pk,
        "ticket_id": message.ticket_id,
        "document_id": _document(world).pk,
        "address_id": email_id,
    }


@override_settings(THREADLINE_API_RATE_LIMIT=(100_000, 60))
def test_every_operation_answers_within_its_schema(world, other_world, wsgi_app):
    forget_cached_values()
    ids = _existing_ids(world)
    _existing_ids(other_world)  # another tenant's rows, which must stay out of every answer
    # Identity: the WSGI client does not undo the gzip the project's middleware applies.
    headers = {"Authorization": f"Bearer {key_for(world)}", "Accept-Encoding": "identity"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    checks = [not_a_server_error, response_schema_conformance]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25

    started = time.monotonic()
    for operation in operations:

        @hypothesis.settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(hypothesis.HealthCheck),
        )
        @hypothesis.given(case=operation.as_strategy(), real=st.booleans())
        def run(case, real):
            if real:
                for name in case.path_parameters or {}:
                    if name in ids:
                        case.path_parameters[name] = ids[name]
            case.call_and_validate(headers=headers, checks=checks)

        run()
    print(f"schemathesis: {len(operations)} operations in {time.monotonic() - started:.1f}s")
