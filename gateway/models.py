"""Online payments: a tenant's provider account, the checkout sessions it opens, and the
provider's events, stored before they are processed.

Secrets (the provider's secret key and webhook signing secret) are kept encrypted
(crm.kit.encryption) in the `*_encrypted` fields and decrypted only when the provider is called or
an event is verified; the audit leaves them out.
"""

import secrets
import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.models import User, audited
from crm.tenancy.models import TenantOwnedModel

ACCOUNT_TOKEN_BYTES = 24  # the webhook URL's token: 32 url-safe characters, unguessable


class Provider(models.TextChoices):
    STRIPE = "stripe", _("Stripe")
    SANDBOX = "sandbox", _("Sandbox (no real money)")


class PaymentMethod(models.TextChoices):
    CARD = "card", _("Card")
    IDEAL = "ideal", _("iDEAL")


def account_token() -> str:
    return secrets.token_urlsafe(ACCOUNT_TOKEN_BYTES)


@audited(untracked=("secret_key_encrypted", "webhook_secret_encrypted", "updated_at"))
class PaymentAccount(TenantOwnedModel):
    """The tenant's account with a payment provider (one per tenant). Its `token` is in the
    webhook URL the admin pastes into the provider's dashboard: the webhook finds the tenant by
    it (PaymentRoute), then verifies the event with this account's signing secret."""

    provider = models.CharField(max_length=16, choices=Provider.choices, default=Provider.STRIPE)
    is_enabled = models.BooleanField(default=True)
    publishable_key = models.CharField(max_length=255, blank=True)
    secret_key_encrypted = models.TextField(blank=True)
    webhook_secret_encrypted = models.TextField(blank=True)
    methods = models.JSONField(default=list, blank=True)  # PaymentMethod values
    token = models.CharField(max_length=64, default=account_token, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="payment_account_one_per_tenant"),
            models.UniqueConstraint(fields=["tenant", "token"], name="payment_account_token"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} account"

    @property
    def has_secret_key(self) -> bool:
        return bool(self.secret_key_encrypted)

    @property
    def has_webhook_secret(self) -> bool:
        return bool(self.webhook_secret_encrypted)


class PaymentRoute(models.Model):
    """Which tenant and account a webhook URL's token belongs to, read before any tenant is
    known. Platform-wide like tickets' InboundRoute (no row-level security): it holds only ids;
    the secrets stay on PaymentAccount, read once the tenant is known."""

    token = models.CharField(max_length=64, unique=True)
    tenant_id = models.BigIntegerField()
    account_id = models.BigIntegerField()

    def __str__(self) -> str:
        return f"route of account {self.account_id}"


class SessionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")


class CheckoutSession(TenantOwnedModel):
    """One attempt to pay an amount through the provider's hosted checkout. `reference` is the
    caller's own name for what is paid ("invoice:42"), echoed back in gateway.events."""

    account = models.ForeignKey(PaymentAccount, on_delete=models.PROTECT, related_name="+")
    public_id = models.UUIDField(default=uuid.uuid4, editable=False)
    provider = models.CharField(max_length=16, choices=Provider.choices)
    status = models.CharField(
        max_length=16, choices=SessionStatus.choices, default=SessionStatus.OPEN
    )
    amount = models.DecimalField(max_digits=14, decimal_places=3)
    amount_minor = models.BigIntegerField()  # what the provider is asked for, in minor units
    currency = models.CharField(max_length=3)
    amount_refunded = models.DecimalField(max_digits=14, decimal_places=3, default=0)
    description = models.CharField(max_length=500)
    reference = models.CharField(max_length=200)
    customer_email = models.EmailField(blank=True)
    language = models.CharField(max_length=8, blank=True)
    methods = models.JSONField(default=list, blank=True)
    success_url = models.URLField(max_length=2000)
    cancel_url = models.URLField(max_length=2000)
    url = models.URLField(max_length=2000, blank=True)  # where the customer pays
    provider_session_id = models.CharField(max_length=255, blank=True)
    provider_payment_intent = models.CharField(max_length=255, blank=True)
    paid_with = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    paid_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)  # failed or expired

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "public_id"], name="checkout_session_public"),
            models.UniqueConstraint(
                fields=["tenant", "provider_session_id"],
                condition=~Q(provider_session_id=""),
                name="checkout_session_provider_id",
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0) & Q(amount_refunded__gte=0),
                name="checkout_session_amounts",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "reference", "-created_at"], name="checkout_by_ref"),
            models.Index(
                fields=["tenant", "provider_payment_intent"],
                condition=~Q(provider_payment_intent=""),
                name="checkout_by_payment_intent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.amount} {self.currency} ({self.status})"

    @property
    def amount_paid(self):
        return self.amount if self.status == SessionStatus.PAID else 0

    @property
    def refundable(self):
        return max(self.amount_paid - self.amount_refunded, 0)


class CheckoutRefund(TenantOwnedModel):
    """A refund staff asked the provider for. What the provider has refunded in total is the
    session's `amount_refunded`, set from its events (charge.refunded)."""

    session = models.ForeignKey(CheckoutSession, on_delete=models.CASCADE, related_name="refunds")
    amount = models.DecimalField(max_digits=14, decimal_places=3)
    provider_refund_id = models.CharField(max_length=255, blank=True)
    requested_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["tenant", "session"], name="checkout_refund_session")]

    def __str__(self) -> str:
        return f"refund {self.amount} of {self.session_id}"


class EventStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    PROCESSED = "processed", _("Processed")
    FAILED = "failed", _("Failed, retrying")
    DEAD = "dead", _("Gave up")


class EventOutcome(models.TextChoices):
    """What processing made of an event (a processed event's status says only that it is done)."""

    NONE = "", _("Not yet")
    PAID = "paid", _("Session paid")
    AWAITING = "awaiting", _("Paid later (delayed method)")
    FAILED = "failed", _("Session failed")
    EXPIRED = "expired", _("Session expired")
    REFUNDED = "refunded", _("Refund recorded")
    NO_CHANGE = "no_change", _("Already known")
    UNKNOWN_SESSION = "unknown_session", _("No such session")
    MISMATCH = "mismatch", _("Refused: amount or currency differs")
    IGNORED = "ignored", _("Event type not used")


class ProviderEvent(TenantOwnedModel):
    """One provider event exactly as it was posted (and verified), stored before anything else;
    `provider_event_id` (Stripe's evt_…) makes a replay a no-op."""

    account = models.ForeignKey(PaymentAccount, on_delete=models.CASCADE, related_name="+")
    provider_event_id = models.CharField(max_length=255)
    event_type = models.CharField(max_length=100)
    payload = models.JSONField()
    session = models.ForeignKey(
        CheckoutSession, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    received_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=16, choices=EventStatus.choices, default=EventStatus.PENDING
    )
    outcome = models.CharField(
        max_length=32, choices=EventOutcome.choices, default=EventOutcome.NONE, blank=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=1000, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "provider_event_id"], name="provider_event_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["tenant", "next_attempt_at"],
                condition=Q(status__in=["pending", "failed"]),
                name="provider_event_unprocessed",
            ),
            models.Index(fields=["tenant", "-received_at", "-id"], name="provider_event_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.provider_event_id}"
