"""Squash ranges of an app's migrations into one each, for new databases: fewer operations, and
`migrate` on an empty database renders the project's models fewer times (each operation
renders again every model related to the one it changes, and every model here is related to
every other through Tenant).

    python scripts/devenv.py run -- python scripts/squash_migrations.py count crm:0008:0022 …
    python scripts/devenv.py run -- python scripts/squash_migrations.py write crm:0008:0022 …

Each range becomes `<first>_squashed_<last>.py` with `replaces`, as `manage.py squashmigrations`
writes it; Django uses it for a database that applied none of the range, uses the old files for
one that applied some, and records the squash as applied once all are. The ranges must keep the
migration graph free of cycles (no app's migration depends on a higher app's: tests/test_layers.py).
Once every database has migrated past a range, delete the migrations it replaces, remove its
`replaces` and make the migrations that depended on a deleted one depend on the squash (Django's
documented procedure; tests/test_migrations.py checks that none replaces others).

Unlike `squashmigrations`, the optimizer here knows that an index, a constraint or a trigger
(pgtrigger's AddTrigger/RemoveTrigger) names only its own model: Django takes each for a
barrier that references every model, so in these migrations it folded nothing. Here they fold
into their CreateModel, and a trigger added and removed within a range cancels out.

RunPython functions are not copied (the writer says where): copy them into the squashed
migration, as the replaced files are deleted later, and run `ruff check --fix` and `ruff format`
on the new files. Check the result:
`pg_dump --schema-only` of a database migrated with the squashes equals one migrated without
them, and `makemigrations --check` finds nothing.
"""

import collections
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django

django.setup()

import pgtrigger.migrations as triggers  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import migrations  # noqa: E402
from django.db.migrations.loader import MigrationLoader  # noqa: E402
from django.db.migrations.migration import SwappableTuple  # noqa: E402
from django.db.migrations.operations.base import Operation  # noqa: E402
from django.db.migrations.operations.fields import AddField  # noqa: E402
from django.db.migrations.operations.models import CreateModel, IndexOperation  # noqa: E402
from django.db.migrations.optimizer import MigrationOptimizer  # noqa: E402
from django.db.migrations.writer import MigrationWriter  # noqa: E402
from django.db.models.fields import NOT_PROVIDED  # noqa: E402


def own_model_only(self, name, app_label):
    return name.lower() == self.model_name.lower()


def commuting(reduce):
    """`reduce`, and where it finds nothing to merge, an operation on another model may pass."""

    def reduce_or_pass(self, operation, app_label):
        result = reduce(self, operation, app_label)
        if result is not False:
            return result
        return not operation.references_model(self.model_name, app_label)

    return reduce_or_pass


def trigger_cancelled(self, operation, app_label):
    removed = (
        isinstance(operation, triggers.RemoveTrigger)
        and operation.model_name.lower() == self.model_name.lower()
        and operation.name == self.trigger.name
    )
    return [] if removed else False


def create_model_reduce(reduce):
    def with_triggers(self, operation, app_label):
        same_model = getattr(operation, "model_name", "").lower() == self.name_lower
        if same_model and isinstance(operation, AddField) and not operation.preserve_default:
            # The default only filled the rows already there: the model keeps none (Django's
            # own fold keeps it, and makemigrations then finds the field changed).
            field = operation.field.clone()
            field.default = NOT_PROVIDED
            return [
                CreateModel(
                    self.name,
                    fields=[*self.fields, (operation.name, field)],
                    options=self.options,
                    bases=self.bases,
                    managers=self.managers,
                )
            ]
        if same_model and isinstance(operation, triggers.AddTrigger):
            kept = [*self.options.get("triggers", []), operation.trigger]
        elif same_model and isinstance(operation, triggers.RemoveTrigger):
            kept = [t for t in self.options.get("triggers", []) if t.name != operation.name]
        else:
            return reduce(self, operation, app_label)
        return [
            CreateModel(
                self.name,
                fields=self.fields,
                options={**self.options, "triggers": kept},
                bases=self.bases,
                managers=self.managers,
            )
        ]

    return with_triggers


def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)


def teach_the_optimizer() -> None:
    import django.contrib.postgres.operations  # noqa: F401  (its index operations, to teach too)

    IndexOperation.references_model = own_model_only
    IndexOperation.reduce = commuting(Operation.reduce)
    for cls in list(subclasses(IndexOperation)):
        if "reduce" in cls.__dict__:
            cls.reduce = commuting(cls.__dict__["reduce"])
    triggers.AddTrigger.reduce = commuting(trigger_cancelled)
    CreateModel.reduce = create_model_reduce(CreateModel.reduce)


def squash(loader, app: str, first: str, last: str, write: bool) -> tuple[int, int]:
    names = sorted(n for a, n in loader.disk_migrations if a == app and first <= n[:4] <= last)
    replaced = [loader.disk_migrations[app, name] for name in names]
    if any(migration.replaces for migration in replaced):
        raise SystemExit(f"{app} {first}–{last} holds a squashed migration already")
    operations, dependencies, atomic = [], set(), True
    for index, migration in enumerate(replaced):
        operations.extend(migration.operations)
        atomic = atomic and migration.atomic
        for dependency in migration.dependencies:
            if isinstance(dependency, SwappableTuple):
                # The user model's migrations, written as squashmigrations writes them.
                user_model = dependency.setting == settings.AUTH_USER_MODEL
                dependencies.add(("__setting__", "AUTH_USER_MODEL") if user_model else dependency)
            elif dependency[0] != app or index == 0:
                dependencies.add(dependency)
    optimized = MigrationOptimizer().optimize(operations, app)
    kinds = collections.Counter(type(operation).__name__ for operation in optimized)
    print(f"{app} {first}–{last}: {len(operations)} → {len(optimized)} operations {dict(kinds)}")
    if write:
        body = {"dependencies": sorted(dependencies), "operations": optimized}
        body["replaces"] = [(app, name) for name in names]
        migration = type("Migration", (migrations.Migration,), body)(
            f"{names[0]}_squashed_{names[-1]}", app
        )
        migration.initial = names[0].startswith("0001")
        writer = MigrationWriter(migration, include_header=False)
        text = (
            f'"""{app} {first}–{last} in one migration, for new databases (a database that '
            f'applied them keeps them):\nmade by scripts/squash_migrations.py."""\n\n'
            + writer.as_string()
        )
        if not atomic:  # a range with an index built CONCURRENTLY; the writer leaves this out
            head = "class Migration(migrations.Migration):\n"
            text = text.replace(head, head + "    atomic = False\n", 1)
        with open(writer.path, "w") as file:
            file.write(text)
        print(
            f"  wrote {writer.path}"
            + (" (copy its RunPython functions)" if writer.needs_manual_porting else "")
        )
    return len(operations), len(optimized)


def main() -> None:
    if len(sys.argv) < 3 or sys.argv[1] not in ("count", "write"):
        raise SystemExit(__doc__)
    teach_the_optimizer()
    loader = MigrationLoader(None, ignore_no_migrations=True)
    totals = [squash(loader, *spec.split(":"), sys.argv[1] == "write") for spec in sys.argv[2:]]
    print(f"in all: {sum(t[0] for t in totals)} → {sum(t[1] for t in totals)} operations")


if __name__ == "__main__":
    main()
