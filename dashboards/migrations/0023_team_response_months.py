"""The team's first-response buckets summed per finished month (TeamResponseMonthBin), so a
year's medians read twelve rows per key instead of 365: written here from the day rows of every
month before the month of each tenant's last sweep (`live_day`), then kept by the sweep."""

import django.db.models.deletion
from django.db import migrations, models

# dashboards.services.team_rollup.TEAM_MONTHS_SQL for every tenant with a rollup at once (written
# out here: a migration does not change with the module).
MONTHS_FROM_DAYS = r"""
INSERT INTO dashboards_teamresponsemonthbin
    (tenant_id, month, bin, pipeline_id, brand_id, person_id, buckets)
SELECT tenant_id, month, bin, pipeline_id, brand_id, person_id,
       jsonb_object_agg(bucket, jsonb_build_array(
           answered,
           CASE WHEN shortest = trunc(shortest) THEN to_jsonb(shortest::numeric + 0.0)
                ELSE to_jsonb(shortest) END,
           CASE WHEN longest = trunc(longest) THEN to_jsonb(longest::numeric + 0.0)
                ELSE to_jsonb(longest) END))
  FROM (SELECT r.tenant_id, date_trunc('month', r.day)::date AS month, r.bin, r.pipeline_id,
               r.brand_id, r.person_id, b.key AS bucket, sum((b.value->>0)::integer) AS answered,
               min((b.value->>1)::float8) AS shortest, max((b.value->>2)::float8) AS longest
          FROM dashboards_teamresponsebin r
          JOIN dashboards_teamrollup t ON t.tenant_id = r.tenant_id
           AND r.day < date_trunc('month', t.live_day)::date,
               jsonb_each(r.buckets) b
         GROUP BY 1, 2, 3, 4, 5, 6, 7) AS buckets
 GROUP BY tenant_id, month, bin, pipeline_id, brand_id, person_id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0022_contact_email_lower_case"),
        ("dashboards", "0022_team_today_counted"),
        ("leads", "0014_rep_search_and_any_status"),
    ]

    operations = [
        migrations.CreateModel(
            name="TeamResponseMonthBin",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField()),
                ("bin", models.PositiveSmallIntegerField()),
                ("buckets", models.JSONField(default=dict)),
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
                    "person",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="crm.membership",
                    ),
                ),
                (
                    "pipeline",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="leads.pipeline",
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
                    models.Index(
                        fields=["tenant", "bin", "month"], name="team_response_month_by_bin"
                    )
                ],
            },
        ),
        migrations.RunSQL(MONTHS_FROM_DAYS, migrations.RunSQL.noop),
    ]
