from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0003_invoice_audit_and_updated_at"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="invoice",
            index=models.Index(fields=["tenant", "issued_on"], name="invoice_by_issue_date"),
        ),
    ]
