"""`make dev` serves as production does: Procfile.dev's web command (gunicorn with config/gunicorn.py,
reloading) holds a bounded number of database connections, whatever a burst of clients does."""

import os
import shlex
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connections

from crm import dbconfig
from tests.api.helpers import key_for
from tests.conftest import build_world

ROOT = Path(__file__).resolve().parents[1]
WORKERS, THREADS = 2, 4
CLIENTS = 16
APPLICATION_NAME = "threadline-dev-server-test"

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "owner"])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _procfile_web() -> str:
    for line in (ROOT / "Procfile.dev").read_text().splitlines():
        if line.startswith("web: "):
            return line.removeprefix("web: ")
    raise AssertionError("Procfile.dev has no web process")


def _this_database_url() -> str:
    """DATABASE_URL naming the test database the suite is using."""
    parts = urlsplit(dbconfig.owner_url())
    path = "/" + settings.DATABASES["owner"]["NAME"]
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment))


def _app_connections() -> int:
    """The web process's connections, by the application name its libpq gives them: the suite's
    own (and those an earlier test's threads left to the garbage collector) stay out of it."""
    with connections["owner"].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = %s AND usename = %s AND application_name = %s",
            [settings.DATABASES["owner"]["NAME"], dbconfig.app_role(), APPLICATION_NAME],
        )
        return cursor.fetchone()[0]


@pytest.fixture
def dev_server():
    port = _free_port()
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DATABASE_URL": _this_database_url(),
        "PORT": str(port),
        "WEB_CONCURRENCY": str(WORKERS),
        "WEB_THREADS": str(THREADS),
        # The bursts' 1,200 requests in a minute stay under the key's limit.
        "THREADLINE_API_RATE_LIMIT": "5000",
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "PGAPPNAME": APPLICATION_NAME,  # libpq names each connection the web process opens
    }
    env.pop("DATABASE_APP_URL", None)
    server = subprocess.Popen(  # noqa: S603
        ["bash", "-c", _procfile_web()],  # noqa: S607
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    # Ready once a worker has loaded the app and answers (the master listens before that).
    deadline = time.monotonic() + 180
    while True:
        try:
            http = HTTPConnection("127.0.0.1", port, timeout=60)
            http.request("GET", "/accounts/login/")
            assert http.getresponse().status == 200
            http.close()
            break
        except OSError:
            assert server.poll() is None, server.stderr.read().decode()
            assert time.monotonic() < deadline, "the web process did not answer"
            time.sleep(0.5)
    try:
        yield port
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)


def _burst(port: int, key: str, requests: int) -> list[int]:
    def one(_n):
        # A new TCP connection each time, as many clients at once open them.
        http = HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            http.request("GET", "/api/v1/contacts/", headers={"Authorization": f"Bearer {key}"})
            return http.getresponse().status
        finally:
            http.close()

    with ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(one, range(requests)))


def test_the_procfile_serves_with_gunicorn_reloading():
    command = shlex.split(_procfile_web())
    assert "GUNICORN_RELOAD=1" in command
    assert command[command.index("--config") + 1] == "config/gunicorn.py"


def test_a_burst_of_new_connections_gets_no_5xx_and_holds_no_more_connections(dev_server):
    key = key_for(build_world("Burst Roofing"))

    first = _burst(dev_server, key, 200)
    after_first = _app_connections()
    second = _burst(dev_server, key, 1000)
    after_second = _app_connections()

    assert set(first) == set(second) == {200}
    assert after_first > 0  # the count sees the web process
    # One connection at most per serving thread, kept for the next request (CONN_MAX_AGE), never
    # one per client connection.
    assert after_first <= WORKERS * THREADS
    assert after_second <= WORKERS * THREADS
