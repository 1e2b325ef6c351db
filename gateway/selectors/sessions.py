"""Reads of checkout sessions and provider events, and the sandbox page's signed links."""

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.core import signing
from django.db.models import DecimalField, Sum, Value
from django.db.models.functions import Coalesce

from crm.kit.signed_tokens import signed_token_read
from crm.models import Tenant
from crm.tenancy.sweeps import tenants_from_function
from gateway.models import CheckoutSession, EventStatus, ProviderEvent, SessionStatus

SANDBOX_LINK_SALT = "gateway.sandbox-checkout"
SANDBOX_LINK_MAX_AGE = dt.timedelta(hours=24)  # as long as a Stripe Checkout Session lives


@dataclass(frozen=True)
class SandboxLink:
    tenant_id: int
    public_id: uuid.UUID


def sandbox_checkout_token(session: CheckoutSession) -> str:
    return signing.dumps([session.tenant_id, session.public_id.hex], salt=SANDBOX_LINK_SALT)


def sandbox_link_read(token: str) -> SandboxLink | None:
    return signed_token_read(
        token,
        salt=SANDBOX_LINK_SALT,
        max_age=SANDBOX_LINK_MAX_AGE,
        read=lambda payload: SandboxLink(int(payload[0]), uuid.UUID(hex=payload[1])),
    )


def session_by_public_id(*, tenant: Tenant, public_id: uuid.UUID) -> CheckoutSession | None:
    return (
        CheckoutSession.objects.select_related("account")
        .filter(tenant=tenant, public_id=public_id)
        .first()
    )


def session_get(*, tenant: Tenant, session_pk: int) -> CheckoutSession:
    return CheckoutSession.objects.select_related("account").get(tenant=tenant, pk=session_pk)


def sessions_of_reference(*, tenant: Tenant, reference: str) -> list[CheckoutSession]:
    return list(
        CheckoutSession.objects.filter(tenant=tenant, reference=reference).order_by("-created_at")
    )


@dataclass(frozen=True)
class PaidSession:
    """A paid session with the refunds asked of the provider that its events have not yet
    confirmed (`pending`): what can still be refunded leaves those out."""

    session: CheckoutSession
    pending: Decimal

    @property
    def refundable(self) -> Decimal:
        return max(Decimal(self.session.refundable) - self.pending, Decimal("0"))


def paid_sessions_of_reference(*, tenant: Tenant, reference: str) -> list[PaidSession]:
    """The paid sessions of a reference, oldest first, in one query."""
    sessions = (
        CheckoutSession.objects.filter(
            tenant=tenant, reference=reference, status=SessionStatus.PAID
        )
        .annotate(
            requested=Coalesce(
                Sum("refunds__amount"),
                Value(Decimal("0")),
                output_field=DecimalField(max_digits=14, decimal_places=3),
            )
        )
        .order_by("paid_at", "id")
    )
    return [
        PaidSession(session, max(session.requested - session.amount_refunded, Decimal("0")))
        for session in sessions
    ]


def provider_events_recent(*, tenant: Tenant, limit: int = 20) -> list[ProviderEvent]:
    return list(
        ProviderEvent.objects.filter(tenant=tenant)
        .select_related("session")
        .order_by("-received_at", "-id")[:limit]
    )


def provider_events_due(*, tenant: Tenant, now: dt.datetime, limit: int = 500) -> list[int]:
    """Ids of events stored but not processed whose turn has come (first try or a retry)."""
    return list(
        ProviderEvent.objects.filter(
            tenant=tenant,
            status__in=(EventStatus.PENDING, EventStatus.FAILED),
            next_attempt_at__lte=now,
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def provider_events_due_tenant_ids(now: dt.datetime) -> list[int]:
    """Tenants with events provider_events_due would return now (gateway migration 0002)."""
    return tenants_from_function("threadline_tenants_with_due_provider_events", now)
