"""An inbox number's own Twilio auth token is kept encrypted (crm/kit/encryption.py), like the
payment providers' secrets: the stored tokens are encrypted in place, then the plain column goes."""

from django.db import migrations, models

from crm.kit.encryption import decrypt, encrypt


def tokens_encrypt(apps, schema_editor):
    # Migrations run as the tables' owner, so every tenant's addresses are read here.
    InboxAddress = apps.get_model("tickets", "InboxAddress")
    addresses = InboxAddress._base_manager.using(schema_editor.connection.alias)
    for address in addresses.exclude(twilio_auth_token="").only("pk", "twilio_auth_token"):
        address.twilio_auth_token_encrypted = encrypt(address.twilio_auth_token)
        address.save(update_fields=["twilio_auth_token_encrypted"])


def tokens_decrypt(apps, schema_editor):
    InboxAddress = apps.get_model("tickets", "InboxAddress")
    addresses = InboxAddress._base_manager.using(schema_editor.connection.alias)
    for address in addresses.exclude(twilio_auth_token_encrypted=""):
        address.twilio_auth_token = decrypt(address.twilio_auth_token_encrypted)
        address.save(update_fields=["twilio_auth_token"])


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0008_ticket_priority_reason_params"),
    ]

    operations = [
        migrations.AddField(
            model_name="inboxaddress",
            name="twilio_auth_token_encrypted",
            field=models.TextField(blank=True),
        ),
        migrations.RunPython(tokens_encrypt, tokens_decrypt, elidable=True),
        migrations.RemoveField(
            model_name="inboxaddress",
            name="twilio_auth_token",
        ),
    ]
