from django.core.management.base import CommandError
from django.core.management.commands.migrate import Command as DjangoMigrateCommand

from crm import schema_snapshot
from crm.tenancy.rls import OWNER_ALIAS


class Command(DjangoMigrateCommand):
    """`migrate` runs as the table owner by default: the app role may not create or alter tables.

    With --from-snapshot, an empty database gets the recorded SQL of every migration in about a
    second instead of 50 (crm/schema_snapshot.py); any other database migrates as usual."""

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(database=OWNER_ALIAS)
        parser.add_argument(
            "--from-snapshot",
            action="store_true",
            help="On an empty database, replay crm/schema_snapshot.sql when it is current.",
        )

    def handle(self, *args, **options):
        if options["from_snapshot"]:
            if options["app_label"] or options["plan"] or options["check_unapplied"]:
                raise CommandError("--from-snapshot migrates the whole database: name no app.")
            if options["fake"] or options["fake_initial"] or options["prune"]:
                raise CommandError("--from-snapshot cannot be combined with --fake or --prune.")
            database = options["database"]
            reason = schema_snapshot.why_not_replayable(database)
            if reason is None:
                schema_snapshot.replay(database)
                if options["verbosity"]:
                    self.stdout.write(f"Replayed {schema_snapshot.SNAPSHOT_PATH.name}.")
                return
            if options["verbosity"]:
                self.stdout.write(f"Migrating ({reason}).")
        super().handle(*args, **options)
