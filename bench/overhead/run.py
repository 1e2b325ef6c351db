"""The fixed cost of a signed-in request: statements and CPU per page, before and after a change.

    python scripts/devenv.py run -- .venv/bin/python bench/overhead/run.py --compare <git ref>

Run it through `scripts/devenv.py run --` with DATABASE_URL naming the bench database (the owner
role, e.g. postgresql://postgres@127.0.0.1:5432/threadline_bench, with bench-big made by
bench/leads/generate.py). Each round starts one process per code tree (this checkout, and with
--compare the given commit, unpacked with `git archive` into a temporary directory), in
alternating order; each process signs in a manager of --tenant (a session row of its own, deleted
at the end; no other row is written), requests every page --warmup times and then --requests
times, and reports per page the statements one request runs (Django's count: the connection's
health check and BEGIN/COMMIT are not in it), the median CPU time of the request in the process
(`time.process_time()`, which the neighbours on a shared machine do not change), the median wall
time, and the bytes of the page with and without gzip. Settings are production's (DEBUG off,
persistent connections with health checks) as the app role, so every statement pays for
row-level security. It prints a Markdown table of the medians over --rounds rounds.
"""

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import import_module
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenant", default="bench-big")
    parser.add_argument("--compare", help="a git ref to measure against (e.g. main)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=40, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--only", default="", help="only the pages whose name contains this")
    parser.add_argument(
        "--profile",
        metavar="PAGE",
        help="profile --requests requests of the first page whose name contains PAGE with "
        "pyinstrument (installed apart: PYTHONPATH=<its directory>) and print the tree",
    )
    parser.add_argument(
        "--options",
        help='also measure this checkout with these DATABASES["default"]["OPTIONS"] added (JSON, '
        'e.g. {"server_side_binding": true, "prepare_threshold": 2})',
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)  # the code tree to measure
    return parser.parse_args()


# --- In a worker process: one code tree ------------------------------------------------------------


def setup_django(tree: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-overhead-not-a-secret")
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
    os.environ["LOG_LEVEL"] = "ERROR"
    os.environ["LOG_FORMAT"] = "text"
    sys.path.insert(0, str(tree))
    os.chdir(tree)
    import django

    django.setup()
    from django.conf import settings

    if os.environ.get("OVERHEAD_DB_OPTIONS"):
        settings.DATABASES["default"]["OPTIONS"].update(
            json.loads(os.environ["OVERHEAD_DB_OPTIONS"])
        )
    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        # Production's manifest storage needs the collected files (as a deploy makes them).
        from django.core.management import call_command

        call_command("collectstatic", interactive=False, verbosity=0)


def sign_in(tenant_slug: str):
    """A session for the tenant's first manager, as the tenant picker leaves it (no last_login
    written: the bench database is shared and read-only but for this one new row)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from crm.models import Membership, Role

    membership = (
        Membership.unscoped.using("owner")
        .filter(tenant__slug=tenant_slug, role=Role.MANAGER, is_active=True)
        .select_related("user", "tenant")
        .order_by("user__email")
        .first()
    )
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(membership.user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = membership.user.get_session_auth_hash()
    session["active_membership_id"] = membership.pk
    session["membership_count"] = 1
    session.create()
    return membership, session


def some_lead_id(membership) -> int:
    from django.db import connections

    with connections["owner"].cursor() as cursor:
        cursor.execute(
            "SELECT id FROM leads_lead WHERE tenant_id = %s AND status = 'open' "
            "ORDER BY priority_score DESC, id DESC LIMIT 1",
            [membership.tenant_id],
        )
        return cursor.fetchone()[0]


def pages(lead_id: int) -> list[tuple[str, str, dict]]:
    htmx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "https://testserver/leads/"}
    return [
        ("notification bell (htmx)", "/notifications/bell/", htmx),
        ("notifications", "/notifications/", {}),
        ("lead list", "/leads/", {}),
        ("lead list (htmx, in place)", "/leads/?sort=aging", {**htmx, "HTTP_HX_TARGET": "lead-results"}),
        ("row: action menu (htmx)", f"/leads/{lead_id}/actions/?next=%2Fleads%2F", htmx),
        ("row: refresh (htmx)", f"/leads/{lead_id}/row/?next=%2Fleads%2F", {**htmx, "HTTP_HX_TARGET": f"lead-{lead_id}"}),
    ]  # fmt: skip


def profile(args) -> None:
    from pyinstrument import Profiler

    setup_django(ROOT)
    from django.conf import settings
    from django.test import Client

    membership, session = sign_in(args.tenant)
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    try:
        name, url, headers = next(
            p for p in pages(some_lead_id(membership)) if args.profile in p[0]
        )
        for _ in range(args.warmup):
            client.get(url, secure=True, **headers)
        profiler = Profiler(interval=0.0005)
        with profiler:
            for _ in range(args.requests):
                client.get(url, secure=True, **headers)
        print(f"{name}: {args.requests} requests")
        print(profiler.output_text(unicode=True, show_all=False, timeline=False))
    finally:
        session.delete()


def measure(tree: Path, args) -> dict:
    setup_django(tree)
    from django.conf import settings
    from django.db import connections
    from django.test import Client

    membership, session = sign_in(args.tenant)
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    results = {}
    try:
        for name, url, headers in pages(some_lead_id(membership)):
            if args.only and args.only not in name:
                continue
            for _ in range(args.warmup):
                response = client.get(url, secure=True, **headers)
                if response.status_code != 200:
                    raise SystemExit(f"{url} answered {response.status_code}")
            statements = []

            def count(execute, sql, params, many, context, statements=statements):
                statements.append(sql)
                return execute(sql, params, many, context)

            with connections["default"].execute_wrapper(count):
                response = client.get(url, secure=True, **headers)
            cpu, wall = [], []
            for _ in range(args.requests):
                started_cpu, started = time.process_time(), time.perf_counter()
                client.get(url, secure=True, **headers)
                cpu.append((time.process_time() - started_cpu) * 1000)
                wall.append((time.perf_counter() - started) * 1000)
            started_cpu = time.process_time()
            zipped = gzip.compress(response.content, 6)
            results[name] = {
                "queries": len(statements),
                "cpu_ms": statistics.median(cpu),
                "wall_ms": statistics.median(wall),
                "bytes": len(response.content),
                "gzip_bytes": len(zipped),
                "gzip_cpu_ms": (time.process_time() - started_cpu) * 1000,
            }
    finally:
        session.delete()
    return results


# --- The driver: rounds of alternating processes ---------------------------------------------------


def unpack(ref: str, into: Path) -> Path:
    archive = subprocess.run(  # noqa: S603  (git, fixed arguments)
        ["git", "archive", "--format=tar", ref],  # noqa: S607
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)  # noqa: S603, S607
    return into


def run_worker(tree: Path, args, options: str = "") -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", str(tree),
               "--tenant", args.tenant, "--requests", str(args.requests),
               "--warmup", str(args.warmup), "--only", args.only]  # fmt: skip
    env = os.environ | {"OVERHEAD_DB_OPTIONS": options}
    done = subprocess.run(command, check=False, capture_output=True, text=True, env=env)  # noqa: S603
    if done.returncode:
        raise SystemExit(f"{tree}: {done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    args = parse_args()
    if args.worker:
        print(json.dumps(measure(Path(args.worker), args)))
        return
    if args.profile:
        profile(args)
        return
    trees = {"this checkout": (ROOT, "")}
    if args.options:
        trees["this checkout + OPTIONS"] = (ROOT, args.options)
    with tempfile.TemporaryDirectory(prefix="overhead-bench-") as scratch:
        if args.compare:
            trees = {args.compare: (unpack(args.compare, Path(scratch)), ""), **trees}
        runs: dict[str, list[dict]] = {label: [] for label in trees}
        for number in range(args.rounds):
            order = list(trees.items())
            for label, (tree, options) in order if number % 2 == 0 else reversed(order):
                runs[label].append(run_worker(tree, args, options))
                print(f"round {number + 1}: {label} done", file=sys.stderr, flush=True)
    print(f"Tenant {args.tenant}; {args.rounds} rounds of {args.requests} requests per page, "
          f"medians; load average {os.getloadavg()[0]:.1f} at the end"
          + (f"; OPTIONS: {args.options}" if args.options else "") + ".\n")  # fmt: skip
    print("| page | code | statements | CPU ms | wall ms | bytes | gzip bytes | gzip CPU ms |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for page in runs[next(iter(trees))][0]:
        for label in trees:
            figures = [run[page] for run in runs[label]]
            median = {key: statistics.median(f[key] for f in figures) for key in figures[0]}
            print(f"| {page} | {label} | {median['queries']:.0f} | {median['cpu_ms']:.1f} | "
                  f"{median['wall_ms']:.1f} | {median['bytes']:,.0f} | {median['gzip_bytes']:,.0f} | "
                  f"{median['gzip_cpu_ms']:.2f} |")  # fmt: skip


if __name__ == "__main__":
    main()
