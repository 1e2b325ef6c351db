"""What each occurrence of a recurring series looks like, kept on the series itself.

Nothing wrote series before this migration, so the new required columns have no default.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0007_user_time_zone"),
        ("followups", "0001_initial"),
        ("leads", "0003_comms_dates"),
        ("tickets", "0003_priority_changed_event"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="followupseries",
            options={"verbose_name_plural": "follow-up series"},
        ),
        migrations.AddField(
            model_name="followupseries",
            name="assignee",
            field=models.ForeignKey(
                default=None,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="crm.membership",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="followupseries",
            name="contact",
            field=models.ForeignKey(
                default=None,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="crm.contact",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="followupseries",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="followupseries",
            name="description",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="followupseries",
            name="duration_minutes",
            field=models.PositiveIntegerField(default=30),
        ),
        migrations.AddField(
            model_name="followupseries",
            name="lead",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="leads.lead",
            ),
        ),
        migrations.AddField(
            model_name="followupseries",
            name="priority",
            field=models.CharField(
                choices=[("high", "High"), ("medium", "Medium"), ("low", "Low")],
                default="medium",
                max_length=8,
            ),
        ),
        migrations.AddField(
            model_name="followupseries",
            name="property",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="crm.property",
            ),
        ),
        migrations.AddField(
            model_name="followupseries",
            name="quote",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="leads.quote",
            ),
        ),
        migrations.AddField(
            model_name="followupseries",
            name="reminders",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="[minutes before, channel] pairs for each occurrence.",
            ),
        ),
        migrations.AddField(
            model_name="followupseries",
            name="subject",
            field=models.CharField(default=None, max_length=200),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="followupseries",
            name="ticket",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="tickets.ticket",
            ),
        ),
        migrations.AddField(
            model_name="followupseries",
            name="type",
            field=models.ForeignKey(
                default=None,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="followups.followuptype",
            ),
            preserve_default=False,
        ),
    ]
