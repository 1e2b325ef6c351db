"""StageFlowMonth: a finished month's stage flow, the sum of its StageFlowDay rows, so a year
reads eleven months of rows and the current month's days. Built here from the day rows already
stored (every month before the one of the first day not stored whole); the sweep writes each
month again when it stores its last day."""

import datetime

import django.db.models.deletion
from django.db import migrations, models

# The months before the one of each tenant's first day not stored whole.
MONTHS_FROM_DAYS = """
INSERT INTO dashboards_stageflowmonth
    (tenant_id, month, stage_id, owner_id, brand_id, entered, "left", moved_on, time_in_stage)
SELECT d.tenant_id, date_trunc('month', d.day)::date, d.stage_id, d.owner_id, d.brand_id,
       sum(d.entered), sum(d."left"), sum(d.moved_on), sum(d.time_in_stage)
FROM dashboards_stageflowday d
JOIN dashboards_stageflowrollup r ON r.tenant_id = d.tenant_id
WHERE d.day < date_trunc('month', r.rolled_through + 1)::date
GROUP BY 1, 2, 3, 4, 5
"""


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0021_notification_params"),
        ("dashboards", "0017_moment_due_tenants"),
        ("leads", "0010_sweeps2_priorities_due"),
    ]

    operations = [
        migrations.CreateModel(
            name="StageFlowMonth",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField(help_text="The first day of the tenant's local month.")),
                ("entered", models.PositiveIntegerField(default=0)),
                ("left", models.PositiveIntegerField(default=0)),
                ("moved_on", models.PositiveIntegerField(default=0)),
                ("time_in_stage", models.DurationField(default=datetime.timedelta)),
                (
                    "brand",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="crm.brand",
                    ),
                ),
                (
                    "owner",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="crm.membership",
                    ),
                ),
                (
                    "stage",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="leads.stage",
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="crm.tenant",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["tenant", "month"], name="stage_flow_month_by_month")
                ],
            },
        ),
        migrations.RunSQL(MONTHS_FROM_DAYS, migrations.RunSQL.noop),
    ]
