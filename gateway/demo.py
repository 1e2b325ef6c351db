"""The demo's online payments (called by seed_demo): each demo tenant gets a sandbox account,
card for everyone and iDEAL too where the business bills in euros. Idempotent: a tenant with an
account keeps it."""

from crm.models import Tenant
from gateway.models import PaymentMethod, Provider
from gateway.selectors.accounts import payment_account_get
from gateway.services.accounts import payment_account_save


def seed_payments(tenant: Tenant) -> None:
    if payment_account_get(tenant=tenant) is not None:
        return
    methods = [PaymentMethod.CARD]
    if tenant.currency == "EUR":
        methods.append(PaymentMethod.IDEAL)
    payment_account_save(tenant=tenant, actor=None, provider=Provider.SANDBOX, methods=methods)
