from django.core.exceptions import PermissionDenied

from crm.models import Membership, Role
from leads.models import Lead


def may_act_on(membership: Membership, lead: Lead) -> bool:
    """Reps work their own leads and the unassigned ones; managers and admins, everyone's."""
    return membership.role != Role.REP or lead.owner_id in (None, membership.pk)


def ensure_may_act_on(membership: Membership, lead: Lead) -> None:
    if not may_act_on(membership, lead):
        raise PermissionDenied("This lead belongs to another rep: ask them or a manager.")
