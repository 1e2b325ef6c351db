"""Connecting a tenant's payment provider: its keys (secrets encrypted before they are stored),
its payment methods, and the route its webhook URL's token opens. A rotation of the encryption
keys re-encrypts what is stored (`manage.py secrets_reencrypt`)."""

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.kit.encryption import encrypt, reencrypt
from crm.models import Tenant, User
from crm.tenancy import tenant_context
from gateway.credentials import PUBLISHABLE_KEY, SECRET_KEY, WEBHOOK_SECRET, mode_of
from gateway.models import PaymentAccount, PaymentMethod, PaymentRoute, Provider
from gateway.selectors.accounts import sandbox_allowed


def _sandbox_keys() -> dict[str, str]:
    """A sandbox account's own keys: the same shapes as Stripe's test keys."""
    return {
        "publishable_key": f"pk_test_sandbox{secrets.token_hex(12)}",
        "secret_key": f"sk_test_sandbox{secrets.token_hex(12)}",
        "webhook_secret": f"whsec_sandbox{secrets.token_hex(16)}",
    }


def _checked_stripe_keys(
    account: PaymentAccount | None, publishable_key: str, secret_key: str, webhook_secret: str
) -> None:
    """Each key in Stripe's shape, a new secret or one already stored, and one mode for both."""
    errors: dict[str, str] = {}
    if not PUBLISHABLE_KEY.match(publishable_key):
        errors["publishable_key"] = _("A publishable key starts with pk_test_ or pk_live_.")
    if secret_key and not SECRET_KEY.match(secret_key):
        errors["secret_key"] = _(
            "A secret key starts with sk_test_, sk_live_, rk_test_ or rk_live_."
        )
    if webhook_secret and not WEBHOOK_SECRET.match(webhook_secret):
        errors["webhook_secret"] = _("A webhook signing secret starts with whsec_.")
    has_secret = bool(secret_key) or bool(account and account.has_secret_key)
    has_webhook = bool(webhook_secret) or bool(account and account.has_webhook_secret)
    if not has_secret:
        errors.setdefault("secret_key", _("Enter the secret key."))
    if not has_webhook:
        errors.setdefault("webhook_secret", _("Enter the webhook signing secret."))
    if secret_key and not errors and mode_of(secret_key) != mode_of(publishable_key):
        errors["secret_key"] = _(
            "The secret key is a %(secret)s key and the publishable key a %(publishable)s key: "
            "use two keys of the same mode."
        ) % {"secret": mode_of(secret_key), "publishable": mode_of(publishable_key)}
    if errors:
        raise ValidationError(errors)


def _checked_methods(methods: list[str], currency: str) -> list[str]:
    chosen = [method for method in PaymentMethod.values if method in methods]
    if not chosen:
        raise ValidationError({"methods": _("Choose at least one payment method.")})
    if PaymentMethod.IDEAL in chosen and currency != "EUR":
        raise ValidationError(
            {
                "methods": _("iDEAL takes euros only; this business bills in %(currency)s.")
                % {"currency": currency}
            }
        )
    return chosen


@transaction.atomic
def payment_account_save(
    *,
    tenant: Tenant,
    actor: User | None,
    provider: str,
    publishable_key: str = "",
    secret_key: str = "",
    webhook_secret: str = "",
    methods: list[str],
    is_enabled: bool = True,
) -> PaymentAccount:
    """Connect or change the tenant's account. An empty secret keeps the stored one (the form
    never shows a secret back); a sandbox makes its own keys, and only where it is allowed."""
    account = PaymentAccount.objects.select_for_update().filter(tenant=tenant).first()
    if provider == Provider.SANDBOX and not sandbox_allowed():
        raise ValidationError({"provider": _("The sandbox is not available on this site.")})
    if provider not in Provider.values:
        raise ValidationError({"provider": _("Choose a provider.")})
    chosen = _checked_methods(methods, tenant.currency)
    if provider == Provider.STRIPE:
        publishable_key = publishable_key.strip()
        secret_key, webhook_secret = secret_key.strip(), webhook_secret.strip()
        switching = account is not None and account.provider != Provider.STRIPE
        _checked_stripe_keys(
            None if switching else account, publishable_key, secret_key, webhook_secret
        )
    elif account is None or account.provider != Provider.SANDBOX:
        keys = _sandbox_keys()
        publishable_key, secret_key, webhook_secret = (
            keys["publishable_key"],
            keys["secret_key"],
            keys["webhook_secret"],
        )
    else:
        publishable_key, secret_key, webhook_secret = account.publishable_key, "", ""
    if account is None:
        account = PaymentAccount(tenant=tenant)
    account.provider = provider
    account.publishable_key = publishable_key
    if secret_key:
        account.secret_key_encrypted = encrypt(secret_key)
    if webhook_secret:
        account.webhook_secret_encrypted = encrypt(webhook_secret)
    account.methods = chosen
    account.is_enabled = is_enabled
    account.updated_at = timezone.now()
    account.save()
    PaymentRoute.objects.update_or_create(
        token=account.token, defaults={"tenant_id": tenant.pk, "account_id": account.pk}
    )
    return account


def payment_secrets_reencrypt() -> int:
    """Every tenant's stored secrets again under the first of FIELD_ENCRYPTION_KEYS (a key
    rotation's second step; each tenant in its own transaction). The number of accounts."""
    done = 0
    for tenant in Tenant.objects.order_by("pk"):
        with tenant_context(tenant), transaction.atomic():
            for account in PaymentAccount.objects.select_for_update().filter(tenant=tenant):
                account.secret_key_encrypted = reencrypt(account.secret_key_encrypted)
                account.webhook_secret_encrypted = reencrypt(account.webhook_secret_encrypted)
                account.save(update_fields=["secret_key_encrypted", "webhook_secret_encrypted"])
                done += 1
    return done
