"""Time the template rendering of a dashboard page, template by template (each one's time includes
the templates it includes), at a million leads, signed in as the tenant's manager.

    python bench/dashboards/time_templates.py --tenant bench-big --runs 11
    python bench/dashboards/time_templates.py --url "/dashboard/?period=month&tab=aging"

Uses the tenant bench/leads/generate.py makes (bench/make_dataset.py). Figures are kept in the
cache as in production after the first request, so the runs time the page's rendering with its
figures read; the first request is left out. Prints each template's renders per request and
milliseconds per request (the mean of --runs), slowest first.
"""

import argparse
import gc
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.dashboards.time_dashboard import build_cases, keep_rollups  # noqa: E402
from bench.leads.time_list import client_for, machine, setup_django  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenant", default="bench-big")
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--url", default="/dashboard/?period=year&tab=team")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    setup_django(args.database_url)
    print(machine())
    _cases, facts = build_cases(args.tenant)
    keep_rollups(facts["manager"].tenant)

    from django.template.base import Template

    client = client_for(facts["manager"])
    client.get(args.url)  # the templates compiled, the figures counted and kept
    gc.freeze()  # as config/memory.py does in a web process
    times: dict[str, list[float]] = {}
    render = Template._render

    def timed_render(template, context):
        started = time.perf_counter()
        try:
            return render(template, context)
        finally:
            name = template.origin.template_name if template.origin else "(string)"
            times.setdefault(name, []).append((time.perf_counter() - started) * 1000)

    Template._render = timed_render
    try:
        for _ in range(args.runs):
            response = client.get(args.url)
            if response.status_code != 200:
                raise SystemExit(f"GET {args.url} answered {response.status_code}")
    finally:
        Template._render = render
    print(f"{args.url}: {len(response.content):,} bytes of HTML, {args.runs} requests")
    print("| template | renders per request | ms per request |")
    print("| --- | ---: | ---: |")
    for name, spent in sorted(times.items(), key=lambda item: -sum(item[1])):
        print(f"| {name} | {len(spent) / args.runs:.0f} | {sum(spent) / args.runs:.1f} |")


if __name__ == "__main__":
    main()
