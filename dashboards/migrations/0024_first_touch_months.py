"""Speed to lead's fine buckets summed per month over (FirstTouchBinMonth), so a year's medians
read twelve rows per key instead of 365: written here from the day rows of every tenant with a
period rollup for the months before its local month of now (PeriodRollup.touch_months_until),
then kept by the period sweep."""

import django.db.models.deletion
from django.db import migrations, models

# dashboards.selectors.histograms.month_buckets_sql for FirstTouchBin, every tenant and month at
# once (written out here: a migration does not change with the module).
MONTHS_FROM_DAYS = r"""
INSERT INTO dashboards_firsttouchbinmonth
    (tenant_id, month, bin, pipeline_id, brand_id, owner_id, buckets)
SELECT tenant_id, month, bin, pipeline_id, brand_id, owner_id,
       jsonb_object_agg(bucket, jsonb_build_array(
           answered,
           CASE WHEN shortest = trunc(shortest) THEN to_jsonb(shortest::numeric + 0.0)
                ELSE to_jsonb(shortest) END,
           CASE WHEN longest = trunc(longest) THEN to_jsonb(longest::numeric + 0.0)
                ELSE to_jsonb(longest) END))
  FROM (SELECT r.tenant_id, date_trunc('month', r.day)::date AS month, r.bin, r.pipeline_id,
               r.brand_id, r.owner_id, b.key AS bucket, sum((b.value->>0)::integer) AS answered,
               min((b.value->>1)::float8) AS shortest, max((b.value->>2)::float8) AS longest
          FROM dashboards_firsttouchbin r
          JOIN dashboards_periodrollup p ON p.tenant_id = r.tenant_id
           AND r.day < date_trunc('month', now() AT TIME ZONE p.zone)::date,
               jsonb_each(r.buckets) b
         GROUP BY 1, 2, 3, 4, 5, 6, 7) AS buckets
 GROUP BY tenant_id, month, bin, pipeline_id, brand_id, owner_id;
UPDATE dashboards_periodrollup
   SET touch_months_until = date_trunc('month', now() AT TIME ZONE zone)::date;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0022_contact_email_lower_case"),
        ("dashboards", "0023_team_response_months"),
    ]

    operations = [
        migrations.AddField(
            model_name="periodrollup",
            name="touch_months_until",
            field=models.DateField(
                help_text="FirstTouchBinMonth holds every month before this one (a first day): "
                "the months over when the sweep last ran.",
                null=True,
            ),
        ),
        migrations.CreateModel(
            name="FirstTouchBinMonth",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField()),
                ("bin", models.PositiveSmallIntegerField()),
                ("pipeline_id", models.BigIntegerField()),
                ("brand_id", models.BigIntegerField(null=True)),
                ("owner_id", models.BigIntegerField(null=True)),
                ("buckets", models.JSONField(default=dict)),
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
                    models.Index(fields=["tenant", "bin", "month"], name="first_touch_month_by_bin")
                ],
            },
        ),
        migrations.RunSQL(MONTHS_FROM_DAYS, migrations.RunSQL.noop),
    ]
