"""The test suite (`make test`): fast hashing, mail kept in memory, no lockout bleed between tests."""

import os
import tempfile
from urllib.parse import urlsplit, urlunsplit

from .base import *  # noqa: F403

SECRET_KEY = "test-only-insecure-key"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# Redis databases of their own, so a test run never flushes the dev cache or takes a dev worker's
# tasks, and a queue per run, so two runs at once never take each other's tasks. The worker
# processes a test starts are handed their run's queue (THREADLINE_TEST_QUEUE).
CACHES["default"]["LOCATION"] = urlunsplit(urlsplit(REDIS_URL)._replace(path="/14"))  # noqa: F405
CACHES["default"]["KEY_PREFIX"] = f"threadline-test-{os.getpid()}"  # noqa: F405
CELERY_BROKER_URL = urlunsplit(urlsplit(REDIS_URL)._replace(path="/15"))  # noqa: F405
CELERY_TASK_DEFAULT_QUEUE = (
    os.environ.get("THREADLINE_TEST_QUEUE") or f"threadline-test-{os.getpid()}"
)
# The messages queue is the run's queue too, so the worker processes the tests start take every
# task; tests/crm/test_queues.py checks the routing with queues of its own and under production
# settings.
THREADLINE_MESSAGES_QUEUE = CELERY_TASK_DEFAULT_QUEUE
CELERY_TASK_QUEUES = celery_queues(CELERY_TASK_DEFAULT_QUEUE)  # noqa: F405
LOGGING["root"]["level"] = "WARNING"  # noqa: F405

# Serve static files straight from static/ without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Outbound messages are recorded by the sandbox provider unless a test switches it off.
COMMS_SANDBOX = True
# Tests that want the sandbox's delivery reports turn them on (tests/messaging/test_sandbox_reports.py).
COMMS_SANDBOX_REPORTS = False
# The payments sandbox is allowed (a test of production's refusal switches it off).
PAYMENTS_SANDBOX = True

# Attachments land in a directory of this run's own.
STORAGES["private"]["OPTIONS"]["location"] = tempfile.mkdtemp(prefix="threadline-private-")  # noqa: F405
# Webhook credentials the tests sign their provider payloads with.
ANYMAIL = ANYMAIL | {  # noqa: F405
    "WEBHOOK_SECRET": "test:test-webhook-secret",
    "MAILGUN_WEBHOOK_SIGNING_KEY": "test-mailgun-signing-key",
}
# The tests' own HTTP server receives webhooks on 127.0.0.1 (tests/webhooks/); the SSRF tests
# switch this off to see production's refusal.
WEBHOOKS_ALLOW_LOCAL_TARGETS = True
WEBHOOKS_TIMEOUT_SECONDS = 2
