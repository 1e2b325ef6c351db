"""Reads of endpoints and their delivery log, tenant first."""

from django.shortcuts import get_object_or_404

from crm.models import Tenant
from crm.pagination import KeysetPage, keyset_page
from webhooks.models import WebhookDelivery, WebhookEndpoint

LOG_PER_PAGE = 50


def endpoints_subscribed(*, tenant: Tenant, event_type: str) -> list[WebhookEndpoint]:
    """The tenant's enabled endpoints that listen to `event_type` (ids only: the rows written
    for them need no more)."""
    return list(
        WebhookEndpoint.objects.filter(
            tenant=tenant, is_enabled=True, events__contains=[event_type]
        ).only("id", "tenant_id")
    )


def endpoint_list(*, tenant: Tenant) -> list[WebhookEndpoint]:
    return list(WebhookEndpoint.objects.filter(tenant=tenant).order_by("created_at", "id"))


def endpoint_get(*, tenant: Tenant, endpoint_pk: int) -> WebhookEndpoint:
    """The tenant's endpoint, or 404 (another tenant's id is not found, as under row-level
    security it is not there)."""
    return get_object_or_404(WebhookEndpoint.objects.filter(tenant=tenant), pk=endpoint_pk)


def deliveries_page(*, tenant: Tenant, endpoint: WebhookEndpoint, after: str | None) -> KeysetPage:
    """The endpoint's deliveries, newest first, without their bodies: one query a page."""
    deliveries = WebhookDelivery.objects.filter(tenant=tenant, endpoint=endpoint).defer("body")
    return keyset_page(deliveries, order=("-created_at", "-id"), after=after, per_page=LOG_PER_PAGE)
