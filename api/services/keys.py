"""Creating and revoking API keys (admins, in Settings), and noting when a key was last used."""

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from api.models import ApiKey, ApiKeyScope
from api.selectors.keys import api_keys_active_of, creator_holds_keys
from crm.models import NotificationLevel, Tenant, User
from crm.permissions import ADMINS
from crm.services.notifications import notifications_notify_roles

KEY_MARK = "tl_"
# How stale last_used_at may get: a busy key writes its row once a minute, not once a request.
LAST_USED_PRECISION = dt.timedelta(minutes=1)


def key_hash(key: str) -> str:
    """SHA-256 of the whole key. Keys carry 256 random bits, so a fast hash is enough (see
    ApiKey); a slow one would tax every request."""
    return hashlib.sha256(key.encode()).hexdigest()


def key_parts(key: str) -> tuple[str, str] | None:
    """(prefix, hash) of a presented key, or None when it is not shaped like one of ours."""
    if not key.startswith(KEY_MARK):
        return None
    prefix, _, secret = key[len(KEY_MARK) :].partition("_")
    if len(prefix) != 12 or not secret or len(key) > 200:
        return None
    return prefix, key_hash(key)


@dataclass(frozen=True)
class NewApiKey:
    api_key: ApiKey
    key: str
    """The whole key: shown to the admin once, never stored."""


@transaction.atomic
def api_key_create(*, tenant: Tenant, actor: User, name: str, scope: str) -> NewApiKey:
    if scope not in ApiKeyScope.values:
        raise ValueError(f"Unknown scope: {scope}")
    prefix = secrets.token_hex(6)
    key = f"{KEY_MARK}{prefix}_{secrets.token_urlsafe(32)}"
    api_key = ApiKey.objects.create(
        tenant=tenant,
        name=name,
        prefix=prefix,
        secret_hash=key_hash(key),
        scope=scope,
        created_by=actor,
    )
    return NewApiKey(api_key=api_key, key=key)


@transaction.atomic
def api_key_revoke(*, tenant: Tenant, actor: User, api_key: ApiKey) -> ApiKey:
    """The key stops working at once (its next request gets 401); its row stays for the record."""
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
    return api_key


def api_key_note_use(*, tenant: Tenant, api_key: ApiKey, now: dt.datetime | None = None) -> None:
    """Record the key's use, at most once a minute (a write per request would double the cost
    of a busy integration's reads)."""
    now = now or timezone.now()
    if api_key.last_used_at and now - api_key.last_used_at < LAST_USED_PRECISION:
        return
    ApiKey.objects.filter(tenant=tenant, pk=api_key.pk).update(last_used_at=now)
    api_key.last_used_at = now


@transaction.atomic
def api_keys_revoke_of_former_admin(
    *, tenant: Tenant, user: User, now: dt.datetime | None = None
) -> list[ApiKey]:
    """Revoke the keys `user` created once they no longer hold keys (made a manager or a rep,
    taken off the team, deactivated), and tell the admins which keys stopped. Nothing while they
    still do. A key acts with its creator's rights, so it would answer 403 anyway (api.auth);
    revoked, it says so on the settings page, and the admins know to make a new one."""
    now = now or timezone.now()
    if User.objects.filter(pk=user.pk).filter(creator_holds_keys(tenant=tenant, user_id=user.pk)):
        return []
    keys = list(api_keys_active_of(tenant=tenant, user_id=user.pk).select_for_update())
    if not keys:
        return []
    ApiKey.objects.filter(tenant=tenant, pk__in=[key.pk for key in keys]).update(revoked_at=now)
    notifications_notify_roles(
        tenant=tenant,
        roles=ADMINS,
        title=gettext_noop("API keys of %(member)s revoked"),
        title_params={"member": user.full_name or user.email},
        body=gettext_noop(
            "A key acts with the rights of the admin who created it, and %(member)s is no longer "
            "an admin of the team. Revoked: %(keys)s. Create new keys for the programs that used "
            "them."
        ),
        body_params={
            "member": user.full_name or user.email,
            "keys": ", ".join(key.name for key in keys),
        },
        url=reverse("api-settings:keys"),
        level=NotificationLevel.WARNING,
        kind="api_keys_revoked",
    )
    return keys
