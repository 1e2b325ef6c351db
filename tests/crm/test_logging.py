import io
import json
import logging

import pytest
from django.urls import reverse

from crm.logging import JsonFormatter, RequestContextFilter, bind_log_context, log_context
from tests.conftest import sign_in


@pytest.fixture
def json_log():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    yield stream
    logger.removeHandler(handler)


def test_json_lines_carry_the_bound_context():
    record = logging.LogRecord("threadline", logging.INFO, __file__, 1, "hello %s", ("you",), None)
    token = bind_log_context(request_id="abc123", tenant="demo", user=7)
    try:
        RequestContextFilter().filter(record)
    finally:
        log_context.reset(token)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "hello you"
    assert (entry["request_id"], entry["tenant"], entry["user"]) == ("abc123", "demo", 7)


@pytest.mark.django_db
def test_a_request_logs_its_id_tenant_and_user(client, world, json_log):
    sign_in(client, world.rep)
    response = client.get(reverse("settings:profile"))  # a rep: 403, which Django logs
    entry = json.loads(json_log.getvalue().splitlines()[-1])
    assert entry["level"] == "WARNING"
    assert entry["request_id"] == response["X-Request-ID"]
    assert entry["tenant"] == world.tenant.slug
    assert entry["user"] == world.rep.user.pk
