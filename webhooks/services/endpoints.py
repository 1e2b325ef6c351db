"""An admin's writes to the tenant's webhook endpoints."""

import datetime as dt
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm.kit.stored_text import stored_columns, stored_message
from crm.models import Tenant, User
from webhooks import payloads, targets
from webhooks.models import (
    PREVIOUS_SECRET_KEPT,
    TEST_EVENT,
    EventType,
    WebhookEndpoint,
    new_signing_secret,
)
from webhooks.services.deliveries import deliveries_cancel_waiting, deliveries_schedule


def _clean(url: str, events: list[str]) -> tuple[str, list[str]]:
    try:
        url = targets.url_check(url)
    except ValidationError as error:
        raise ValidationError({"url": error.messages}) from error
    unknown = set(events) - set(EventType.values)
    if unknown or not events:
        raise ValidationError({"events": _("Pick at least one event.")})
    # In the order of the list, whatever order they were ticked in.
    return url, [value for value in EventType.values if value in events]


@transaction.atomic
def endpoint_create(
    *, tenant: Tenant, actor: User, url: str, description: str, events: list[str]
) -> WebhookEndpoint:
    url, events = _clean(url, events)
    return WebhookEndpoint.objects.create(
        tenant=tenant,
        url=url,
        description=description.strip(),
        events=events,
        created_by=actor,
    )


@transaction.atomic
def endpoint_update(
    *, tenant: Tenant, endpoint: WebhookEndpoint, url: str, description: str, events: list[str]
) -> WebhookEndpoint:
    url, events = _clean(url, events)
    endpoint.url, endpoint.description, endpoint.events = url, description.strip(), events
    endpoint.save(update_fields=["url", "description", "events", "updated_at"])
    return endpoint


@transaction.atomic
def endpoint_delete(*, tenant: Tenant, endpoint: WebhookEndpoint) -> None:
    """The endpoint and its log go; nothing more is sent to it."""
    WebhookEndpoint.objects.filter(tenant=tenant, pk=endpoint.pk).delete()


SECRET_FIELDS = ["secret", "previous_secret", "previous_secret_until", "updated_at"]


@transaction.atomic
def endpoint_rotate_secret(
    *, tenant: Tenant, endpoint: WebhookEndpoint, now: dt.datetime | None = None
) -> WebhookEndpoint:
    """A new signing secret, used from the next attempt on (retries included). The secret it
    replaces signs every delivery beside it for PREVIOUS_SECRET_KEPT, so the receiver can switch
    without refusing one in between; rotating again within that time drops the oldest."""
    now = now or timezone.now()
    # The row's secret, not the one the page read: two rotations at once keep the one in between.
    current = (
        WebhookEndpoint.objects.select_for_update()
        .filter(tenant=tenant, pk=endpoint.pk)
        .values_list("secret", flat=True)
        .get()
    )
    endpoint.previous_secret = current
    endpoint.previous_secret_until = now + PREVIOUS_SECRET_KEPT
    endpoint.secret = new_signing_secret()
    endpoint.save(update_fields=SECRET_FIELDS)
    return endpoint


@transaction.atomic
def endpoint_stop_previous_secret(*, tenant: Tenant, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """End the overlap early: from the next attempt on, only the current secret signs."""
    endpoint.previous_secret = ""
    endpoint.previous_secret_until = None
    endpoint.save(update_fields=SECRET_FIELDS[1:])
    return endpoint


def endpoints_forget_previous_secrets(*, tenant: Tenant, now: dt.datetime | None = None) -> int:
    """Replaced secrets whose overlap has ended are not kept: how many endpoints had one."""
    return WebhookEndpoint.objects.filter(
        tenant=tenant, previous_secret_until__lte=now or timezone.now()
    ).update(previous_secret="", previous_secret_until=None)


@transaction.atomic
def endpoint_enable(*, tenant: Tenant, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Back on, with a clean slate: the failures that disabled it no longer count. Events that
    happened while it was disabled are not sent."""
    endpoint.is_enabled = True
    endpoint.disabled_at = None
    endpoint.disabled_reason = ""
    endpoint.disabled_reason_params = {}
    endpoint.consecutive_failures = 0
    endpoint.failing_since = None
    endpoint.save(
        update_fields=[
            "is_enabled",
            "disabled_at",
            "disabled_reason",
            "disabled_reason_params",
            "consecutive_failures",
            "failing_since",
            "updated_at",
        ]
    )
    return endpoint


@transaction.atomic
def endpoint_disable(*, tenant: Tenant, endpoint: WebhookEndpoint, actor: User) -> WebhookEndpoint:
    now = timezone.now()
    endpoint.is_enabled = False
    endpoint.disabled_at = now
    endpoint.disabled_reason, endpoint.disabled_reason_params = stored_columns(
        stored_message(gettext_noop("Disabled by %(name)s."), name=actor.full_name or actor.email)
    )
    endpoint.save(
        update_fields=[
            "is_enabled",
            "disabled_at",
            "disabled_reason",
            "disabled_reason_params",
            "updated_at",
        ]
    )
    deliveries_cancel_waiting(tenant=tenant, endpoint=endpoint)
    return endpoint


@transaction.atomic
def endpoint_send_test(*, tenant: Tenant, endpoint: WebhookEndpoint, actor: User) -> None:
    """A `webhook.test` event for this endpoint alone, sent by the next sweep like any other."""
    if not endpoint.is_enabled:
        raise ValidationError(_("Enable the endpoint first."))
    data = {
        "endpoint_id": endpoint.pk,
        "message": _("A test event from Threadline."),
        "sent_by_user_id": actor.pk,
    }
    deliveries_schedule(
        tenant=tenant,
        event_type=TEST_EVENT,
        event_key=f"{TEST_EVENT}:{secrets.token_hex(8)}",
        body=payloads.body(TEST_EVENT, data),
        endpoints=[endpoint],
    )
