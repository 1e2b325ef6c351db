"""Opening a checkout session and refunding a paid one, with the tenant's provider.

The amount is the caller's, computed on the server; it goes to the provider in the currency's
minor units and the session row keeps both, so an event that reports another amount is refused.
With Stripe the customer pays on Stripe's hosted Checkout page (card data never reaches us);
with the sandbox, on our imitation of it (gateway.views.sandbox). What happened comes back only
through the provider's events (gateway.services.events), never from the customer's browser.
"""

import logging
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from crm.kit.formatting import money
from crm.models import Tenant, User
from gateway import sandbox
from gateway.amounts import AmountError, from_minor, to_minor
from gateway.credentials import secret_key_of
from gateway.models import CheckoutRefund, CheckoutSession, PaymentAccount, Provider, SessionStatus
from gateway.selectors.accounts import methods_for, payment_account_get, usable_account
from gateway.selectors.sessions import sandbox_checkout_token
from gateway.services import stripe_api
from gateway.services.sandbox_delivery import sandbox_events_send

logger = logging.getLogger(__name__)


def _account(tenant: Tenant) -> PaymentAccount:
    account = payment_account_get(tenant=tenant)
    if account is None or not usable_account(account):
        raise ValidationError(_("Online payments are not set up for this business."))
    return account


def _metadata(session: CheckoutSession) -> dict[str, str]:
    return {"threadline_session": session.public_id.hex, "reference": session.reference}


def _stripe_params(session: CheckoutSession) -> dict:
    """https://docs.stripe.com/api/checkout/sessions/create, mode payment, one line."""
    params: dict = {
        "mode": "payment",
        "payment_method_types": session.methods,
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": session.currency.lower(),
                    "unit_amount": session.amount_minor,
                    "product_data": {"name": session.description[:250]},
                },
            }
        ],
        "success_url": session.success_url,
        "cancel_url": session.cancel_url,
        "locale": stripe_api.checkout_locale(session.language),
        "client_reference_id": session.public_id.hex,
        "metadata": _metadata(session),
        "payment_intent_data": {"metadata": _metadata(session)},
    }
    if session.customer_email:
        params["customer_email"] = session.customer_email
    return params


@transaction.atomic
def checkout_start(
    *,
    tenant: Tenant,
    amount: Decimal,
    currency: str,
    description: str,
    reference: str,
    customer_email: str = "",
    success_url: str,
    cancel_url: str,
    language: str = "",
) -> CheckoutSession:
    """A session for `amount` in `currency` and the URL the customer pays at (`session.url`).
    Refused (ValidationError) without a usable account, for an amount the currency cannot hold,
    or when the provider says no; nothing is kept then."""
    account = _account(tenant)
    currency = currency.upper()
    try:
        amount_minor = to_minor(Decimal(amount), currency)
    except AmountError as error:
        raise ValidationError(
            _("%(amount)s cannot be paid online in %(currency)s.")
            % {"amount": amount, "currency": currency}
        ) from error
    session = CheckoutSession.objects.create(
        tenant=tenant,
        account=account,
        provider=account.provider,
        amount=from_minor(amount_minor, currency),
        amount_minor=amount_minor,
        currency=currency,
        description=description[:500],
        reference=reference[:200],
        customer_email=customer_email,
        language=language,
        methods=methods_for(account, currency),
        success_url=success_url,
        cancel_url=cancel_url,
    )
    if account.provider == Provider.SANDBOX:
        session.provider_session_id = sandbox.new_id("cs")
        session.url = reverse(
            "gateway-public:sandbox-checkout", kwargs={"token": sandbox_checkout_token(session)}
        )
    else:
        try:
            created = stripe_api.checkout_session_create(
                secret_key=secret_key_of(account),
                params=_stripe_params(session),
                idempotency_key=f"threadline-checkout-{session.public_id.hex}",
            )
        except stripe_api.StripeCallFailed as error:
            raise ValidationError(
                _("Stripe did not open the payment page: %(reason)s") % {"reason": error.message}
            ) from error
        session.provider_session_id = created.id
        session.provider_payment_intent = created.payment_intent
        session.url = created.url
    session.save(update_fields=["provider_session_id", "provider_payment_intent", "url"])
    return session


def _refund_checked(session: CheckoutSession, amount: Decimal) -> int:
    """The refund in minor units, or a refusal that gives the figures."""
    if session.status != SessionStatus.PAID:
        raise ValidationError(_("Only a paid payment can be refunded."))
    try:
        minor = to_minor(amount, session.currency)
    except AmountError as error:
        raise ValidationError(
            _("%(amount)s is not an amount that can be refunded in %(currency)s.")
            % {"amount": amount, "currency": session.currency}
        ) from error
    if amount > session.refundable:
        raise ValidationError(
            _("A refund of %(amount)s is more than the %(left)s left of the %(paid)s paid.")
            % {
                "amount": money(amount, session.currency),
                "left": money(session.refundable, session.currency),
                "paid": money(session.amount, session.currency),
            }
        )
    return minor


@transaction.atomic
def checkout_refund(
    *, tenant: Tenant, session: CheckoutSession, amount: Decimal, actor: User | None
) -> CheckoutRefund:
    """Ask the provider to refund `amount` of a paid session. The session's refunded total
    moves when the provider's charge.refunded event arrives, as it would for a refund made in
    the provider's own dashboard."""
    session = CheckoutSession.objects.select_for_update().get(tenant=tenant, pk=session.pk)
    amount = Decimal(amount)
    minor = _refund_checked(session, amount)
    refund = CheckoutRefund.objects.create(
        tenant=tenant, session=session, amount=amount, requested_by=actor
    )
    account = session.account
    if account.provider == Provider.SANDBOX:
        refund.provider_refund_id = sandbox.new_id("re")
        already = (
            to_minor(session.amount_refunded, session.currency) if session.amount_refunded else 0
        )
        sandbox_events_send(
            tenant=tenant,
            account=account,
            events=[
                sandbox.refund_event(_sandbox_view(session), amount_refunded_minor=already + minor)
            ],
        )
    else:
        try:
            refund.provider_refund_id = stripe_api.refund_create(
                secret_key=secret_key_of(account),
                payment_intent=session.provider_payment_intent,
                amount_minor=minor,
                metadata=_metadata(session),
                idempotency_key=f"threadline-refund-{session.public_id.hex}-{refund.pk}",
            )
        except stripe_api.StripeCallFailed as error:
            raise ValidationError(
                _("Stripe did not make the refund: %(reason)s") % {"reason": error.message}
            ) from error
    refund.save(update_fields=["provider_refund_id"])
    return refund


def _sandbox_view(session: CheckoutSession) -> sandbox.SandboxSession:
    return sandbox.SandboxSession(
        provider_session_id=session.provider_session_id,
        payment_intent=session.provider_payment_intent or f"pi_{session.public_id.hex}",
        public_id=session.public_id.hex,
        reference=session.reference,
        amount_minor=session.amount_minor,
        currency=session.currency,
        customer_email=session.customer_email,
    )


def sandbox_press(*, tenant: Tenant, session: CheckoutSession, action: str) -> None:
    """The customer pressed a button on the sandbox's checkout page: the sandbox sends the
    events Stripe would, signed with the account's signing secret, to the account's webhook."""
    if session.provider != Provider.SANDBOX or action not in sandbox.ACTIONS:
        raise ValidationError(_("This payment page cannot do that."))
    if session.status != SessionStatus.OPEN:
        raise ValidationError(_("This payment is no longer open."))
    sandbox_events_send(
        tenant=tenant,
        account=session.account,
        events=sandbox.events_for(action, _sandbox_view(session)),
    )
