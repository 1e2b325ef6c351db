"""Reads of the team: memberships of a user or a tenant, time off."""

from django.db import transaction
from django.db.models import F, Func, QuerySet, TextField, Value
from django.db.models.functions import Cast
from django.shortcuts import get_object_or_404

from crm.kit.languages import supported_language, tenant_language
from crm.kit.statements import InstancesFor, kept
from crm.models import Membership, Tenant, TimeOff, User
from crm.tenancy.context import TENANT_SETTING, set_database_user


def memberships_for_user(*, user: User) -> list[Membership]:
    """The tenants a user may work in (row-level security lets them read their own memberships)."""
    return list(
        Membership.unscoped.filter(user=user, is_active=True)
        .select_related("tenant")
        .order_by("tenant__name")
    )


def membership_for_user(*, user: User, membership_id: int) -> Membership | None:
    return (
        Membership.unscoped.filter(pk=membership_id, user=user, is_active=True)
        .select_related("tenant", "user")
        .first()
    )


def membership_entering(*, user_id: int, membership_id: int) -> Membership | None:
    """The request's active membership with its user and tenant, read in the statement that also
    makes its tenant the transaction's (``app.tenant_id``, wall 2): the setting is made in the
    row's projection, so only for a membership the user may read and that is still active, and in
    no extra round trip. The user is the session's claim (crm.auth.session_user checks it on this
    row).

    ``app.user_id`` must be set before the statement (row-level security shows a user their own
    memberships); the tenant middleware sends it in the same round trip, so the statement is
    kept (every signed-in request reads it: compiled once per process) but bound on the client.
    """
    statement = kept("crm.membership_entering", lambda: InstancesFor(_entering, 2, prepared=False))
    found = statement.instances(membership_id, user_id)
    return found[0] if found else None


def _entering(membership_id: int, user_id: int) -> QuerySet[Membership]:
    return (
        Membership.unscoped.filter(pk=membership_id, user_id=user_id, is_active=True)
        .select_related("tenant", "user")
        .annotate(
            _tenant_setting=Func(
                Value(TENANT_SETTING),
                Cast(F("tenant_id"), output_field=TextField()),
                Value(True),
                function="set_config",
                output_field=TextField(),
            )
        )
    )


def team_members(*, tenant: Tenant) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(tenant=tenant)
        .select_related("user")
        .order_by("-is_active", "user__full_name")
    )


def membership_get(*, tenant: Tenant, membership_id: int) -> Membership:
    return get_object_or_404(
        Membership.objects.filter(tenant=tenant).select_related("user"), pk=membership_id
    )


def membership_of(*, tenant: Tenant, user: User | None) -> Membership | None:
    """The user's membership of the tenant, active or not: whom a key they made acts as."""
    if user is None:
        return None
    return Membership.objects.filter(tenant=tenant, user=user).select_related("user").first()


def time_off_upcoming(*, tenant: Tenant, membership: Membership) -> QuerySet[TimeOff]:
    """Current and coming time off: past days no longer change who gets a lead."""
    return TimeOff.objects.filter(
        tenant=tenant, membership=membership, ends_on__gte=tenant.today()
    ).order_by("starts_on", "id")


def time_off_get(*, tenant: Tenant, time_off_id: int) -> TimeOff:
    return get_object_or_404(
        TimeOff.objects.filter(tenant=tenant).select_related("membership__user"), pk=time_off_id
    )


def member_language(*, user: User) -> str | None:
    """The language a member reads outside any team (their password reset): their own, else
    that of their teams when they all speak one; None when nothing says."""
    own = supported_language(user.language)
    if own:
        return own
    # Row-level security shows a user their own memberships only once they are named.
    with transaction.atomic():
        set_database_user(user.pk)
        try:
            teams = {
                tenant_language(membership.tenant) for membership in memberships_for_user(user=user)
            }
        finally:
            set_database_user(None)
    return teams.pop() if len(teams) == 1 else None
