"""Notices about a lead: its owner hears, or the managers when nobody owns it."""

from crm.kit.links import lead_page
from crm.models import NotificationLevel, Role, Tenant
from crm.services.notifications import notification_create, notifications_notify_roles
from leads.models import Lead


def lead_owner_notify(
    tenant: Tenant,
    lead: Lead,
    title: str,
    level=NotificationLevel.INFO,
    kind: str = "",
    title_params: dict | None = None,
) -> None:
    """`title` a msgid with `title_params` its values (read in the recipient's language), or
    without them free text (crm.services.notifications.notification_create)."""
    recipient = lead.owner.user if lead.owner else None
    url = lead_page(lead.pk)
    if recipient is not None:
        notification_create(
            tenant=tenant,
            recipient=recipient,
            title=title,
            title_params=title_params,
            url=url,
            level=level,
            kind=kind,
        )
    else:
        notifications_notify_roles(
            tenant=tenant,
            roles=[Role.MANAGER, Role.ADMIN],
            title=title,
            title_params=title_params,
            url=url,
            level=level,
            kind=kind,
        )
