"""Endpoints an admin subscribes to events, and the deliveries of those events to them."""

import base64
import datetime as dt
import secrets

import pghistory
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.kit.stored_text import stored_render
from crm.models import User, audited
from crm.tenancy.models import TenantOwnedModel

SECRET_PREFIX = "whsec_"  # noqa: S105  (the prefix of every secret, not a secret)
SECRET_BYTES = 32
# After a rotation deliveries are signed with the old secret too for this long, so the receiver
# can switch to the new one without rejecting a delivery in between.
PREVIOUS_SECRET_KEPT = dt.timedelta(hours=24)


def new_signing_secret() -> str:
    """`whsec_` + base64 of random bytes, as the Standard Webhooks libraries expect."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def new_webhook_id() -> str:
    return "msg_" + secrets.token_urlsafe(18)


class EventType(models.TextChoices):
    LEAD_CREATED = "lead.created", _("Lead created")
    LEAD_STAGE_CHANGED = "lead.stage_changed", _("Lead moved to another stage")
    LEAD_WON = "lead.won", _("Lead won")
    LEAD_LOST = "lead.lost", _("Lead lost")
    QUOTE_ACCEPTED = "quote.accepted", _("Quote accepted")
    QUOTE_DECLINED = "quote.declined", _("Quote declined")
    PAYMENT_RECORDED = "payment.recorded", _("Payment recorded")
    MESSAGE_RECEIVED = "message.received", _("Message received from a customer")
    FOLLOW_UP_COMPLETED = "follow_up.completed", _("Follow-up completed")
    INVOICE_SENT = "invoice.sent", _("Invoice sent")
    INVOICE_PAID = "invoice.paid", _("Invoice paid in full")
    INVOICE_OVERDUE = "invoice.overdue", _("Invoice overdue")
    INVOICE_VOIDED = "invoice.voided", _("Invoice voided")
    PAYMENT_FAILED = "payment.failed", _("Online payment failed")
    PAYMENT_REFUNDED = "payment.refunded", _("Payment refunded")


# Not subscribable: the "Send test event" button's.
TEST_EVENT = "webhook.test"


# Audited without the signing secrets (the history must not become a second copy of them) and
# without the delivery counters every attempt moves; disabling, by hand or for failures, is kept.
@audited(
    untracked=(
        "secret",
        "previous_secret",
        "previous_secret_until",
        "consecutive_failures",
        "failing_since",
        "last_success_at",
        "updated_at",
    ),
    obj_field=pghistory.ObjForeignKey(related_name="audit_events"),
)
class WebhookEndpoint(TenantOwnedModel):
    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    events = ArrayField(models.CharField(max_length=40, choices=EventType.choices))
    secret = models.CharField(max_length=100, default=new_signing_secret)
    # The secret a rotation replaced, still signing with the new one until `previous_secret_until`.
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    is_enabled = models.BooleanField(default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    # The reason's msgid and values (crm.kit.stored_text): it reads in the admin's language.
    disabled_reason_params = models.JSONField(default=dict, blank=True)
    # Failed attempts since the last 2xx (of any of its deliveries), and when that run began.
    consecutive_failures = models.PositiveIntegerField(default=0)
    failing_since = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "created_at", "id"], name="webhook_endpoints")]

    def __str__(self) -> str:
        return self.url

    @property
    def shown_disabled_reason(self) -> str:
        return stored_render(self.disabled_reason, self.disabled_reason_params)

    def previous_secret_active(self, now: dt.datetime | None = None) -> bool:
        return bool(
            self.previous_secret
            and self.previous_secret_until
            and self.previous_secret_until > (now or timezone.now())
        )

    def signing_secrets(self, now: dt.datetime | None = None) -> list[str]:
        """The secrets a delivery is signed with now: the current one, and the one it replaced
        while the overlap after a rotation lasts."""
        if self.previous_secret_active(now):
            return [self.secret, self.previous_secret]
        return [self.secret]


class DeliveryStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    QUEUED = "queued", _("Sending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Not sent")


# A row queued this long ago whose task never ran (a lost task message) is claimed again.
QUEUED_LEASE = dt.timedelta(minutes=5)


class WebhookDelivery(TenantOwnedModel):
    """One event for one endpoint: the outbox row. `event_key` names the event (a replay of the
    same event finds the row already there); `webhook_id` is the `webhook-id` header, the same on
    every attempt so the receiver can drop duplicates; `body` is the JSON sent, byte for byte."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_type = models.CharField(max_length=40)
    event_key = models.CharField(max_length=200)
    webhook_id = models.CharField(max_length=40, default=new_webhook_id)
    body = models.TextField()
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.SCHEDULED
    )
    send_after = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    last_duration_ms = models.PositiveIntegerField(null=True, blank=True)
    # Every attempt: when, status code, duration, error or the start of the response body.
    attempt_log = models.JSONField(default=list, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "endpoint", "event_key"], name="webhook_delivery_once"
            ),
            models.UniqueConstraint(fields=["tenant", "webhook_id"], name="webhook_delivery_id"),
        ]
        indexes = [
            models.Index(
                fields=["tenant", "send_after"],
                condition=Q(status="scheduled"),
                name="webhook_delivery_due",
            ),
            models.Index(
                fields=["tenant", "queued_at"],
                condition=Q(status="queued"),
                name="webhook_delivery_queued",
            ),
            models.Index(
                fields=["tenant", "endpoint", "-created_at", "-id"], name="webhook_delivery_log"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint_id}"
