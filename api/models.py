from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.models import audited
from crm.tenancy.models import TenantOwnedModel


class ApiKeyScope(models.TextChoices):
    READ = "read", _("Read")
    WRITE = "write", _("Read and write")


# Audited without its hash, and not for the minute-by-minute last_used_at (an update that changes
# no tracked field records nothing).
@audited(untracked=("secret_hash", "last_used_at"))
class ApiKey(TenantOwnedModel):
    """A key another program uses to call the API as the tenant.

    The key is shown once; only its ``prefix`` (public: it names the key in lists and finds it
    on each request) and the SHA-256 of the whole key are kept. A key holds 256 random bits, so a
    fast hash is right: a slow password hash protects guessable secrets, and would cost every API
    request tens of milliseconds for nothing.
    """

    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(max_length=16, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    scope = models.CharField(
        _("scope"), max_length=8, choices=ApiKeyScope.choices, default=ApiKeyScope.READ
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "prefix"], name="api_key_unique_prefix")
        ]
        # Each request finds its key by prefix before the tenant is known (migration 0002).
        indexes = [models.Index(fields=["prefix"], name="api_key_prefix")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def can_write(self) -> bool:
        return self.scope == ApiKeyScope.WRITE


class IdempotentRequest(TenantOwnedModel):
    """A POST sent with an ``Idempotency-Key``, and the answer it got: the same key with the same
    request replays that answer instead of acting twice; with another request it is refused.
    Kept per key for IDEMPOTENCY_KEEP (api/services/idempotency.py), then forgotten."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and body.")
    # Null while the first request is still running.
    status_code = models.PositiveSmallIntegerField(null=True)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "api_key", "key"], name="idempotent_request_unique_key"
            )
        ]
        # The hourly purge and a claim's clearing of its own API key's expired keys both read the
        # rows past their expiry: the few of the last hour, once the purge runs.
        indexes = [models.Index(fields=["tenant", "expires_at"], name="idempotent_request_expired")]

    def __str__(self) -> str:
        return self.key
