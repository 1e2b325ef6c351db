"""The request as the project's middleware leave it, for the views and helpers that read what
they add: django-htmx's details of an htmx request, and the team the person works in."""

from typing import TYPE_CHECKING

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

if TYPE_CHECKING:
    from crm.models import Membership, Tenant


class HtmxRequest(HttpRequest):
    htmx: HtmxDetails


class TeamRequest(HtmxRequest):
    """crm.middleware's: the active membership and its tenant, both None outside a team."""

    tenant: "Tenant | None"
    membership: "Membership | None"
