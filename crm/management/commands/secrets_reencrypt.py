"""Re-encrypt every stored secret under the first of FIELD_ENCRYPTION_KEYS: the second step of a
key rotation (docs/operations/index.md, "Encryption keys")."""

from django.core.management.base import BaseCommand

from crm.kit.encryption import reencryptions


class Command(BaseCommand):
    help = "Re-encrypt the stored secrets (payment accounts, inbox numbers) with the first key."

    def handle(self, *args, **options):
        for what, reencrypt_all in reencryptions():
            done = reencrypt_all()
            self.stdout.write(self.style.SUCCESS(f"Re-encrypted {done} {what}."))
