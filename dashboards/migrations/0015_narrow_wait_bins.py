"""The waits' coarse bins are narrow where the waits crowd (five minutes below an hour:
dashboards.selectors.histograms.BIN_FLOORS), so a read of a median's bin fetches a few fine
buckets instead of the first hour's sixty. Every rollup row that counts waits per bin is stale:
the team's and the period rollups' states are dropped so that the next sweeps build them again
(until then their figures are counted)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0014_anomaly_days"),
    ]

    operations = [
        migrations.RunSQL("DELETE FROM dashboards_teamrollup", migrations.RunSQL.noop),
        migrations.RunSQL("DELETE FROM dashboards_periodrollup", migrations.RunSQL.noop),
    ]
