"""Reads of payment accounts: the tenant's own, and the one a webhook URL's token names."""

from django.conf import settings
from django.urls import reverse

from crm.models import Tenant
from gateway.models import PaymentAccount, PaymentMethod, PaymentRoute, Provider


def payment_account_get(*, tenant: Tenant) -> PaymentAccount | None:
    return PaymentAccount.objects.filter(tenant=tenant).first()


def webhook_route(token: str) -> tuple[Tenant, int] | None:
    """The tenant and account id of a webhook URL's token, before any tenant context exists."""
    if not token or len(token) > 64:
        return None
    route = PaymentRoute.objects.filter(token=token).first()
    tenant = Tenant.objects.filter(pk=route.tenant_id).first() if route else None
    return (tenant, route.account_id) if route and tenant else None


def webhook_account(*, tenant: Tenant, account_id: int) -> PaymentAccount | None:
    return PaymentAccount.objects.filter(tenant=tenant, pk=account_id).first()


def webhook_path(account: PaymentAccount) -> str:
    return reverse("gateway-public:stripe-webhook", kwargs={"token": account.token})


def webhook_url(account: PaymentAccount) -> str:
    """The URL to paste into the provider's dashboard (a sandbox posts to it itself)."""
    return settings.THREADLINE_SITE_URL.rstrip("/") + webhook_path(account)


def sandbox_allowed() -> bool:
    return bool(settings.PAYMENTS_SANDBOX)


def usable_account(account: PaymentAccount | None) -> bool:
    """Whether checkout may start with this account: enabled, and a sandbox only where allowed."""
    if account is None or not account.is_enabled:
        return False
    if account.provider == Provider.SANDBOX:
        return sandbox_allowed()
    return account.has_secret_key


def methods_for(account: PaymentAccount, currency: str) -> list[str]:
    """The account's payment methods a session in `currency` may offer: iDEAL only in euros."""
    methods = [m for m in account.methods if m in PaymentMethod.values] or [PaymentMethod.CARD]
    if currency.upper() != "EUR":
        methods = [m for m in methods if m != PaymentMethod.IDEAL]
    return methods or [PaymentMethod.CARD]
