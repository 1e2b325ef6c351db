"""Contact addresses are found by the column as stored, lower-case.

Under row-level security PostgreSQL uses an index only for conditions that are leakproof or come
after the tenant policy; `lower(email) IN (…)` is neither, so every inbound email's sender lookup
read all of a tenant's addresses (125 ms with two parallel workers at a million contacts, half a
core of the database under the load test). The addresses are already stored lower-case by
`ContactEmail.save` and the services; the check constraint makes it hold for every writer, and
the lookup index is on the plain column, which `email IN (…)` (texteq, leakproof) can use.
"""

import django.db.models.functions.text
from django.db import migrations, models

LOWER_CASE_EVERY_ADDRESS = """
UPDATE crm_contactemail SET email = lower(email) WHERE email <> lower(email)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0021_notification_params"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="contactemail",
            name="contact_email_lookup",
        ),
        migrations.RunSQL(LOWER_CASE_EVERY_ADDRESS, reverse_sql=migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name="contactemail",
            index=models.Index(fields=["tenant", "email"], name="contact_email_lookup"),
        ),
        migrations.AddConstraint(
            model_name="contactemail",
            constraint=models.CheckConstraint(
                condition=models.Q(("email", django.db.models.functions.text.Lower("email"))),
                name="contact_email_lower_case",
            ),
        ),
    ]
