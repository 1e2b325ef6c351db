"""Run the load test: the app as production runs it, then Locust headless at several user counts.

    python scripts/devenv.py run -- .venv/bin/python bench/load/run.py --users 30 60 100

Run it through `scripts/devenv.py run --` with DATABASE_URL naming the bench database (the owner
role, e.g. postgresql://postgres@127.0.0.1:5432/threadline_bench, migrated, with bench-big made by
bench/leads/generate.py). It

1. migrates the database and collects the static files, as a deploy does, and starts, with `config.settings.production` (DEBUG off, whitenoise
   serving the collected, compressed files), gunicorn as the image runs it (config/gunicorn.py:
   --workers gthread processes of --threads threads), a Celery worker (prefork, --celery-concurrency) and Celery beat (every sweep on its
   schedule), Redis database --redis-db for the cache and the broker, and waits for /healthz;
2. runs bench/load/setup.py for the tenants (an inbox with signed webhooks, portal sessions,
   the stage-flow roll-up if missing);
3. for each user count, runs bench/load/locustfile.py headless for --duration (spawning --spawn-rate
   users a second, statistics reset once all have started, so the ramp-up is not in the figures),
   samples the machine meanwhile (load average, CPU of gunicorn, Celery, Locust and the bench
   database's PostgreSQL backends, and how many of those backends are active), and with --profile
   records the gunicorn workers and the Celery worker's processes with py-spy for
   --profile-seconds in the middle of the level (the worker's samples charged to its tasks);
4. writes everything under --out (default .data/load/<UTC time>/): Locust's CSV files per level
   (u30_stats.csv …), gunicorn's access log with each request's server time, the samples, the
   profiles, and summary.md with a table per level; then stops every process it started.
"""

import argparse
import csv
import datetime as dt
import itertools
import json
import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# The request path without ids, so the access log groups like Locust's names do.
ID_IN_PATH = re.compile(r"/\d+(?=/|$)")
PROFILE_RATE = 50  # py-spy's samples a second


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, nargs="+", default=[30, 60, 100])
    parser.add_argument("--duration", default="3m", help="per level, as Locust reads it (3m)")
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--tenant", action="append", help="bench tenant slug; repeatable")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 3)))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", 4)))
    parser.add_argument(
        "--worker-class", default=None, help="gunicorn's, to compare (config/gunicorn.py's)"
    )
    parser.add_argument("--celery-concurrency", type=int, default=2)
    parser.add_argument(
        "--background-nice",
        type=int,
        default=0,
        help="run the Celery worker and beat at this CPU niceness (0: as the web processes)",
    )
    parser.add_argument(
        "--worker-log-level",
        default="warning",
        help="the Celery worker's (info: each task's start and time in worker.log, to match the "
        "access log's slow seconds to the background work running then)",
    )
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--redis-db", type=int, default=10)
    parser.add_argument("--wait", default="2,8", help="seconds between a user's tasks (2,8)")
    parser.add_argument("--out", help="results directory (.data/load/<UTC time>/)")
    parser.add_argument(
        "--profile", action="store_true", help="py-spy the web workers and the Celery worker"
    )
    parser.add_argument("--profile-seconds", type=int, default=60)
    parser.add_argument("--py-spy", default=os.environ.get("PY_SPY", "py-spy"))
    parser.add_argument("--skip-setup", action="store_true", help="reuse <out>/state.json")
    return parser.parse_args()


def log(message: str) -> None:
    print(f"[load] {dt.datetime.now(dt.UTC):%H:%M:%S} {message}", flush=True)


def environment(args, out: Path) -> dict:
    redis = urlsplit(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    redis_url = urlunsplit(redis._replace(path=f"/{args.redis_db}"))
    site = f"https://127.0.0.1:{args.port}"
    # The run's own secrets, kept with its results: the portal sessions setup.py makes are signed
    # with the secret key, so a run with --skip-setup must start the app with the same one.
    kept = out / "secrets.json"
    if not kept.exists():
        kept.write_text(
            json.dumps(
                {
                    "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
                    "ANYMAIL_WEBHOOK_SECRET": f"bench:{secrets.token_urlsafe(16)}",
                }
            )
        )
        kept.chmod(0o600)
    return (
        os.environ
        | json.loads(kept.read_text())
        | {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "THREADLINE_SITE_URL": site,
            "REDIS_URL": redis_url,
            "CELERY_BROKER_URL": redis_url,
            # Outbound messages are recorded, not sent; the ESP is named only for its inbound webhook.
            "COMMS_SANDBOX": "true",
            "ANYMAIL_ESP": "postmark",
            "ANYMAIL_POSTMARK_SERVER_TOKEN": "bench-load-not-a-token",
            "PRIVATE_MEDIA_ROOT": str(out / "private"),
            "LOG_LEVEL": "WARNING",
            "WEB_CONCURRENCY": str(args.workers),
            "WEB_THREADS": str(args.threads),
            "LOAD_WAIT": args.wait,
            "LOAD_STATE": str(out / "state.json"),
            "PYTHONUNBUFFERED": "1",
        }
    )


def start(name: str, command: list[str], env: dict, out: Path) -> subprocess.Popen:
    log(f"starting {name}")
    output = (out / f"{name}.log").open("wb")
    return subprocess.Popen(  # noqa: S603  (our interpreter and tools, fixed arguments)
        command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(processes: dict[str, subprocess.Popen]) -> None:
    for process in processes.values():
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for name, process in processes.items():
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            log(f"{name} did not stop in 30 s: SIGKILL")
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_healthy(port: int, processes: dict, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/healthz", headers={"X-Forwarded-Proto": "https"}
    )
    while time.monotonic() < deadline:
        for name, process in processes.items():
            if process.poll() is not None:
                raise SystemExit(f"{name} exited with {process.returncode}; see its log")
        try:
            # Our own server's http:// URL (bandit B310 warns about file:// and custom schemes).
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310  # nosec B310
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise SystemExit("/healthz did not answer 200 in time")


# --- Sampling the machine -------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    """The process and all its descendants."""
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                todo.extend(int(child) for child in children)
        except OSError:
            continue
    return tree


def _stat(pid: int) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name (the state is [0]); [] when there is
    no such process here."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return []


def _cpu_ticks(pid: int) -> int:
    fields = _stat(pid)
    return int(fields[11]) + int(fields[12]) if fields else 0  # utime + stime


def _server_ticks(postmaster: int) -> int:
    """CPU of the whole PostgreSQL server: its live processes and, through the postmaster's
    counters of the children it has reaped, the ones that ended (a parallel query's workers
    live a fraction of a second, between two samples)."""
    fields = _stat(postmaster) if postmaster else []
    if not fields:
        return 0
    reaped = int(fields[13]) + int(fields[14])  # cutime + cstime
    return reaped + sum(_cpu_ticks(pid) for pid in _children(postmaster))


def _parent(pid: int) -> int:
    """The parent of a local process; 0 when there is none here (PostgreSQL on another host)."""
    fields = _stat(pid)
    return int(fields[1]) if fields else 0


def _machine_ticks() -> tuple[int, int]:
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values), idle


class Sampler(threading.Thread):
    """Every two seconds: load average, CPU ticks per process group, active DB backends."""

    def __init__(self, groups: dict[str, int], database_url: str, database: str):
        super().__init__(daemon=True)
        self.groups, self.database_url, self.database = groups, database_url, database
        self.stopping = threading.Event()
        self.samples: list[dict] = []

    def _backends(self, cursor) -> dict[int, str]:
        cursor.execute(
            "SELECT pid, state FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [self.database],
        )
        return dict(cursor.fetchall())

    def run(self):
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as connection:
            cursor = connection.cursor()
            cursor.execute("SELECT pg_backend_pid()")
            postmaster = _parent(cursor.fetchone()[0])
            while not self.stopping.is_set():
                backends = self._backends(cursor)
                sample = {
                    "t": time.time(),
                    "load": Path("/proc/loadavg").read_text().split()[:3],
                    "machine": _machine_ticks(),
                    "postgres": {pid: _cpu_ticks(pid) for pid in backends},
                    "server": _server_ticks(postmaster),
                    "active": sum(1 for state in backends.values() if state == "active"),
                }
                for name, pid in self.groups.items():
                    sample[name] = {p: _cpu_ticks(p) for p in _children(pid)}
                self.samples.append(sample)
                self.stopping.wait(2)

    def summary(self) -> dict:
        first, last = self.samples[0], self.samples[-1]
        seconds = last["t"] - first["t"]
        result = {"seconds": round(seconds), "load_start": first["load"], "load_end": last["load"]}
        total, idle = (b - a for a, b in zip(first["machine"], last["machine"], strict=True))
        result["machine_busy_pct"] = round(100 * (1 - idle / total), 1) if total else 0
        for name in [*self.groups, "postgres"]:
            ticks = 0
            for before, after in itertools.pairwise(self.samples):
                for pid, value in after[name].items():
                    ticks += max(0, value - before[name].get(pid, value))
            result[f"{name}_cpu_pct"] = round(100 * ticks / CLOCK_TICKS / seconds, 1)
        server = last["server"] - first["server"]
        result["postgres_server_cpu_pct"] = round(100 * server / CLOCK_TICKS / seconds, 1)
        active = [sample["active"] for sample in self.samples]
        result["db_active_mean"] = round(statistics.mean(active), 1)
        result["db_active_max"] = max(active)
        return result


# --- Profiling ------------------------------------------------------------------------------------


def profile(py_spy: str, master: int, seconds: int, out: Path) -> None:
    """py-spy a process and its subprocesses (gunicorn's workers, the Celery worker's pool) into
    collapsed stacks."""
    command = [
        py_spy, "record", "--pid", str(master), "--subprocesses", "--duration", str(seconds),
        "--rate", str(PROFILE_RATE), "--format", "raw", "--nolineno", "--full-filenames", "--output", str(out), "--nonblocking",
    ]  # fmt: skip
    subprocess.run(command, check=False, capture_output=True)  # noqa: S603  (fixed arguments)


def top_frames(collapsed: Path, limit: int = 25) -> tuple[Counter, Counter, int, int]:
    """Self and inclusive samples per frame, over the samples taken while a worker handled a
    request (its stack passes through gunicorn's handle_request); and how many samples in all."""
    own, inclusive, busy, total = Counter(), Counter(), 0, 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        weight = int(count)
        total += weight
        frames = [f for f in stack.split(";") if not f.startswith("process ")]
        if not any(f.split(" (")[0].endswith("handle_request") for f in frames):
            continue
        busy += weight
        own[frames[-1]] += weight
        for frame in set(frames):
            inclusive[frame] += weight
    return own, inclusive, busy, total


def task_samples(collapsed: Path) -> tuple[Counter, int]:
    """The Celery worker's samples per task, and how many in all. A sample is charged to the
    innermost frame of a tasks.py of ours on its stack: a sweep's per-tenant function rather than
    the fan-out wrapper around it (crm.tenancy.sweeps); samples outside any task are not counted."""
    per_task, total = Counter(), 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        total += int(count)
        ours = [
            frame
            for frame in stack.split(";")
            if frame.endswith("/tasks.py)") and str(ROOT) in frame and "/.venv/" not in frame
        ]
        if ours:
            name, _, path = ours[-1].rstrip(")").partition(" (")
            app = Path(path).relative_to(ROOT).parent.as_posix().replace("/", ".")
            if name.startswith("tenant_task."):  # crm.tenancy.tasks' wrapper, no task of ours in it
                name = "tenant_task (a tenant task's lookup, context and commit)"
            per_task[f"{app}.{name}"] += int(count)
    return per_task, total


# --- Reading Locust's and gunicorn's figures ------------------------------------------------------


def read_stats(path: Path) -> list[dict]:
    with path.open() as handle:
        return list(csv.DictReader(handle))


def server_times(access_log: Path, since: float, until: float) -> dict[str, list[float]]:
    """Milliseconds gunicorn spent per request (its %(D)s), by path with ids folded."""
    times = defaultdict(list)
    if not access_log.exists():
        return times
    for line in access_log.read_text().splitlines():
        try:
            stamp, method, path, _status, micros = line.split("|")
            when = dt.datetime.strptime(stamp, "[%d/%b/%Y:%H:%M:%S %z]").timestamp()
        except ValueError:
            continue
        if since <= when <= until:
            times[f"{method} {ID_IN_PATH.sub('/<id>', path)}"].append(int(micros) / 1000)
    return times


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def level_table(users: int, stats: list[dict], machine: dict, server: dict) -> str:
    lines = [
        f"### {users} users",
        "",
        f"Load average {' / '.join(machine['load_start'])} at the start, "
        f"{' / '.join(machine['load_end'])} at the end; machine CPU busy "
        f"{machine['machine_busy_pct']} %; CPU (% of one core): gunicorn "
        f"{machine['gunicorn_cpu_pct']}, PostgreSQL (this database's backends seen by two "
        f"samples) {machine['postgres_cpu_pct']}, the whole PostgreSQL server (parallel "
        f"workers and auxiliary processes too) {machine['postgres_server_cpu_pct']}, "
        f"Celery worker {machine['worker_cpu_pct']}, beat {machine['beat_cpu_pct']}, Locust "
        f"{machine['locust_cpu_pct']}; active DB backends mean {machine['db_active_mean']}, "
        f"max {machine['db_active_max']}.",
        "",
        "| request | count | errors | error % | p50 ms | p95 ms | p99 ms | max ms | req/s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    rows = sorted(
        (row for row in stats if int(row["Request Count"])),
        key=lambda row: (row["Name"] == "Aggregated", row["Name"]),
    )
    for row in rows:
        count, failures = int(row["Request Count"]), int(row["Failure Count"])
        name = "**all**" if row["Name"] == "Aggregated" else row["Name"]
        lines.append(
            f"| {name} | {count} | {failures} | {100 * failures / count if count else 0:.1f} | "
            f"{row['50%']} | {row['95%']} | {row['99%']} | {float(row['Max Response Time']):.0f} | "
            f"{float(row['Requests/s']):.2f} |"
        )
    everything = [ms for values in server.values() for ms in values]
    if everything:
        lines += [
            "",
            f"Server time (gunicorn's own, without waiting for a worker): p50 "
            f"{percentile(everything, 0.5):.0f} ms, p95 {percentile(everything, 0.95):.0f} ms, "
            f"p99 {percentile(everything, 0.99):.0f} ms over {len(everything)} requests.",
        ]
    return "\n".join(lines) + "\n"


# --- The run --------------------------------------------------------------------------------------


def _stop_on_sigterm(_signum, _frame):
    raise SystemExit("stopped (SIGTERM)")


def main() -> None:
    args = parse_args()
    # The finally below stops the app and Locust on Ctrl-C and on SIGTERM alike.
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = Path(args.out or ROOT / ".data" / "load" / stamp).resolve()
    out.mkdir(parents=True, exist_ok=True)
    if args.skip_setup and not (out / "state.json").exists():
        raise SystemExit(f"--skip-setup reuses {out / 'state.json'}: run once without it there")
    env = environment(args, out)
    database_url = os.environ["DATABASE_URL"]
    database = urlsplit(database_url).path.lstrip("/")
    log(f"results in {out}; database {database}, Redis {env['REDIS_URL']}")

    # What a deploy does before it starts the processes.
    for command in (["migrate", "--no-input"], ["collectstatic", "--no-input"]):
        subprocess.run(  # noqa: S603  (our interpreter, fixed arguments)
            [PYTHON, "manage.py", *command, "--verbosity", "0"], cwd=ROOT, env=env, check=True
        )
    access_format = "%(t)s|%(m)s|%(U)s|%(s)s|%(D)s"
    # nice execs the command: the process keeps the pid the samples and py-spy follow.
    nice = ["nice", "-n", str(args.background_nice)] if args.background_nice else []
    processes = {
        "gunicorn": start(
            "gunicorn",
            [
                PYTHON, "-m", "gunicorn", "config.wsgi:application",
                # The image's settings (config/gunicorn.py: gthread), here on a port of its own.
                "--config", "config/gunicorn.py",
                "--bind", f"127.0.0.1:{args.port}", "--workers", str(args.workers),
                "--threads", str(args.threads),
                *(["--worker-class", args.worker_class] if args.worker_class else []),
                "--access-logfile", str(out / "access.log"),
                "--access-logformat", access_format,
            ],
            env, out,
        ),
        "worker": start(
            "worker",
            [
                *nice, PYTHON, "-m", "celery", "-A", "config", "worker", "--pool=prefork",
                f"--concurrency={args.celery_concurrency}", "-n", f"load-{stamp}@%h",
                "--without-gossip", "--without-mingle", "-l", args.worker_log_level,
            ],
            env, out,
        ),
        "beat": start(
            "beat",
            [
                *nice, PYTHON, "-m", "celery", "-A", "config", "beat", "-l", "warning",
                "--schedule", str(out / "celerybeat-schedule"),
            ],
            env, out,
        ),
    }  # fmt: skip
    summary = [
        f"# Load test {stamp}",
        "",
        f"gunicorn {args.workers} {args.worker_class or 'gthread'} workers of {args.threads} threads, Celery worker concurrency "
        f"{args.celery_concurrency} and beat"
        f"{f' (nice {args.background_nice})' if args.background_nice else ''}; "
        f"{os.cpu_count()} CPUs; wait {args.wait} s "
        f"between a user's tasks; {args.duration} per level after spawning at "
        f"{args.spawn_rate}/s.",
        "",
    ]
    try:
        wait_healthy(args.port, processes)
        log("healthy")
        if not args.skip_setup:
            tenants = [part for slug in args.tenant or ["bench-big"] for part in ("--tenant", slug)]
            subprocess.run(  # noqa: S603  (our interpreter, fixed arguments)
                [PYTHON, "bench/load/setup.py", *tenants, "--out", env["LOAD_STATE"]],
                cwd=ROOT, env=env, check=True,
            )  # fmt: skip
        for users in args.users:
            summary.append(run_level(args, users, env, out, processes, database_url, database))
            (out / "summary.md").write_text("\n".join(summary))
    finally:
        stop(processes)
    log(f"done: {out / 'summary.md'}")
    print("\n".join(summary))


def vacuum_if_autovacuum_is_off(database_url: str) -> None:
    """A server with autovacuum off (this machine's PostgreSQL is configured so, for its CI) never
    cleans the rows the sweeps rewrite every minute: after a few levels the rollup tables held
    twenty dead rows for each live one, and every level was slower than the one before. VACUUM
    (ANALYZE) the tables past autovacuum's own threshold (50 rows + a fifth of the table), as it
    would have done in between."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as connection:
        if connection.execute("SHOW autovacuum").fetchone()[0] == "on":
            return
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT format('%I.%I', schemaname, relname) FROM pg_stat_user_tables"
                " WHERE n_dead_tup > 50 + 0.2 * greatest(n_live_tup, 0)"
            )
        ]
        started = time.perf_counter()
        for name in tables:
            connection.execute(f"VACUUM (ANALYZE) {name}")  # names quoted by format(%I)
        log(
            f"autovacuum is off on this server: vacuumed {len(tables)} tables past its threshold "
            f"in {time.perf_counter() - started:.1f} s"
        )


def run_level(args, users, env, out, processes, database_url, database) -> str:
    vacuum_if_autovacuum_is_off(database_url)
    log(f"{users} users for {args.duration}")
    seconds = locust_seconds(args.duration)
    ready = out / f"u{users}.ready"
    ready.unlink(missing_ok=True)
    locust = processes["locust"] = start(
        f"locust-u{users}",
        [
            PYTHON, "-m", "locust", "-f", "bench/load/locustfile.py", "--headless",
            "--host", f"http://127.0.0.1:{args.port}", "--users", str(users),
            "--spawn-rate", str(args.spawn_rate), "--run-time", f"{seconds + 600}s",
            "--csv", str(out / f"u{users}"), "--only-summary", "--stop-timeout", "20",
        ],
        env | {"LOAD_READY": str(ready), "LOAD_SECONDS": str(seconds)},
        out,
    )  # fmt: skip
    # Sample from the moment every user has started (when the locustfile resets its statistics).
    while not ready.exists() and locust.poll() is None:
        time.sleep(0.5)
    groups = {
        "gunicorn": processes["gunicorn"].pid,
        "worker": processes["worker"].pid,
        "beat": processes["beat"].pid,
        "locust": locust.pid,
    }
    sampler = Sampler(groups, database_url, database)
    since = time.time()
    sampler.start()
    if args.profile:
        time.sleep(max(0, seconds / 2 - args.profile_seconds / 2))
        collapsed = out / f"profile-u{users}.txt"
        worker_collapsed = out / f"profile-worker-u{users}.txt"
        log(f"py-spy on the web workers and the Celery worker for {args.profile_seconds} s")
        spies = [
            threading.Thread(target=profile, args=(args.py_spy, pid, args.profile_seconds, path))
            for pid, path in (
                (processes["gunicorn"].pid, collapsed),
                (processes["worker"].pid, worker_collapsed),
            )
        ]
        for spy in spies:
            spy.start()
        for spy in spies:
            spy.join()
        write_profile(collapsed, out / f"profile-u{users}.md")
        write_worker_profile(worker_collapsed, args.profile_seconds, out / f"profile-u{users}.md")
    locust.wait()
    del processes["locust"]
    until = time.time()
    sampler.stopping.set()
    sampler.join()
    if locust.returncode != 0 and not ready.exists():
        raise SystemExit(f"Locust stopped before its users started: {out / f'locust-u{users}.log'}")
    machine = sampler.summary()
    (out / f"machine-u{users}.json").write_text(json.dumps(machine, indent=1))
    server = server_times(out / "access.log", since, until)
    return level_table(users, read_stats(out / f"u{users}_stats.csv"), machine, server)


def locust_seconds(duration: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)([smh])", duration))


def write_profile(collapsed: Path, target: Path) -> None:
    if not collapsed.exists():
        target.write_text("py-spy wrote nothing (is it installed? --py-spy PATH)\n")
        return
    own, inclusive, busy, total = top_frames(collapsed)
    if not busy:
        target.write_text(f"{total} samples, none inside a request\n")
        return
    share = f"{busy} of {total} samples ({100 * busy / total:.0f} %) inside a request"
    lines = [f"py-spy, the gunicorn workers: {share}; percentages of those.", ""]
    lines += ["Self time (the frame on top of the stack):", ""]
    lines += [f"- {100 * n / busy:5.1f} %  {frame}" for frame, n in own.most_common(30)]
    lines += ["", "Inclusive time, Threadline's own code:", ""]
    ours = [(f, n) for f, n in inclusive.most_common() if str(ROOT) in f and "/.venv/" not in f]
    lines += [f"- {100 * n / busy:5.1f} %  {frame}" for frame, n in ours[:40]]
    lines += ["", "Inclusive time, everything:", ""]
    lines += [f"- {100 * n / busy:5.1f} %  {frame}" for frame, n in inclusive.most_common(60)]
    target.write_text("\n".join(lines) + "\n")


def write_worker_profile(collapsed: Path, seconds: int, target: Path) -> None:
    """Append the Celery worker's time per task (seconds of wall time, its waits on PostgreSQL
    included, over the profile's seconds) to the level's profile."""
    if not collapsed.exists():
        return
    per_task, total = task_samples(collapsed)
    lines = [
        "",
        f"The Celery worker's processes over {seconds} s: {total / PROFILE_RATE:.1f} s of samples, "
        f"{sum(per_task.values()) / PROFILE_RATE:.1f} s inside our tasks:",
        "",
        "| task (innermost tasks.py frame) | seconds | share of the profile's wall time |",
        "| --- | ---: | ---: |",
    ]
    lines += [
        f"| `{task}` | {n / PROFILE_RATE:.1f} | {100 * n / PROFILE_RATE / seconds:.1f} % |"
        for task, n in per_task.most_common(25)
    ]
    with target.open("a") as handle:
        handle.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
