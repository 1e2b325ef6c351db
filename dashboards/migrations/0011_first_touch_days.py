"""The leads created per day with the two-level histogram of their waits to the first touch
(dashboards.FirstTouchDay and FirstTouchBin), kept by the period sweep. Its state is dropped so
that the next sweep builds every period rollup again, these included (until then the figures are
counted)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0021_notification_params"),
        ("dashboards", "0010_dashnow_moment"),
    ]

    operations = [
        migrations.CreateModel(
            name="FirstTouchBin",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
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
                    models.Index(fields=["tenant", "bin", "day"], name="first_touch_bin_by_bin")
                ],
            },
        ),
        migrations.CreateModel(
            name="FirstTouchDay",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "day",
                    models.DateField(help_text="The tenant's local date the leads were created."),
                ),
                ("pipeline_id", models.BigIntegerField()),
                ("brand_id", models.BigIntegerField(null=True)),
                ("owner_id", models.BigIntegerField(null=True)),
                ("leads", models.PositiveIntegerField(default=0)),
                ("touched", models.PositiveIntegerField(default=0)),
                (
                    "within_window",
                    models.PositiveIntegerField(
                        default=0,
                        help_text="Touched within dashboards.selectors.first_touch.SPEED_WINDOW.",
                    ),
                ),
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
                "indexes": [models.Index(fields=["tenant", "day"], name="first_touch_day_by_day")],
            },
        ),
        migrations.RunSQL("DELETE FROM dashboards_periodrollup", migrations.RunSQL.noop),
    ]
