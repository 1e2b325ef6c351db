"""Re-encrypt every stored payment secret under the first of FIELD_ENCRYPTION_KEYS: the second
step of a key rotation (docs/operations/index.md, "Encryption keys")."""

from django.core.management.base import BaseCommand

from gateway.services.accounts import payment_secrets_reencrypt


class Command(BaseCommand):
    help = "Re-encrypt the payment accounts' secrets with the first FIELD_ENCRYPTION_KEYS key."

    def handle(self, *args, **options):
        done = payment_secrets_reencrypt()
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted the secrets of {done} account(s)."))
