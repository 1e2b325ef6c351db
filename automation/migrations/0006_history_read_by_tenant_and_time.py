"""The audit trail reads a tenant's history newest first, and each change's previous version,
by index (built without blocking writes)."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("automation", "0005_history_leaves_out_bookkeeping"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="sequenceevent",
            index=models.Index(
                fields=["tenant", "pgh_obj", "-pgh_id"], name="followups_s_tenant__972aab_idx"
            ),
        ),
        AddIndexConcurrently(
            model_name="sequenceevent",
            index=models.Index(
                fields=["tenant", "-pgh_created_at", "-pgh_id"],
                name="followups_s_tenant__04efd1_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="triggerevent",
            index=models.Index(
                fields=["tenant", "pgh_obj", "-pgh_id"], name="comms_trigg_tenant__3c448a_idx"
            ),
        ),
        AddIndexConcurrently(
            model_name="triggerevent",
            index=models.Index(
                fields=["tenant", "-pgh_created_at", "-pgh_id"],
                name="comms_trigg_tenant__281cd2_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="triggerstepevent",
            index=models.Index(
                fields=["tenant", "pgh_obj", "-pgh_id"], name="comms_trigg_tenant__a48972_idx"
            ),
        ),
        AddIndexConcurrently(
            model_name="triggerstepevent",
            index=models.Index(
                fields=["tenant", "-pgh_created_at", "-pgh_id"],
                name="comms_trigg_tenant__714aae_idx",
            ),
        ),
    ]
