"""SlaEvent by (tenant, id): the team rollup reads each visited tenant's newest event id every
minute (dashboards.services.team_rollup), and with no index that starts with the tenant PostgreSQL
walked the primary key down from the newest event of any tenant until it met one of this tenant's:
70 ms warm, 680 ms cold for a small tenant among 1,000 with 7 million events (docs/benchmarks.md,
"Sweeps with 1,000 tenants")."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    # Built without locking the table's writes: it holds every tenant's events.
    atomic = False

    dependencies = [("tickets", "0011_sweeps2_due_tenants")]

    operations = [
        AddIndexConcurrently(
            model_name="slaevent",
            index=models.Index(fields=["tenant", "id"], name="sla_event_by_tenant_id"),
        ),
    ]
