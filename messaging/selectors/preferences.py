"""Reads for a member's notification preferences page."""

from crm.models import Membership, Tenant
from messaging.models import MessageChannel, StaffNotificationPreference


def staff_notification_preferences(*, tenant: Tenant, membership: Membership) -> dict[str, set]:
    """{kind: {"email", "sms"}} for the kinds the member gets copies of."""
    chosen = {}
    rows = StaffNotificationPreference.objects.filter(tenant=tenant, membership=membership)
    for row in rows:
        channels = {MessageChannel.EMAIL} if row.by_email else set()
        if row.by_sms:
            channels.add(MessageChannel.SMS)
        chosen[row.kind] = channels
    return chosen
