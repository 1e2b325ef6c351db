"""The admin's "Online payments" page: connect the provider, choose the methods, copy the
webhook URL, see the latest events, and try a payment."""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from crm.kit.access import admin_required
from gateway.forms import PaymentAccountForm
from gateway.models import PaymentMethod, Provider
from gateway.selectors.accounts import (
    payment_account_get,
    sandbox_allowed,
    usable_account,
    webhook_url,
)
from gateway.selectors.sessions import provider_events_recent
from gateway.services.accounts import payment_account_save
from gateway.services.checkout import checkout_start

SECTION = "payments"
# The events Stripe's dashboard should send to the webhook (docs/guides/admin.md).
STRIPE_EVENTS = (
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
    "charge.refunded",
)
TRY_AMOUNT = Decimal("1.00")


def _initial(account) -> dict:
    if account is None:
        return {"provider": Provider.STRIPE, "methods": [PaymentMethod.CARD], "is_enabled": True}
    return {
        "provider": account.provider,
        "publishable_key": account.publishable_key,
        "methods": account.methods,
        "is_enabled": account.is_enabled,
    }


@admin_required
@require_http_methods(["GET", "POST"])
def account(request):
    tenant = request.tenant
    current = payment_account_get(tenant=tenant)
    form = PaymentAccountForm(
        request.POST or None,
        initial=_initial(current),
        sandbox_allowed=sandbox_allowed(),
        currency=tenant.currency,
    )
    if request.method == "POST" and form.is_valid():
        try:
            payment_account_save(tenant=tenant, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("Online payments saved."))
            return redirect("gateway-settings:account")
    context = {
        "form": form,
        "account": current,
        "webhook_url": webhook_url(current) if current else "",
        "stripe_events": STRIPE_EVENTS,
        "events": provider_events_recent(tenant=tenant) if current else [],
        "can_try": usable_account(current),
        "section": SECTION,
    }
    return render(
        request, "gateway/settings/account.html", context, status=400 if form.errors else 200
    )


@admin_required
@require_POST
def account_try(request):
    """A payment of 1.00 in the business's currency, to see the whole loop (the provider's
    page, the webhook, the events below)."""
    tenant = request.tenant
    back = request.build_absolute_uri(reverse("gateway-settings:account"))
    try:
        session = checkout_start(
            tenant=tenant,
            amount=TRY_AMOUNT,
            currency=tenant.currency,
            description=_("Test payment"),
            reference=f"test:{request.user.pk}",
            customer_email=request.user.email,
            success_url=back,
            cancel_url=back,
            language=request.LANGUAGE_CODE,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("gateway-settings:account")
    return redirect(session.url)
