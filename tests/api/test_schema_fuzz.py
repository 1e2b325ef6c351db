"""Schemathesis over every operation of the schema with every check it has, as
`schemathesis run --checks all` does (configured by schemathesis.toml), with a valid key and a
tenant with data: cases that fit the schema and cases that break it, for each operation, then
sequences of calls that feed one answer's ids into the next request (stateful).

Small and seeded on purpose (CI has a time budget): a few examples per operation, always the
same ones; a path's ids are half the time ones that exist, so operations run on real rows and
not only on 404s."""

import time
from pathlib import Path

import hypothesis
import pytest
import schemathesis
from django.test.utils import override_settings
from hypothesis import strategies as st
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode

from tests.api.helpers import key_for
from tests.conftest import forget_cached_values
from tests.security.test_url_isolation import (
    _document,
    _follow_up,
    _invoice,
    _invoice_payment,
    _lead,
    _quote,
    _ticket_reply,
)

pytestmark = pytest.mark.django_db(transaction=False)

EXAMPLES_PER_OPERATION_AND_MODE = 3
STATEFUL_SCENARIOS = 8
STATEFUL_STEPS = 6
CONFIG = Path(__file__).resolve().parents[2] / "schemathesis.toml"


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
        "invoice_id": _invoice(world).pk,
        "payment_id": _invoice_payment(world).pk,
    }


# Identity: the WSGI client does not undo the gzip the project's middleware applies.
HEADERS = {"Accept-Encoding": "identity"}


def _schema(wsgi_app, key: str):
    """The schema as served, with the key as the auth every case sends (so ignored_auth knows
    it for a valid one, and checks that the operation refuses a request without it)."""
    config = SchemathesisConfig.from_path(CONFIG)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app, config=config)

    @schema.auth()
    class ApiKey:
        def get(self, case, context):
            return key

        def set(self, case, data, context):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    return schema


def _every_check():
    load_all_checks()
    return list(CHECKS.get_all())


def _takes_input(operation) -> bool:
    """Whether a request to it can be wrong: a query, path parameter or body to get wrong (its
    only header, when it has one, is the optional Idempotency-Key)."""
    return bool(operation.body) or any(
        parameter.location.value in ("query", "path") for parameter in operation.iter_parameters()
    )


def _settings(**extra) -> hypothesis.settings:
    # Derandomized: the same cases on every run, so a failure here is one anyone can repeat.
    return hypothesis.settings(
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(hypothesis.HealthCheck),
        **extra,
    )


def _cases(operation, mode: GenerationMode, *, ids: dict, checks: list):
    """The operation's cases in this mode, each sent and checked; a positive case's path ids
    are half the time ones that exist (a negative one's stay as generated: they are its point)."""

    @_settings(max_examples=EXAMPLES_PER_OPERATION_AND_MODE)
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode), real=st.booleans())
    def run(case, real):
        if real and mode is GenerationMode.POSITIVE:
            for name in case.path_parameters or {}:
                if name in ids:
                    case.path_parameters[name] = ids[name]
        case.call_and_validate(headers=HEADERS, checks=checks)

    return run


@override_settings(THREADLINE_API_RATE_LIMIT=(100_000, 60))
def test_every_operation_passes_every_check(world, other_world, wsgi_app):
    forget_cached_values()
    ids = _existing_ids(world)
    _existing_ids(other_world)  # another tenant's rows, which must stay out of every answer
    schema = _schema(wsgi_app, key_for(world))
    checks = _every_check()
    assert {check.__name__ for check in checks} >= {
        "response_schema_conformance",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "negative_data_rejection",
        "positive_data_acceptance",
        "use_after_free",
        "ensure_resource_availability",
        "ignored_auth",
    }
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25

    started = time.monotonic()
    nothing_to_break = set()
    for operation in operations:
        for mode in GenerationMode:
            try:
                _cases(operation, mode, ids=ids, checks=checks)()
            except hypothesis.errors.Unsatisfiable:
                if mode is GenerationMode.POSITIVE:
                    raise
                nothing_to_break.add(operation.label)
    assert nothing_to_break <= {op.label for op in operations if not _takes_input(op)}
    print(f"schemathesis: {len(operations)} operations in {time.monotonic() - started:.1f}s")


@override_settings(THREADLINE_API_RATE_LIMIT=(100_000, 60))
def test_sequences_of_calls_pass_every_check(world, wsgi_app):
    """Stateful: ids from one answer (a lead created, a contact read) feed the next request, so
    use_after_free and ensure_resource_availability see resources the API itself made."""
    forget_cached_values()
    _existing_ids(world)
    schema = _schema(wsgi_app, key_for(world))
    checks = _every_check()

    class Sequences(schema.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"headers": HEADERS}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(
                response,
                checks=checks,
                transport_kwargs=kwargs or None,
                recorder=self.recorder,
            )

    started = time.monotonic()
    Sequences.run(
        settings=_settings(
            max_examples=STATEFUL_SCENARIOS,
            stateful_step_count=STATEFUL_STEPS,
            phases=[hypothesis.Phase.generate],
        )
    )
    print(f"schemathesis, stateful: {time.monotonic() - started:.1f}s")
