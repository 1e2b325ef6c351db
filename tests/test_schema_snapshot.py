"""The recorded schema (crm/schema_snapshot.sql) is what `migrate` builds, and is only replayed
where it may be: on an empty database, while the migrations are the ones it was recorded from."""

import os

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.db.migrations.loader import MigrationLoader

from crm import schema_snapshot
from crm.tenancy.rls import OWNER_ALIAS


def test_the_snapshot_is_what_migrate_sends_and_replaying_it_migrates():
    # Migrates an empty scratch database for real (about a minute) and compares both the SQL sent
    # and the catalogs with a second database built by replaying the file.
    call_command("schema_snapshot", "--check")


def test_from_snapshot_migrates_the_whole_database_only():
    with pytest.raises(CommandError, match="name no app"):
        call_command("migrate", "leads", from_snapshot=True, verbosity=0)
    with pytest.raises(CommandError, match="--fake"):
        call_command("migrate", from_snapshot=True, fake=True, verbosity=0)


@pytest.fixture
def empty_database(django_db_blocker):
    with (
        django_db_blocker.unblock(),
        schema_snapshot.scratch_database(f"test_schema_snapshot_{os.getpid()}"),
    ):
        yield


@pytest.mark.django_db(databases=[OWNER_ALIAS])
def test_a_database_with_tables_is_migrated_as_usual():
    assert schema_snapshot.why_not_replayable(OWNER_ALIAS) == "the database already has tables"


def test_an_empty_database_gets_the_snapshot_with_its_migrations_applied_now(empty_database):
    assert schema_snapshot.why_not_replayable(OWNER_ALIAS) is None

    call_command("migrate", from_snapshot=True, verbosity=0)

    with connections[OWNER_ALIAS].cursor() as cursor:
        cursor.execute(
            "SELECT count(*), bool_and(applied > now() - interval '1 hour') FROM django_migrations"
        )
        migrations, all_applied_now = cursor.fetchone()
    assert migrations == len(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)
    assert all_applied_now
    assert schema_snapshot.why_not_replayable(OWNER_ALIAS) == "the database already has tables"


def test_an_old_snapshot_is_not_replayed(empty_database, monkeypatch, tmp_path):
    old = tmp_path / "schema_snapshot.sql"
    old.write_text(schema_snapshot.HEADER.format(fingerprint="0123456789abcdef") + "\n;\n")
    monkeypatch.setattr(schema_snapshot, "SNAPSHOT_PATH", old)
    assert "older than the migrations" in schema_snapshot.why_not_replayable(OWNER_ALIAS)

    monkeypatch.setattr(schema_snapshot, "SNAPSHOT_PATH", tmp_path / "missing.sql")
    assert "missing" in schema_snapshot.why_not_replayable(OWNER_ALIAS)
