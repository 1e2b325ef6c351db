# The dashboard's minute sweep at 1,000 tenants (issue 21): whether a tenant's neglect flags
# changed since its figures of the moment were counted read every flag of the table for each
# tenant (10.7 s a minute at 168,000 flags). With this index a tenant's latest clearing is one
# probe, as neglect_flag_open already answers its latest open flag. docs/benchmarks.md, "The
# open leads' own search index, … the hourly sweeps with 1,000 tenants (twentieth session…)".

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("followups", "0009_neglect_flags_in_digest_order")]

    operations = [
        migrations.AddIndex(
            model_name="neglectflag",
            index=models.Index(
                condition=models.Q(("cleared_at__isnull", False)),
                fields=["tenant", "cleared_at"],
                name="neglect_flag_cleared",
            ),
        ),
    ]
