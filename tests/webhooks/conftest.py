import pytest

from crm.models import Tenant
from tests.webhooks.receiver import Receiver
from webhooks.models import EventType, WebhookDelivery, WebhookEndpoint
from webhooks.services import deliveries
from webhooks.services.endpoints import endpoint_create


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


def subscribe(world, url: str, events=None) -> WebhookEndpoint:
    with world.active():
        return endpoint_create(
            tenant=world.tenant,
            actor=world.admin.user,
            url=url,
            description="Accounting sync",
            events=list(events or EventType.values),
        )


def deliver_due(tenant: Tenant, now=None) -> list[str]:
    """What the sweep and the send tasks do, in this process: claim due rows, send each."""
    from crm.tenancy import tenant_context

    with tenant_context(tenant):
        ids = deliveries.deliveries_claim_due(tenant=tenant, now=now)
        return [deliveries.delivery_send(tenant=tenant, delivery_id=i, now=now) for i in ids]


def deliveries_of(world, endpoint=None) -> list[WebhookDelivery]:
    with world.active():
        rows = WebhookDelivery.objects.filter(tenant=world.tenant).order_by("created_at", "id")
        if endpoint is not None:
            rows = rows.filter(endpoint=endpoint)
        return list(rows)
