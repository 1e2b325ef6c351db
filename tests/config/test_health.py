import pytest
from celery.contrib.testing.worker import start_worker
from django.urls import reverse

from config.celery import app as celery_app

pytestmark = pytest.mark.django_db(transaction=True)


def test_healthz_reports_each_dependency_when_all_answer(client):
    with start_worker(celery_app, pool="threads", perform_ping_check=False, shutdown_timeout=10):
        response = client.get(reverse("healthz"))
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"] == "ok"
    assert body["checks"]["celery"] == "ok"


def test_healthz_is_503_and_names_the_failure_without_a_worker(client):
    response = client.get(reverse("healthz"))
    body = response.json()
    assert response.status_code == 503
    assert body["checks"]["celery"] == "failing: RuntimeError"
    assert body["checks"]["database"] == "ok"


def test_healthz_is_503_when_redis_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["checks"]["redis"].startswith("failing")
