"""Nothing left to do: the outbox's trigger step became a plain id in messaging's models in comms
0006 (the column stays as it is; automation 0004 owns the constraint). Kept so the migrations that
depend on it, and the databases that recorded it, keep their place."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("comms", "0006_triggers_move_to_automation_squashed_0008_digest_source"),
    ]

    operations: list[migrations.operations.base.Operation] = []
