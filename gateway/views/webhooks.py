"""Stripe's webhook, one URL per payment account (its token names the tenant).

The token finds the tenant and account before anything is verified (PaymentRoute); then the
Stripe-Signature is checked with THAT account's signing secret (stripe.Webhook.construct_event,
within PAYMENTS_WEBHOOK_TOLERANCE_SECONDS), so one tenant's secret never vouches for another's
events. A verified event is stored and answered 200 at once; a task applies it after commit.
Unknown token: 404. Missing or wrong signature, or a body that is no event: 400 (Stripe shows it
in the dashboard and retries). Too many posts for one token: 429.
"""

import datetime as dt
import logging

import stripe
from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseNotFound, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from crm.kit.encryption import SecretUnreadable
from crm.ratelimit import over_limit
from crm.tenancy import tenant_context
from gateway.credentials import webhook_secret_of
from gateway.models import Provider
from gateway.selectors.accounts import sandbox_allowed, webhook_account, webhook_route
from gateway.services.events import provider_event_store
from gateway.services.stripe_api import event_verified

logger = logging.getLogger(__name__)

RATE_WINDOW = dt.timedelta(minutes=1)


@csrf_exempt  # Stripe posts without a session; its signature is the credential.
@require_POST
def stripe_webhook(request, token: str):
    if over_limit(
        f"gateway:webhook:{token[:64]}", settings.PAYMENTS_WEBHOOK_RATE_LIMIT, RATE_WINDOW
    ):
        return HttpResponse(status=429, headers={"Retry-After": "60"})
    route = webhook_route(token)
    if route is None:
        return HttpResponseNotFound()
    tenant, account_id = route
    with tenant_context(tenant):
        account = webhook_account(tenant=tenant, account_id=account_id)
        if account is None or (account.provider == Provider.SANDBOX and not sandbox_allowed()):
            return HttpResponseNotFound()
        try:
            event = event_verified(
                body=request.body,
                signature=request.headers.get("Stripe-Signature", ""),
                secret=webhook_secret_of(account),
                tolerance=settings.PAYMENTS_WEBHOOK_TOLERANCE_SECONDS,
            )
        except stripe.SignatureVerificationError:
            logger.warning(
                "Stripe webhook refused: missing or wrong signature (tenant %s)", tenant.pk
            )
            return HttpResponseBadRequest("Signature verification failed.")
        except (ValueError, SecretUnreadable):
            logger.warning(
                "Stripe webhook refused: unreadable body or secret (tenant %s)", tenant.pk
            )
            return HttpResponseBadRequest("Not a verifiable Stripe event.")
        if not event.get("id") or not event.get("type"):
            return HttpResponseBadRequest("An event needs an id and a type.")
        stored = provider_event_store(tenant=tenant, account=account, event=event)
    return JsonResponse({"received": True, "duplicate": not stored.created})
