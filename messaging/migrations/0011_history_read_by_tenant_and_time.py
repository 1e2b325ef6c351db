"""The audit trail reads a tenant's history newest first, and each change's previous version,
by index (built without blocking writes)."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("comms", "0010_history_leaves_out_bookkeeping"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="commssettingsevent",
            index=models.Index(
                fields=["tenant", "pgh_obj", "-pgh_id"], name="comms_comms_tenant__ea4176_idx"
            ),
        ),
        AddIndexConcurrently(
            model_name="commssettingsevent",
            index=models.Index(
                fields=["tenant", "-pgh_created_at", "-pgh_id"],
                name="comms_comms_tenant__7ff09f_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="messagetemplateevent",
            index=models.Index(
                fields=["tenant", "pgh_obj", "-pgh_id"], name="comms_messa_tenant__ebb616_idx"
            ),
        ),
        AddIndexConcurrently(
            model_name="messagetemplateevent",
            index=models.Index(
                fields=["tenant", "-pgh_created_at", "-pgh_id"],
                name="comms_messa_tenant__1dc447_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="templatevariantevent",
            index=models.Index(
                fields=["tenant", "pgh_obj", "-pgh_id"], name="comms_templ_tenant__9cbba4_idx"
            ),
        ),
        AddIndexConcurrently(
            model_name="templatevariantevent",
            index=models.Index(
                fields=["tenant", "-pgh_created_at", "-pgh_id"],
                name="comms_templ_tenant__75418d_idx",
            ),
        ),
    ]
