"""The sandbox's events on their way to the webhook, as Stripe would post them.

The pressed button (or a refund) queues one task after the transaction commits; the task signs
each event at the moment it posts it (Stripe's signature carries the time, checked within the
webhook's tolerance) with the sandbox account's own signing secret, and POSTs it over HTTP to the
account's webhook URL on this site (THREADLINE_SITE_URL), in order. So the events go through the
webhook's verification, storage and processing exactly as Stripe's do. Tests hand the same
posts to Django's test client instead of the network.
"""

import json
import logging

import requests
from django.conf import settings
from django.db import transaction

from crm.models import Tenant
from gateway import sandbox
from gateway.credentials import webhook_secret_of
from gateway.models import PaymentAccount, Provider
from gateway.selectors.accounts import sandbox_allowed, webhook_account, webhook_path

logger = logging.getLogger(__name__)

POST_TIMEOUT_SECONDS = 10


def sandbox_events_send(*, tenant: Tenant, account: PaymentAccount, events: list[dict]) -> None:
    """Queue the events for the webhook once the caller's transaction commits."""
    from gateway.queued_tasks import sandbox_event_deliver

    tenant_id, account_id = tenant.pk, account.pk
    transaction.on_commit(
        lambda: sandbox_event_deliver.delay(tenant_id, account_id, json.dumps(events))
    )


def sandbox_events_signed(
    *, tenant: Tenant, account_id: int, events_json: str
) -> tuple[str, list[sandbox.SignedEvent]]:
    """The webhook path and each event signed now; nothing for an account that is no longer a
    sandbox (or a site where the sandbox is off)."""
    account = webhook_account(tenant=tenant, account_id=account_id)
    if account is None or account.provider != Provider.SANDBOX or not sandbox_allowed():
        return "", []
    secret = webhook_secret_of(account)
    return webhook_path(account), [
        sandbox.signed(event, secret) for event in json.loads(events_json)
    ]


def sandbox_events_post(*, path: str, events: list[sandbox.SignedEvent]) -> list[int]:
    """POST each signed event to this site's webhook: the status codes it answered."""
    url = settings.THREADLINE_SITE_URL.rstrip("/") + path
    answers = []
    for event in events:
        response = requests.post(
            url,
            data=event.body,
            headers={"Content-Type": "application/json", "Stripe-Signature": event.signature},
            timeout=POST_TIMEOUT_SECONDS,
        )
        if response.status_code != 200:
            logger.warning("sandbox event %s answered %s", event.event_id, response.status_code)
        answers.append(response.status_code)
    return answers
