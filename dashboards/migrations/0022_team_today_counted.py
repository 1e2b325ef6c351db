"""Today's TeamDay rows kept by the minute sweep (with the follow-ups overdue when it counted), so
the team tab no longer counts today's follow-ups and SLA events in the request: with a pipeline
or a brand that count probed a lead for each of today's follow-ups (17,000 at a million leads).
Adding the columns with a constant default rewrites nothing; until the next sweep counts today,
the page reads it live as before."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0021_lead_days_by_day"),
    ]

    operations = [
        migrations.AddField(
            model_name="teamday",
            name="follow_ups_overdue",
            field=models.PositiveIntegerField(
                default=0,
                help_text="Of those still to do, the ones scheduled before the row was counted: read on today's row only (a past day's are all overdue).",
            ),
        ),
        migrations.AddField(
            model_name="teamrollup",
            name="today_counted_at",
            field=models.DateTimeField(
                help_text="When the sweep counted live_day's rows (none: read live).", null=True
            ),
        ),
    ]
