"""The anomalies' days: LeadDay, one row per local day and filter combination (new leads, their
waits to the first touch per bin, leads won) and LeadDayBin (each bin's fine buckets), kept by
the period sweep. The lead trigger also notes the day a lead was won (PeriodChange.won_at), so
the sweep recounts it. The period rollups' state is dropped so that the next sweep builds every
day again with these rows (until then their figures are counted)."""

import django.db.models.deletion
from django.db import migrations, models

# dashboards/0008's function, noting the won day too (its triggers are unchanged: they fire on
# status and won_at changes already).
LEAD_CHANGED = """
CREATE OR REPLACE FUNCTION dashboard_lead_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO dashboards_periodchange (tenant_id, created_at, closed_at, won_at)
        VALUES (OLD.tenant_id, OLD.created_at, CASE WHEN OLD.status = 'lost' THEN OLD.closed_at END,
                CASE WHEN OLD.status = 'won' THEN OLD.won_at END);
    END IF;
    IF TG_OP = 'INSERT' OR TG_OP = 'UPDATE' AND (OLD.created_at IS DISTINCT FROM NEW.created_at
            OR (CASE WHEN OLD.status = 'lost' THEN OLD.closed_at END)
               IS DISTINCT FROM (CASE WHEN NEW.status = 'lost' THEN NEW.closed_at END)
            OR (CASE WHEN OLD.status = 'won' THEN OLD.won_at END)
               IS DISTINCT FROM (CASE WHEN NEW.status = 'won' THEN NEW.won_at END)) THEN
        INSERT INTO dashboards_periodchange (tenant_id, created_at, closed_at, won_at)
        VALUES (NEW.tenant_id, NEW.created_at, CASE WHEN NEW.status = 'lost' THEN NEW.closed_at END,
                CASE WHEN NEW.status = 'won' THEN NEW.won_at END);
    END IF;
    RETURN NULL;
END $$;
"""

# As dashboards/0008 wrote it.
LEAD_CHANGED_BEFORE = """
CREATE OR REPLACE FUNCTION dashboard_lead_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO dashboards_periodchange (tenant_id, created_at, closed_at)
        VALUES (OLD.tenant_id, OLD.created_at, CASE WHEN OLD.status = 'lost' THEN OLD.closed_at END);
    END IF;
    IF TG_OP = 'INSERT' OR TG_OP = 'UPDATE' AND (OLD.created_at IS DISTINCT FROM NEW.created_at
            OR (CASE WHEN OLD.status = 'lost' THEN OLD.closed_at END)
               IS DISTINCT FROM (CASE WHEN NEW.status = 'lost' THEN NEW.closed_at END)) THEN
        INSERT INTO dashboards_periodchange (tenant_id, created_at, closed_at)
        VALUES (NEW.tenant_id, NEW.created_at, CASE WHEN NEW.status = 'lost' THEN NEW.closed_at END);
    END IF;
    RETURN NULL;
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0021_notification_params"),
        ("dashboards", "0013_stage_flow_today"),
    ]

    operations = [
        migrations.AddField(
            model_name="periodchange",
            name="won_at",
            field=models.DateTimeField(help_text="When it was won, if it was.", null=True),
        ),
        migrations.CreateModel(
            name="LeadDay",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField(help_text="The tenant's local date.")),
                ("any_of", models.PositiveSmallIntegerField()),
                ("pipeline_id", models.BigIntegerField(null=True)),
                ("brand_id", models.BigIntegerField(null=True)),
                ("owner_id", models.BigIntegerField(null=True)),
                ("leads", models.PositiveIntegerField(default=0)),
                ("touched", models.PositiveIntegerField(default=0)),
                ("won", models.PositiveIntegerField(default=0)),
                ("bin_0", models.PositiveIntegerField(default=0)),
                ("bin_1", models.PositiveIntegerField(default=0)),
                ("bin_2", models.PositiveIntegerField(default=0)),
                ("bin_3", models.PositiveIntegerField(default=0)),
                ("bin_4", models.PositiveIntegerField(default=0)),
                ("bin_5", models.PositiveIntegerField(default=0)),
                ("bin_6", models.PositiveIntegerField(default=0)),
                ("bin_7", models.PositiveIntegerField(default=0)),
                ("bin_8", models.PositiveIntegerField(default=0)),
                ("bin_9", models.PositiveIntegerField(default=0)),
                ("bin_10", models.PositiveIntegerField(default=0)),
                ("bin_11", models.PositiveIntegerField(default=0)),
                ("bin_12", models.PositiveIntegerField(default=0)),
                ("bin_13", models.PositiveIntegerField(default=0)),
                ("bin_14", models.PositiveIntegerField(default=0)),
                ("bin_15", models.PositiveIntegerField(default=0)),
                ("bin_16", models.PositiveIntegerField(default=0)),
                ("bin_17", models.PositiveIntegerField(default=0)),
                ("bin_18", models.PositiveIntegerField(default=0)),
                ("bin_19", models.PositiveIntegerField(default=0)),
                ("bin_20", models.PositiveIntegerField(default=0)),
                ("bin_21", models.PositiveIntegerField(default=0)),
                ("bin_22", models.PositiveIntegerField(default=0)),
                ("bin_23", models.PositiveIntegerField(default=0)),
                ("bin_24", models.PositiveIntegerField(default=0)),
                ("bin_25", models.PositiveIntegerField(default=0)),
                ("bin_26", models.PositiveIntegerField(default=0)),
                ("bin_27", models.PositiveIntegerField(default=0)),
                ("bin_28", models.PositiveIntegerField(default=0)),
                ("bin_29", models.PositiveIntegerField(default=0)),
                ("bin_30", models.PositiveIntegerField(default=0)),
                ("bin_31", models.PositiveIntegerField(default=0)),
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
                        fields=["tenant", "any_of", "pipeline_id", "brand_id", "owner_id", "day"],
                        name="lead_day_by_filter_and_day",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="LeadDayBin",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                ("any_of", models.PositiveSmallIntegerField()),
                ("pipeline_id", models.BigIntegerField(null=True)),
                ("brand_id", models.BigIntegerField(null=True)),
                ("owner_id", models.BigIntegerField(null=True)),
                ("bin", models.PositiveSmallIntegerField()),
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
                    models.Index(
                        fields=[
                            "tenant",
                            "any_of",
                            "pipeline_id",
                            "brand_id",
                            "owner_id",
                            "bin",
                            "day",
                        ],
                        name="lead_day_bin_by_filter_and_bin",
                    )
                ],
            },
        ),
        migrations.RunSQL(LEAD_CHANGED, LEAD_CHANGED_BEFORE),
        migrations.RunSQL("DELETE FROM dashboards_periodrollup", migrations.RunSQL.noop),
    ]
