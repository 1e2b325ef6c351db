"""Who may act on which follow-up, who follow-ups can go to, and where a member works (their time
zone: times are grouped and shown in the member's own zone, User.time_zone, else the tenant's)."""

import zoneinfo

from django.db.models import Q, QuerySet

from crm.models import Membership, Role, Tenant, User
from followups.models import FollowUp


def member_zone(user: User, tenant: Tenant) -> zoneinfo.ZoneInfo:
    """Where the member works: their own zone if they set one, else the team's."""
    return user.zone_in(tenant)


def is_manager(membership: Membership) -> bool:
    return membership.role in (Role.ADMIN, Role.MANAGER)


def may_act_on(membership: Membership, follow_up: FollowUp) -> bool:
    """Managers and admins act on every follow-up; a rep on those given to them or they made."""
    return (
        is_manager(membership)
        or follow_up.assignee_id == membership.pk
        or (follow_up.created_by_id is not None and follow_up.created_by_id == membership.user_id)
    )


def acted_on_by(membership: Membership) -> Q:
    """may_act_on as a filter (bulk actions keep only the ticked rows the member may change)."""
    if is_manager(membership):
        return Q()
    return Q(assignee=membership) | Q(created_by_id=membership.user_id)


def follow_ups_changeable_by(*, tenant: Tenant, membership: Membership) -> QuerySet[FollowUp]:
    """The follow-ups the member may change (bulk actions keep only those of the ticked rows)."""
    return FollowUp.objects.filter(tenant=tenant).filter(acted_on_by(membership))


def assignable_members(*, tenant: Tenant) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(tenant=tenant, is_active=True)
        .select_related("user")
        .order_by("user__full_name", "pk")
    )


def default_assignee_scope(membership: Membership) -> str:
    """A rep starts on their own follow-ups, a manager or admin on the whole team's."""
    return "all" if is_manager(membership) else "mine"
