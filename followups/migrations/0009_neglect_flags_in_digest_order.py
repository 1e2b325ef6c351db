# The daily digest at a million leads (issue 21): a member's neglected customers and the team's
# escalated ones were sorted whole (7,000 and 52,000 flags) for the first twenty. These indexes
# hold them in the digest's order. docs/benchmarks.md, "The digests' own reads (fourteenth
# session…)".

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("followups", "0008_digest_members")]

    operations = [
        migrations.AddIndex(
            model_name="neglectflag",
            index=models.Index(
                condition=models.Q(cleared_at__isnull=True),
                fields=["tenant", "owner", "last_touch_at", "id"],
                name="neglect_flag_open_by_owner",
            ),
        ),
        migrations.AddIndex(
            model_name="neglectflag",
            index=models.Index(
                condition=models.Q(cleared_at__isnull=True, manager_alerted_at__isnull=False),
                fields=["tenant", "last_touch_at", "id"],
                name="neglect_flag_escalated",
            ),
        ),
    ]
