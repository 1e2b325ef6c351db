"""Reads of API keys: the settings page's list, and the key a request presents."""

from typing import TYPE_CHECKING, TypedDict

from django.db.models import Exists, Func, OuterRef, QuerySet, TextField, Value
from django.shortcuts import get_object_or_404

from api.models import ApiKey
from crm.models import Membership, Role, Tenant

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations  # a development dependency: for mypy only

# Only admins create keys (Settings → API keys), and a key acts with its creator's rights as they
# are now: it works while they are an active admin of the team.
KEY_HOLDER_ROLES = (Role.ADMIN,)


class CreatorHolds(TypedDict):
    creator_holds: bool


def creator_holds_keys(*, tenant: Tenant, user_id: int | OuterRef) -> Exists:
    """Whether this user may still hold the team's API keys (a query expression when user_id is
    an OuterRef)."""
    return Exists(
        Membership.objects.filter(
            tenant=tenant,
            user_id=user_id,
            user__is_active=True,
            is_active=True,
            role__in=KEY_HOLDER_ROLES,
        )
    )


def api_keys_for_tenant(*, tenant: Tenant) -> QuerySet[ApiKey]:
    return (
        ApiKey.objects.filter(tenant=tenant)
        .annotate(creator_holds=creator_holds_keys(tenant=tenant, user_id=OuterRef("created_by")))
        .select_related("created_by")
    )


def api_key_get(*, tenant: Tenant, api_key_id: int) -> ApiKey:
    return get_object_or_404(ApiKey.objects.filter(tenant=tenant), pk=api_key_id)


def tenant_holding_key(*, prefix: str, secret_hash: str) -> Tenant | None:
    """The tenant whose active key this is, found before any tenant is known (row-level security
    hides api_apikey until then): through the SECURITY DEFINER function of migration 0001, which
    answers only a tenant id."""
    holder = Func(
        Value(prefix, output_field=TextField()),
        Value(secret_hash, output_field=TextField()),
        function="threadline_api_key_tenant",
    )
    return Tenant.objects.filter(pk=holder).first()


def api_key_presented(
    *, tenant: Tenant, prefix: str, secret_hash: str
) -> "WithAnnotations[ApiKey, CreatorHolds] | None":
    # With its creator, the actor of the request's writes, and whether they still hold keys
    # (`creator_holds`), read in the same statement.
    return (
        ApiKey.objects.filter(
            tenant=tenant, prefix=prefix, secret_hash=secret_hash, revoked_at__isnull=True
        )
        .annotate(creator_holds=creator_holds_keys(tenant=tenant, user_id=OuterRef("created_by")))
        .select_related("created_by")
        .first()
    )


def api_keys_active_of(*, tenant: Tenant, user_id: int) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(tenant=tenant, created_by_id=user_id, revoked_at__isnull=True)
