"""The timeline keeps the job's id without the core naming the leads app. This migration turned
the foreign key into a plain id in crm's models; crm 0003 now creates the plain column itself, so
there is nothing left to do here (leads 0017 owns the database's constraint). It stays for the
databases that recorded it and the migrations that depend on it."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0023_fold_ascii_text_at_once"),
    ]

    operations = []
