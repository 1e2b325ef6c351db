"""The lead list's CPU per request in process, this checkout against another, alternating.

    python bench/leads/cpu_list.py --tenant bench-small --rounds 30 --compare ../threadline-base
    python bench/leads/cpu_list.py --tenant bench-small --profile "manager, page 1" --rounds 50

Run it through `scripts/devenv.py run --` (DATABASE_URL, REDIS_URL). One worker process per
checkout (its own code on sys.path, the production settings of bench/leads/site with DEBUG off, as
the app role), each requesting the list with Django's test Client; the driver asks them in turn,
case by case, round by round (which one goes first alternates), so both see the same load. Per
request: the worker's own CPU time (`time.process_time`: Python and the database driver, not the
PostgreSQL server), its wall time and its SQL statements (BEGIN and COMMIT included).

Before timing, each case's HTML from both checkouts is compared (the CSRF token aside): the
script says which cases differ. --profile CASE runs cProfile in this checkout's worker only over
--rounds requests of the case and prints the functions that took the most time.

Read-only: the sessions live in the cache (Redis), made without signing in (no last_login
written), and the list's GET requests write nothing.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
ROOT = HERE.parents[2]
SITE = ROOT / "bench" / "leads" / "site"
CSRF = re.compile(r'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]*(")')


def worker_environment() -> dict:
    import secrets

    return {
        "DJANGO_SETTINGS_MODULE": "leadlist_bench_settings",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(40),
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(SITE),
    }


# --- the worker: one checkout's code --------------------------------------------------------------


def build_cases(tenant_slug: str) -> tuple[list[dict], dict]:
    """The cases, with their filter values taken from the tenant's data (the same in each worker:
    the same rows give the same values), and the members they sign in as."""
    from django.db import transaction
    from django.db.models import Count

    from crm.models import Membership, Role, Tenant
    from crm.tenancy import tenant_context
    from leads.models import Lead, LeadSource

    tenant = Tenant.objects.get(slug=tenant_slug)
    with transaction.atomic(), tenant_context(tenant):
        manager = Membership.objects.filter(tenant=tenant, role=Role.MANAGER).order_by("pk")[0]
        open_leads = Lead.objects.filter(tenant=tenant, status="open")
        busiest = (
            open_leads.filter(owner__role=Role.REP)
            .values("owner")
            .annotate(n=Count("id"))
            .order_by("-n", "owner")[0]
        )
        stage = (
            open_leads.values("stage").annotate(n=Count("id")).order_by("-n", "stage")[0]["stage"]
        )
        source = LeadSource.objects.filter(tenant=tenant).order_by("pk")[0].pk
        m, rep = manager.pk, busiest["owner"]
        members = {
            member.pk: member
            for member in Membership.objects.select_related("user").filter(pk__in=[m, rep])
        }
    htmx = {"HTTP_HX_REQUEST": "true"}
    return [
        {"name": "manager, page 1 (priority)", "member": m, "params": {}},
        {"name": "rep, page 1", "member": rep, "params": {}},
        {"name": "manager, sort by aging", "member": m, "params": {"sort": "aging"}},
        {"name": "manager, any status, by created", "member": m,
         "params": {"status": "all", "sort": "created"}},
        {"name": "filter stage", "member": m, "params": {"stage": stage}},
        {"name": "filter aging=red", "member": m, "params": {"aging": "red"}},
        {"name": "search 'mar'", "member": m, "params": {"q": "mar"}},
        {"name": "htmx: next page", "member": m, "params": {}, "next_page": True,
         "headers": htmx},
        {"name": "htmx: rep, next page by aging", "member": rep, "params": {"sort": "aging"},
         "next_page": True, "headers": htmx},
        {"name": "htmx: filter in place (source)", "member": m, "params": {"source": source},
         "headers": {**htmx, "HTTP_HX_TARGET": "lead-results"}},
    ], members  # fmt: skip


def worker(root: Path, tenant_slug: str) -> None:
    os.chdir(root)
    sys.path.insert(0, str(root))
    sys.path.insert(0, str(SITE))
    import logging

    import django

    django.setup()
    logging.disable(logging.INFO)
    from urllib.parse import urlencode

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    cases, members = build_cases(tenant_slug)
    from time_list import client_for  # a session without signing in: nothing written

    clients = {pk: client_for(member) for pk, member in members.items()}
    base = reverse("leads:list")
    urls = []
    for case in cases:
        params = dict(case["params"])
        if case.get("next_page"):
            # The "Show more" link of the case's first page.
            page = clients[case["member"]].get(base, params, secure=True).content.decode()
            params["after"] = re.search(r"after=([\w-]+)", page.split('id="load-more"')[1])[1]
        urls.append(base + ("?" + urlencode(params) if params else ""))

    def get(index: int):
        case = cases[index]
        client = clients[case["member"]]
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as captured:
            cpu, wall = time.process_time(), time.perf_counter()
            response = client.get(urls[index], secure=True, **case.get("headers", {}))
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        if response.status_code != 200:
            raise SystemExit(f"{case['name']}: {urls[index]} answered {response.status_code}")
        return response, cpu * 1000, wall * 1000, len(captured)

    print(json.dumps({"cases": [case["name"] for case in cases]}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        if command["do"] == "html":
            response = get(command["case"])[0]
            html = CSRF.sub(r"\1…\2", response.content.decode())
            print(json.dumps({"html": html}), flush=True)
        elif command["do"] == "time":
            _, cpu, wall, queries = get(command["case"])
            print(json.dumps({"cpu": cpu, "wall": wall, "queries": queries}), flush=True)
        elif command["do"] == "profile":
            import cProfile
            import pstats

            profile = cProfile.Profile(time.process_time)  # CPU, not waits on the database
            for _ in range(command["runs"]):
                profile.enable()
                get(command["case"])
                profile.disable()
            stats = pstats.Stats(profile, stream=sys.stderr)
            stats.sort_stats("cumulative").print_stats(60)
            stats.sort_stats("tottime").print_stats(40)
            if os.environ.get("CPU_LIST_CALLERS"):
                stats.print_callers(os.environ["CPU_LIST_CALLERS"])
            by_file: dict[str, float] = {}
            for (filename, _, _), (_, _, own, _, _) in stats.stats.items():
                by_file[filename] = by_file.get(filename, 0.0) + own
            total = sum(by_file.values())
            print("\nown time per file, % of the profiled CPU:", file=sys.stderr)
            for filename, own in sorted(by_file.items(), key=lambda item: -item[1])[:40]:
                print(f"{100 * own / total:5.1f}  {filename}", file=sys.stderr)
            print(json.dumps({"done": True}), flush=True)


# --- the driver ---------------------------------------------------------------------------------


class Worker:
    def __init__(self, root: Path, tenant: str):
        self.root = root
        self.process = subprocess.Popen(  # noqa: S603  (our interpreter, fixed arguments)
            [sys.executable, str(HERE), "--worker", str(root), "--tenant", tenant],
            cwd=root, env=os.environ | worker_environment(),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.cases = self.read()["cases"]

    def read(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"the worker of {self.root} stopped")
        return json.loads(line)

    def ask(self, **command) -> dict:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return self.read()

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenant", default="bench-small")
    parser.add_argument("--rounds", type=int, default=30, help="timed requests per case (30)")
    parser.add_argument("--compare", default="", help="the other checkout (its root)")
    parser.add_argument("--only", default="", help="only the cases whose name contains this")
    parser.add_argument("--profile", default="", help="cProfile the case whose name has this")
    parser.add_argument("--worker", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(Path(args.worker), args.tenant)
        return
    workers = {"after": Worker(ROOT, args.tenant)}
    if args.compare and not args.profile:
        workers = {"before": Worker(Path(args.compare).resolve(), args.tenant), **workers}
    names = workers["after"].cases
    chosen = [i for i, name in enumerate(names) if (args.profile or args.only) in name]
    try:
        if args.profile:
            workers["after"].ask(do="time", case=chosen[0])  # warm up
            workers["after"].ask(do="profile", case=chosen[0], runs=args.rounds)
            return
        if "before" in workers:
            differences = Path(tempfile.mkdtemp(prefix="cpu-list-"))
            for index in chosen:
                for _ in range(3):  # a minute may turn between the two ("31m in stage")
                    pages = {
                        name: w.ask(do="html", case=index)["html"] for name, w in workers.items()
                    }
                    same = pages["before"] == pages["after"]
                    if same:
                        break
                print(f"HTML {'same' if same else 'DIFFERS'}: {names[index]}", flush=True)
                if not same:
                    for name, html in pages.items():
                        (differences / f"{index}_{name}.html").write_text(html)
                    print(f"  (both pages in {differences})")
        results = {(name, i): [] for name in workers for i in chosen}
        order = list(workers)
        for round_ in range(args.rounds + 1):  # round 0 warms up
            for index in chosen:
                for name in order:
                    result = workers[name].ask(do="time", case=index)
                    if round_:
                        results[(name, index)].append(result)
                order.reverse()
        print(f"\nload average at the end: {os.getloadavg()}")
        print(f"{args.rounds} rounds; medians of ms per request in process")
        if "before" in workers:
            print("| case | before CPU | after CPU | ratio | before wall | after wall "
                  "| queries before → after |")  # fmt: skip
            print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        else:
            print("| case | CPU | wall | queries |\n| --- | ---: | ---: | ---: |")
        for index in chosen:

            def median(name, key, index=index):
                return statistics.median(r[key] for r in results[(name, index)])

            if "before" in workers:
                print(
                    f"| {names[index]} | {median('before', 'cpu'):.1f} | "
                    f"{median('after', 'cpu'):.1f} | "
                    f"{median('after', 'cpu') / median('before', 'cpu'):.2f} | "
                    f"{median('before', 'wall'):.1f} | {median('after', 'wall'):.1f} | "
                    f"{results[('before', index)][0]['queries']} → "
                    f"{results[('after', index)][0]['queries']} |"
                )
            else:
                print(
                    f"| {names[index]} | {median('after', 'cpu'):.1f} | "
                    f"{median('after', 'wall'):.1f} | {results[('after', index)][0]['queries']} |"
                )
    finally:
        for w in workers.values():
            w.close()


if __name__ == "__main__":
    main()
