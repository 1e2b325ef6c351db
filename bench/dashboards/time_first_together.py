"""Time the dashboard's first requests when several people open the same view at once (a Monday
morning's managers, or the users of a web process that just started), with the cache empty.

    python bench/dashboards/time_first_together.py --tenant bench-big --together 8 --rounds 5

Each round empties the cache (the figures of every view; the sessions live there too and are
made again), then --together threads of one process, each signed in as the tenant's manager,
GET the same view (--view, the quarter by default) at the same moment, as the threads of one
gunicorn process would. It prints, per round, the milliseconds until the last answered, the
median and slowest request, and how many of the page's kept figures were counted: once each is
what dashboards.selectors.figures keeps to; without it, every request counts them all. Then the
medians of the rounds. DEBUG is off, as in production. For the code before a change, run it
from another checkout (a `git worktree`, the script copied there).
"""

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.dashboards.time_dashboard import build_cases, keep_rollups  # noqa: E402
from bench.leads.time_list import client_for, machine, setup_django  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenant", default="bench-big")
    parser.add_argument("--together", type=int, default=8, help="requests at once (8)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds, each from an empty cache")
    parser.add_argument("--view", default="?period=quarter", help="the dashboard's query string")
    parser.add_argument("--database-url", help="owner URL of the bench database (DATABASE_URL)")
    return parser.parse_args()


def counting_figures() -> list[int]:
    """Count the counts of kept figures (what a request does on a miss), in a list to read after
    each round."""
    from dashboards.selectors.figures import Figures

    counted = [0]
    kept = Figures.kept

    def kept_counting(self, report, count, *more_key):
        def counts():
            counted[0] += 1
            return count()

        return kept(self, report, counts, *more_key)

    Figures.kept = kept_counting
    return counted


def one_round(manager, url: str, together: int, counted: list[int]) -> tuple[float, list[float]]:
    from django.core.cache import cache
    from django.db import connection

    cache.clear()
    clients = [client_for(manager) for _ in range(together)]
    counted[0] = 0
    start = threading.Barrier(together)
    times: list[float] = []
    statuses: list[int] = []

    def request(client) -> None:
        start.wait()
        began = time.perf_counter()
        try:
            statuses.append(client.get(url).status_code)
        finally:
            times.append((time.perf_counter() - began) * 1000)
            connection.close()

    began = time.perf_counter()
    threads = [threading.Thread(target=request, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = (time.perf_counter() - began) * 1000
    # A thread's exception ends only that thread: check every request answered here.
    if statuses != [200] * together:
        raise SystemExit(f"GET {url} answered {statuses} ({together} sent)")
    return wall, times


def main() -> None:
    args = parse_args()
    setup_django(args.database_url)
    print(machine())
    _cases, facts = build_cases(args.tenant)
    manager = facts["manager"]
    print(keep_rollups(manager.tenant))
    client_for(manager).get("/dashboard/")  # the URL map and templates, once
    counted = counting_figures()
    url = "/dashboard/" + args.view
    rows = []
    for number in range(1, args.rounds + 1):
        wall, times = one_round(manager, url, args.together, counted)
        rows.append((wall, statistics.median(times), max(times), counted[0]))
        print(
            f"  round {number}: {args.together} requests of {url}: all answered in {wall:.0f} ms, "
            f"median {rows[-1][1]:.0f} ms, slowest {rows[-1][2]:.0f} ms, "
            f"{counted[0]} figures counted",
            flush=True,
        )
    print()
    print(
        "| requests at once | all answered, ms | median request, ms | slowest, ms | figures counted |"
    )
    print("| ---: | ---: | ---: | ---: | ---: |")
    walls, medians, slowest, counts = zip(*rows, strict=True)
    print(
        f"| {args.together} | {statistics.median(walls):.0f} | {statistics.median(medians):.0f} | "
        f"{statistics.median(slowest):.0f} | {statistics.median(counts):.0f} |"
    )


if __name__ == "__main__":
    main()
