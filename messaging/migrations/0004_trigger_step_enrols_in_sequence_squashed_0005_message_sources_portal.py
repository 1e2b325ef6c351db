"""comms 0004–0005 in one migration, made by scripts/squash_migrations.py. A database that applied those
migrations one by one has this one recorded as applied too (Django did that while it replaced them).

A trigger step's sequence (a foreign key to followups' table, with its history column, index and
check) is automation 0001's: messaging's migrations never name a higher app. The schema a new
database gets is the same."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("comms", "0001_initial_squashed_0003_sequence_source_and_no_scheduled_follow_ups"),
        ("crm", "0003_timeline_lead_squashed_0007_user_time_zone"),
    ]

    operations = [
        migrations.AlterField(
            model_name="triggerstep",
            name="action",
            field=models.CharField(
                choices=[
                    ("send", "Send a message"),
                    ("follow_up", "Create a follow-up for the owner"),
                    ("enrol", "Enrol in a follow-up sequence"),
                ],
                default="send",
                max_length=16,
            ),
        ),
        migrations.AlterField(
            model_name="triggerstepevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("send", "Send a message"),
                    ("follow_up", "Create a follow-up for the owner"),
                    ("enrol", "Enrol in a follow-up sequence"),
                ],
                default="send",
                max_length=16,
            ),
        ),
        migrations.AlterField(
            model_name="outboundmessage",
            name="source",
            field=models.CharField(
                choices=[
                    ("trigger", "Trigger"),
                    ("quote", "Quote"),
                    ("update", "Customer update"),
                    ("staff", "Staff notification"),
                    ("manual", "Sent by a person"),
                    ("system", "Reply to a keyword"),
                    ("sequence", "Sequence"),
                    ("portal_sign_in", "Portal sign-in link or code"),
                    ("onboarding", "Portal onboarding reminder"),
                ],
                max_length=16,
            ),
        ),
    ]
