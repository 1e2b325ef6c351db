"""LeadDay and LeadDayBin by (tenant, day): the period sweep deletes the rows of the days it
counts again, and with the day last in their only index each day of the DELETE's list read the
tenant's whole index. A million-lead tenant's LeadDayBin index is 208 MB: 21 days read 500,000
pages (4.5 s), and the recount of every day after a bulk change took 504 s (docs/benchmarks.md,
"Sweeps with 1,000 tenants")."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    # Built without locking the tables' writes: they hold every tenant's days.
    atomic = False

    dependencies = [("dashboards", "0020_quote_changes_that_move_figures")]

    operations = [
        AddIndexConcurrently(
            model_name="leadday",
            index=models.Index(fields=["tenant", "day"], name="lead_day_by_day"),
        ),
        AddIndexConcurrently(
            model_name="leaddaybin",
            index=models.Index(fields=["tenant", "day"], name="lead_day_bin_by_day"),
        ),
    ]
