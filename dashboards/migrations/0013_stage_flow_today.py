"""Stage conversion's today in the rollup: the sweep (now every minute) stores today's visits so
far and notes when it counted them. The stored rows stay valid (null: no day after
`rolled_through` is stored), so nothing is built again; the next sweep adds today."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0012_team_response_bins"),
    ]

    operations = [
        migrations.AddField(
            model_name="stageflowrollup",
            name="counted_through",
            field=models.DateTimeField(null=True),
        ),
    ]
