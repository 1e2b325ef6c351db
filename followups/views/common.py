"""What the follow-up pages share: the member's time zone, safe return links, the filters."""

import datetime as dt
import functools
from urllib.parse import urlencode, urlsplit

from django.http import QueryDict
from django.utils import timezone

from followups.forms.follow_ups import FollowUpFilterForm
from followups.selectors.lists import FilterChoices, filter_choices
from followups.selectors.members import may_act_on, member_zone


def in_member_zone(view):
    """Show and read times in the member's own zone (the middleware activates the team's)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        request.zone = member_zone(request.user, request.tenant)
        with timezone.override(request.zone):
            return view(request, *args, **kwargs)

    return wrapper


def params_of(url: str) -> QueryDict:
    """The query string of a page's own URL (an htmx action re-renders that page's part)."""
    return QueryDict(urlsplit(url).query)


def query_string(params, *, drop=("after",)) -> str:
    """The filters as a query string, without the page cursor and empty values."""
    return urlencode([(key, value) for key, value in params.items() if key not in drop and value])


# The filters the list, the calendar and the board share (the tabs carry them across).
SHARED_FILTERS = ("q", "assignee", "type", "priority", "contact", "lead")


def tab_query(params) -> str:
    return urlencode([(key, params[key]) for key in SHARED_FILTERS if params.get(key)])


def filter_form(request, params, choices: FilterChoices | None = None) -> FollowUpFilterForm:
    choices = choices or filter_choices(tenant=request.tenant, membership=request.membership)
    return FollowUpFilterForm(
        params,
        tenant=request.tenant,
        membership=request.membership,
        members=choices.members,
        types=choices.types,
    )


def mark(follow_ups, request, now: dt.datetime) -> list:
    """Set what a row, card or calendar entry shows about each follow-up for this member."""
    follow_ups = list(follow_ups)
    for follow_up in follow_ups:
        follow_up.may_act = may_act_on(request.membership, follow_up)
        follow_up.is_overdue = follow_up.is_open and follow_up.scheduled_at < now
    return follow_ups
