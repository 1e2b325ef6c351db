from django.core.management.commands.migrate import Command as DjangoMigrateCommand

from crm.tenancy.rls import OWNER_ALIAS


class Command(DjangoMigrateCommand):
    """`migrate` runs as the table owner by default: the app role may not create or alter tables."""

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(database=OWNER_ALIAS)
