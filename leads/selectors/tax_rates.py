"""The tenant's tax rates, for the settings page and the quote editor."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from crm.models import Tenant
from leads.models import TaxRate


def tax_rates(*, tenant: Tenant, include_archived: bool = False) -> QuerySet[TaxRate]:
    rates = TaxRate.objects.filter(tenant=tenant)
    if not include_archived:
        rates = rates.filter(is_archived=False)
    return rates.order_by("-is_default", "name", "id")


def tax_rate_get(*, tenant: Tenant, tax_rate_id: int) -> TaxRate:
    return get_object_or_404(TaxRate.objects.filter(tenant=tenant), pk=tax_rate_id)


def default_tax_rate(*, tenant: Tenant) -> TaxRate | None:
    return TaxRate.objects.filter(tenant=tenant, is_default=True, is_archived=False).first()
