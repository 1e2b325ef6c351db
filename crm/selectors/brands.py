"""Reads of the business's brands."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from crm.models import Brand, Tenant


def brands_for_tenant(*, tenant: Tenant, include_archived: bool = True) -> QuerySet[Brand]:
    brands = Brand.objects.filter(tenant=tenant)
    if not include_archived:
        brands = brands.filter(is_archived=False)
    return brands.order_by("is_archived", "name")


def sending_brand(*, tenant: Tenant, brand: Brand | None = None) -> Brand | None:
    """The brand a customer hears from: the given one (a lead's, a form's), else the default."""
    return brand or Brand.objects.filter(tenant=tenant, is_default=True).first()


def brand_get(*, tenant: Tenant, brand_id: int) -> Brand:
    return get_object_or_404(Brand.objects.filter(tenant=tenant), pk=brand_id)
