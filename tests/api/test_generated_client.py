"""A client generated from the schema by openapi-python-client (as a customer would make one)
can send every header the docs tell users to send: the key, and on a POST the Idempotency-Key."""

import importlib
import inspect
import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from django.test.utils import override_settings

from tests.api.helpers import key_for
from tests.conftest import forget_cached_values
from tests.factories import pipeline_for

pytestmark = pytest.mark.django_db

PACKAGE = "threadline_client"


@pytest.fixture
def generated(client, tmp_path, monkeypatch):
    """The client package, generated offline from the schema the API serves."""
    schema = client.get("/api/v1/openapi.json").json()
    (tmp_path / "openapi.json").write_text(json.dumps(schema))
    # No post-hooks: the generator's default runs ruff on the code, which this test does not need.
    (tmp_path / "config.yml").write_text(f"post_hooks: []\npackage_name_override: {PACKAGE}\n")
    generator = Path(sys.executable).with_name("openapi-python-client")
    subprocess.run(  # noqa: S603 (our own tool and arguments)
        [
            str(generator),
            "generate",
            "--path",
            str(tmp_path / "openapi.json"),
            "--config",
            str(tmp_path / "config.yml"),
            "--meta",
            "none",
            "--output-path",
            str(tmp_path / PACKAGE),
            "--fail-on-warning",
        ],
        check=True,
        capture_output=True,
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield schema
    for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
        del sys.modules[name]


def _module(operation_id: str):
    found = list(Path(sys.modules[PACKAGE].__file__).parent.glob(f"api/*/{operation_id}.py"))
    assert len(found) == 1, operation_id
    return importlib.import_module(f"{PACKAGE}.api.{found[0].parent.name}.{operation_id}")


def test_every_post_of_the_generated_client_takes_an_idempotency_key(generated):
    importlib.import_module(PACKAGE)
    posts = [
        operation["operationId"]
        for item in generated["paths"].values()
        for method, operation in item.items()
        if method == "post"
    ]
    assert len(posts) >= 15
    for operation_id in posts:
        module = _module(operation_id)
        for call in (module.sync_detailed, module.asyncio_detailed):
            assert "idempotency_key" in inspect.signature(call).parameters, operation_id


@override_settings(THREADLINE_API_RATE_LIMIT=(100_000, 60))
def test_the_generated_client_sends_the_key_and_the_idempotency_key(generated, world, wsgi_app):
    forget_cached_values()
    pipeline_for(world.tenant)
    package = importlib.import_module(PACKAGE)
    intake = _module("api_endpoints_intake_intake_lead")
    body = importlib.import_module(f"{PACKAGE}.models").IntakeIn(
        name="Dana Whitfield", email="dana@example.com"
    )
    api = package.AuthenticatedClient(base_url="http://testserver", token=key_for(world))
    api.set_httpx_client(
        httpx.Client(
            base_url="http://testserver",
            transport=httpx.WSGITransport(app=wsgi_app),
            headers={"Authorization": f"Bearer {api.token}"},
        )
    )

    first = intake.sync_detailed(client=api, body=body, idempotency_key="angi-5521")
    again = intake.sync_detailed(client=api, body=body, idempotency_key="angi-5521")

    assert first.status_code == 201
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.parsed.lead_id == first.parsed.lead_id
