"""The tenant's team (read only): who owns leads and follow-ups."""

from ninja import Query, Router, Schema

from api.schemas import MAX_LIMIT, READ_ERRORS, Page, page
from crm.models import Role
from crm.pagination import keyset_page
from crm.selectors.members import membership_get, team_members

router = Router()


class Member(Schema):
    id: int
    user_id: int
    name: str
    email: str
    role: Role
    title: str
    is_active: bool

    @staticmethod
    def resolve_name(membership) -> str:
        return membership.user.full_name

    @staticmethod
    def resolve_email(membership) -> str:
        return membership.user.email


class ListParams(Schema):
    cursor: str | None = None
    limit: int = Query(50, ge=1, le=MAX_LIMIT)


@router.get("", response={200: Page[Member], **READ_ERRORS}, summary="List team members")
def member_list(request, params: Query[ListParams]):
    members = team_members(tenant=request.tenant)
    return page(keyset_page(members, order=("id",), after=params.cursor, per_page=params.limit))


@router.get("{member_id}", response={200: Member, **READ_ERRORS}, summary="Get a team member")
def member_detail(request, member_id: int):
    return membership_get(tenant=request.tenant, membership_id=member_id)
