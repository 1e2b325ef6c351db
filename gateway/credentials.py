"""A payment account's secrets in plain text, for the moment of a call or a verification only
(crm.kit.encryption). Functions, not model methods: a template can call a model's method, and
no page may ever show a secret."""

import re

from crm.kit.encryption import decrypt
from gateway.models import PaymentAccount

# The shapes of Stripe's keys (https://docs.stripe.com/keys): test or live, standard or restricted.
PUBLISHABLE_KEY = re.compile(r"^pk_(test|live)_[A-Za-z0-9]{10,247}$")
SECRET_KEY = re.compile(r"^(sk|rk)_(test|live)_[A-Za-z0-9]{10,247}$")
WEBHOOK_SECRET = re.compile(r"^whsec_[A-Za-z0-9+/=]{10,247}$")


def mode_of(key: str) -> str:
    """ "test" or "live", from a Stripe key's prefix."""
    return "live" if "_live_" in key else "test"


def secret_key_of(account: PaymentAccount) -> str:
    return decrypt(account.secret_key_encrypted)


def webhook_secret_of(account: PaymentAccount) -> str:
    return decrypt(account.webhook_secret_encrypted)
