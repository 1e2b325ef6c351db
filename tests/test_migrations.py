"""Migrations are the same on every host: `make test` runs `makemigrations --check`, which only
means something if no migration freezes a list that differs between machines."""

import pytest
from django.db.migrations.loader import MigrationLoader


@pytest.mark.parametrize("model", ["tenant", "tenantevent", "user"])
def test_migrations_name_the_time_zone_list_instead_of_freezing_this_hosts(model):
    state = MigrationLoader(None, ignore_no_migrations=True).project_state()
    _name, _path, _args, options = state.models["crm", model].fields["time_zone"].deconstruct()
    assert callable(options["choices"])
