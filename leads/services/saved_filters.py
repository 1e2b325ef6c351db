"""A member's saved filters of the lead list."""

from crm.models import Membership, Tenant
from leads.models import SavedLeadFilter


def saved_filter_save(
    *, tenant: Tenant, membership: Membership, name: str, query: str, is_shared: bool
) -> SavedLeadFilter:
    saved, _ = SavedLeadFilter.objects.update_or_create(
        tenant=tenant,
        membership=membership,
        name=name.strip(),
        defaults={"query": query.lstrip("?"), "is_shared": is_shared},
    )
    return saved


def saved_filter_delete(*, tenant: Tenant, saved_filter: SavedLeadFilter) -> None:
    SavedLeadFilter.objects.filter(tenant=tenant, pk=saved_filter.pk).delete()
