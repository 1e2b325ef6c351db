"""The API's subscribers to other apps' events (config/events.py lists them)."""

from api.services.keys import api_keys_revoke_of_former_admin
from crm.events import MembershipChanged


def keys_revoke_of_former_admin(event: MembershipChanged) -> None:
    api_keys_revoke_of_former_admin(tenant=event.tenant, user=event.membership.user)
