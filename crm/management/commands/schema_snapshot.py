import os
import subprocess
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from crm import schema_snapshot

MANAGE = Path(__file__).resolve().parents[3] / "manage.py"


class Command(BaseCommand):
    help = (
        "Record the SQL `migrate` sends to an empty database in crm/schema_snapshot.sql. With "
        "--check, write nothing: fail when the file is not that SQL or replaying it gives another "
        "schema than migrating."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Check the file; write nothing.")

    def handle(self, *args, check: bool, **options):
        if sys.flags.hash_randomization:
            # Django iterates sets of migrations and models: one hash seed (0 turns the flag
            # off), one script.
            command = [sys.executable, str(MANAGE), "schema_snapshot", *(["--check"] * check)]
            seeded = subprocess.run(command, env={**os.environ, "PYTHONHASHSEED": "0"}, check=False)  # noqa: S603
            if seeded.returncode:
                raise CommandError("schema_snapshot with PYTHONHASHSEED=0 failed (see above).")
            return
        path = schema_snapshot.SNAPSHOT_PATH
        if check:
            problems = schema_snapshot.check()
            if problems:
                raise CommandError(
                    "\n".join([*problems[:50], "Run `make schema-snapshot` and commit the file."])
                )
            self.stdout.write(f"{path.name} is what `migrate` sends, and replaying it migrates.")
            return
        script = schema_snapshot.record_in_scratch_database()
        path.write_text(script)
        statements = script.count(schema_snapshot.STATEMENT_END) - 1
        self.stdout.write(f"Wrote {path.name}: {statements} statements.")
