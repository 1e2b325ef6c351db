"""Reads of API keys: the settings page's list, and the key a request presents."""

from django.db.models import Func, QuerySet, TextField, Value
from django.shortcuts import get_object_or_404

from api.models import ApiKey
from crm.models import Tenant


def api_keys_for_tenant(*, tenant: Tenant) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(tenant=tenant).select_related("created_by")


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


def api_key_presented(*, tenant: Tenant, prefix: str, secret_hash: str) -> ApiKey | None:
    # With its creator, the actor of the request's writes (read in the same statement).
    return (
        ApiKey.objects.filter(
            tenant=tenant, prefix=prefix, secret_hash=secret_hash, revoked_at__isnull=True
        )
        .select_related("created_by")
        .first()
    )
