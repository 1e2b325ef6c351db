"""Import raw email into a tenant's inbox, for moving mail over and for trying real messages:

    manage.py import_email --tenant demo [--inbox Support] [--live] FILE...

Each .eml file is one message; an mbox file (one that starts with a "From " line) holds many.
Every message takes the webhook's way in (tickets.services.ingest.email_inbound_store, provider "import"):
stored raw under the hash of its bytes, so a file imported twice, or a message that already came
through an ESP byte for byte, is stored once, while a different message that reuses a Message-ID
(mailers and forwarding tools do) is kept; then it is threaded here and now rather than by a
worker. It goes to the
tenant's inbox whose address (or reply address) is among its recipients, or, with --inbox, to
that inbox whatever it was addressed to.

Imported mail is history: each message takes the time its last server received it (its newest
Received: header, else its Date), a new ticket is resolved, and no SLA clock starts, nobody is
assigned or told, nothing reopens. With --live the messages are treated as mail arriving now.
"""

from collections import Counter
from pathlib import Path
from typing import NamedTuple

from django.core.management.base import BaseCommand, CommandError

from crm.models import Tenant
from crm.tenancy import tenant_context
from tickets.models import EventProvider, InboundEvent, Inbox
from tickets.normalise import read_eml, read_mbox
from tickets.services.ingest import email_inbound_store, inbound_event_process


class Outcome(NamedTuple):
    kind: str  # threaded, report, failed, duplicate or unrouted
    detail: str = ""


def _messages(path: Path):
    """(where, raw bytes) of each message in the file."""
    with path.open("rb") as file:
        is_mbox = file.read(5) == b"From "
    if not is_mbox:
        yield str(path), read_eml(path)
        return
    for number, raw in enumerate(read_mbox(path), start=1):
        yield f"{path}#{number}", raw


class Command(BaseCommand):
    help = "Import .eml and mbox files into a tenant's inbox and thread them at once."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="the tenant's slug")
        parser.add_argument(
            "--inbox",
            help="put every message in this inbox (its name or id) instead of routing each by "
            "its recipients",
        )
        parser.add_argument(
            "--live",
            action="store_true",
            help="treat the messages as mail arriving now: SLA clocks start, tickets are "
            "assigned and people told (by default imported mail is recorded as history)",
        )
        parser.add_argument("files", nargs="+", metavar="FILE", help=".eml or mbox files")

    def handle(self, *args, tenant, inbox, files, live, verbosity, **options):
        tenant = self._tenant(tenant)
        inbox = self._inbox(tenant, inbox) if inbox else None
        paths = [Path(name) for name in files]
        missing = [str(path) for path in paths if not path.is_file()]
        if missing:
            raise CommandError(f"No such file: {', '.join(missing)}")

        counts = Counter()
        failures = []
        for path in paths:
            for where, raw in _messages(path):
                outcome = self._import(tenant, inbox, raw, history=not live)
                counts[outcome.kind] += 1
                if outcome.kind == "failed":
                    failures.append(f"{where}: {outcome.detail}")
                if verbosity >= 2:
                    self.stdout.write(f"{where}: {outcome.kind} {outcome.detail}".rstrip())

        total = sum(counts.values())
        self.stdout.write(
            f"Read {total} message{'s' * (total != 1)} from {len(paths)} "
            f"file{'s' * (len(paths) != 1)} into {tenant.name}"
            + (f" ({inbox.name})" if inbox else "")
            + ":"
        )
        stored = counts["threaded"] + counts["report"] + counts["failed"]
        self.stdout.write(f"  stored      {stored} ({counts['threaded']} threaded)")
        if counts["report"]:
            self.stdout.write(
                f"  reports     {counts['report']} (delivery reports and automatic replies about "
                "no ticket's email: applied to the outbox, kept as events)"
            )
        self.stdout.write(f"  duplicates  {counts['duplicate']} (already stored: skipped)")
        self.stdout.write(
            f"  unrouted    {counts['unrouted']}"
            + (
                " (addressed to none of the tenant's inboxes: kept for the platform's operators;"
                " --inbox puts them in an inbox)"
                if counts["unrouted"]
                else ""
            )
        )
        self.stdout.write(f"  failed      {counts['failed']}")
        if failures:
            for failure in failures:
                self.stderr.write(failure)
            raise CommandError(
                f"{len(failures)} stored message{'s' * (len(failures) != 1)} could not be "
                "threaded; the inbound sweep retries them."
            )

    def _tenant(self, slug: str) -> Tenant:
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is None:
            raise CommandError(f"No tenant with the slug {slug!r}.")
        return tenant

    def _inbox(self, tenant: Tenant, name_or_id: str) -> Inbox:
        with tenant_context(tenant):
            inboxes = Inbox.objects.filter(tenant=tenant)
            inbox = (
                inboxes.filter(pk=int(name_or_id)).first() if name_or_id.isdigit() else None
            ) or inboxes.filter(name__iexact=name_or_id.strip()).first()
        if inbox is None:
            raise CommandError(f"{tenant.name} has no inbox {name_or_id!r}.")
        return inbox

    def _import(self, tenant: Tenant, inbox: Inbox | None, raw: bytes, *, history) -> Outcome:
        stored = email_inbound_store(
            provider=EventProvider.IMPORT,
            raw=raw,
            tenant=tenant,
            inbox=inbox,
            enqueue=False,
            history=history,
        )
        if stored.event_id is None:
            return Outcome("unrouted")
        if not stored.created:
            return Outcome("duplicate")
        with tenant_context(tenant):
            result = inbound_event_process(tenant=tenant, event_id=stored.event_id)
            if result.startswith("ticket "):
                return Outcome("threaded", result)
            if result == "no ticket":
                return Outcome("report")
            error = (
                InboundEvent.objects.filter(tenant=tenant, pk=stored.event_id)
                .values_list("last_error", flat=True)
                .first()
            )
        return Outcome("failed", error or result)
