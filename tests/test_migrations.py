"""Migrations are the same on every host: `make test` runs `makemigrations --check`, which only
means something if no migration freezes a list that differs between machines. And they are one
line of history: a squash every database has passed stands alone, its replaced files deleted."""

import re

import pytest
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from crm.tenancy.rls import OWNER_ALIAS

SQUASH_NAME = re.compile(r"^(?P<first_number>\d{4})_(?P<first>.+)_squashed_(?P<last>\d{4}_.+)$")


@pytest.mark.parametrize("model", ["tenant", "tenantevent", "user"])
def test_migrations_name_the_time_zone_list_instead_of_freezing_this_hosts(model):
    state = MigrationLoader(None, ignore_no_migrations=True).project_state()
    _name, _path, _args, options = state.models["crm", model].fields["time_zone"].deconstruct()
    assert callable(options["choices"])


def test_no_migration_replaces_others():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    replacing = sorted(
        key for key, migration in loader.disk_migrations.items() if migration.replaces
    )
    assert replacing == []


@pytest.mark.django_db(databases=[OWNER_ALIAS])
def test_a_database_that_applied_the_replaced_migrations_has_nothing_to_apply():
    # Such a database has a row for each replaced migration, and one for its squash (migrate
    # records a squash once everything it replaces is applied): the first and last of each range
    # stand for them here.
    connection = connections[OWNER_ALIAS]
    loader = MigrationLoader(connection)
    squashes = [key for key in loader.disk_migrations if SQUASH_NAME.match(key[1])]
    assert squashes
    recorder = MigrationRecorder(connection)
    for app_label, name in squashes:
        parts = SQUASH_NAME.match(name)
        recorder.record_applied(app_label, f"{parts['first_number']}_{parts['first']}")
        recorder.record_applied(app_label, parts["last"])

    executor = MigrationExecutor(connection)
    executor.loader.check_consistent_history(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
