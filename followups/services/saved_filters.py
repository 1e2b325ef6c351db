"""A member's named filters of the follow-up list."""

from django.db import transaction

from crm.models import Membership, Tenant
from followups.models import SavedFollowUpFilter


@transaction.atomic
def saved_follow_up_filter_save(
    *, tenant: Tenant, membership: Membership, name: str, query: str
) -> SavedFollowUpFilter:
    """A member's named list filter; saving a name again replaces its filter."""
    saved, _ = SavedFollowUpFilter.objects.update_or_create(
        tenant=tenant,
        membership=membership,
        name=name.strip()[:80],
        defaults={"query": query[:1000]},
    )
    return saved


@transaction.atomic
def saved_follow_up_filter_delete(*, tenant: Tenant, saved_filter: SavedFollowUpFilter) -> None:
    SavedFollowUpFilter.objects.filter(tenant=tenant, pk=saved_filter.pk).delete()
