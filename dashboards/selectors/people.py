"""Who the per-rep rows are about: one query for every section's names."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from crm.models import Membership, Role
from dashboards.period import Scope

# Lazy: the figures are kept (and shared by readers of every language), the words are the reader's.
UNASSIGNED = gettext_lazy("Unassigned")
FORMER_MEMBER = gettext_lazy("Former member")


@dataclass(frozen=True)
class Member:
    pk: int
    name: str
    is_rep: bool
    is_active: bool


def team_members(scope: Scope) -> dict[int, Member]:
    """The tenant's members by id (inactive ones too: their old leads still count); a rep's scope
    holds only the rep. Read once per scope: a page's sections all ask."""
    if "members" not in scope.memo:
        memberships = Membership.objects.filter(tenant=scope.tenant).select_related("user")
        if scope.rep is not None:
            memberships = memberships.filter(pk=scope.rep.pk)
        scope.memo["members"] = {
            membership.pk: Member(
                pk=membership.pk,
                name=str(membership.user),
                is_rep=membership.role == Role.REP,
                is_active=membership.is_active,
            )
            for membership in memberships
        }
    return scope.memo["members"]


def member_order(members: dict[int, Member], member_ids) -> list[int | None]:
    """The ids in name order, reps first, with None (unassigned) last."""
    ids = set(member_ids)

    def sort_key(pk: int):
        member = members.get(pk)
        return (True, "") if member is None else (not member.is_rep, member.name.lower())

    known = sorted((pk for pk in ids if pk is not None), key=sort_key)
    return known + ([None] if None in ids else [])


def member_name(members: dict[int, Member], member_id: int | None) -> str | Promise:
    if member_id is None:
        return UNASSIGNED
    member = members.get(member_id)
    return member.name if member else FORMER_MEMBER
