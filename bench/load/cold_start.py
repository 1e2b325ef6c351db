"""Time the first requests of a web server that has just started: gunicorn as the load test runs
it, then --requests requests to one page at once, as a load balancer sends them to a new host.

    python scripts/devenv.py run -- .venv/bin/python bench/load/cold_start.py \
        --state .data/load/RUN --path /leads/ --rounds 3

Run it through `scripts/devenv.py run --` with DATABASE_URL naming the bench database, after a
bench/load/run.py run whose directory (--state) holds its state.json and secrets.json: the staff
sessions setup.py signed in (kept in Redis database --redis-db, as the run left them). It collects
the static files, as a deploy does; then each round starts gunicorn afresh (config/gunicorn.py,
production settings, --workers x --threads), waits until it answers (any status: /healthz also
asks for a Celery worker, which this does not start), sends the requests together, one per
session, prints each one's time in milliseconds, and stops it. To compare with other code, run the same file from a checkout of that code (a `git
worktree`) on the same database.
"""

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as load


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--state", required=True, help="a bench/load/run.py output directory")
    parser.add_argument("--path", default="/leads/", help="the page (/leads/)")
    parser.add_argument("--requests", type=int, default=12, help="sent at once (12: 3 x 4)")
    parser.add_argument("--rounds", type=int, default=3, help="fresh starts (3)")
    parser.add_argument("--redis-db", type=int, default=11)
    parser.add_argument("--port", type=int, default=8799)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    return parser.parse_args()


def answering(port: int, server) -> None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/healthz", headers={"X-Forwarded-Proto": "https"}
    )
    while server.poll() is None:
        try:
            # Our own server's http:// URL (bandit B310 warns about file:// and custom schemes).
            urllib.request.urlopen(request, timeout=10)  # noqa: S310  # nosec B310
            return
        except urllib.error.HTTPError:
            return  # it answers; only a part of the health check failed
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn exited; see its log")


def first_requests(args, sessions: list[str]) -> list[float]:
    times: list[float] = []
    failures: list[str] = []  # a thread's exception would end only that thread, silently

    def get(session: str) -> None:
        request = urllib.request.Request(
            f"http://127.0.0.1:{args.port}{args.path}",
            headers={"X-Forwarded-Proto": "https", "Cookie": f"__Secure-sessionid={session}"},
        )
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310  # nosec B310
                response.read()
                if response.url.endswith("/accounts/login/"):
                    failures.append("the session was refused: run bench/load/run.py again")
                    return
        except OSError as error:  # urllib's HTTPError (a 500) and connection errors
            failures.append(f"{args.path}: {error}")
            return
        times.append((time.perf_counter() - start) * 1000)

    threads = [
        threading.Thread(target=get, args=(sessions[index % len(sessions)],))
        for index in range(args.requests)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"{len(failures)} of {args.requests} failed, e.g. {failures[0]}")
    return sorted(times)


def main() -> None:
    args = parse_args()
    state = Path(args.state).resolve()
    sessions = [
        session
        for tenant in json.loads((state / "state.json").read_text())["tenants"]
        for member in tenant["staff"]
        for session in member["sessions"]
    ]
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch)
        shutil.copy(state / "secrets.json", out / "secrets.json")  # the sessions' secret key
        env = load.environment(
            argparse.Namespace(
                redis_db=args.redis_db, port=args.port, workers=args.workers,
                threads=args.threads, wait="2,8",
            ),
            out,
        )  # fmt: skip
        # As a deploy does before it starts the web processes (the pages name collected files).
        subprocess.run(  # noqa: S603  (our interpreter, fixed arguments)
            [load.PYTHON, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
            cwd=load.ROOT, env=env, check=True,
        )  # fmt: skip
        print(f"{args.requests} requests of {args.path} at once, right after gunicorn starts "
              f"({args.workers} x {args.threads}); ms, sorted")  # fmt: skip
        every = []
        for round_number in range(1, args.rounds + 1):
            command = [
                load.PYTHON, "-m", "gunicorn", "config.wsgi:application",
                "--config", "config/gunicorn.py", "--bind", f"127.0.0.1:{args.port}",
                "--workers", str(args.workers), "--threads", str(args.threads),
            ]  # fmt: skip
            server = load.start("gunicorn", command, env, out)
            try:
                answering(args.port, server)
                times = first_requests(args, sessions)
            finally:
                load.stop({"gunicorn": server})
            every += times
            print(f"  round {round_number}: " + ", ".join(f"{ms:.0f}" for ms in times))
        print(f"median {statistics.median(every):.0f} ms, max {max(every):.0f} ms")


if __name__ == "__main__":
    main()
