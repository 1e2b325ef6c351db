"""Speed to lead: owners, then managers, hear about new leads nobody has contacted."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from crm.kit.formatting import stored_duration
from crm.kit.links import lead_page
from crm.kit.stored_text import stored_message
from crm.models import NotificationLevel, Role, Tenant
from crm.services.notifications import notifications_notify_roles
from leads.models import Lead, LeadStatus
from leads.selectors.settings import lead_settings_get
from leads.services.notices import lead_owner_notify


@transaction.atomic
def leads_alert_untouched(*, tenant: Tenant, now: dt.datetime | None = None) -> int:
    """Speed to lead: a new lead nobody has contacted alerts its owner, then the managers."""
    now = now or timezone.now()
    config = lead_settings_get(tenant=tenant)
    owner_cutoff = now - dt.timedelta(minutes=config.untouched_owner_alert_minutes)
    manager_cutoff = now - dt.timedelta(minutes=config.untouched_manager_alert_minutes)
    untouched = (
        Lead.objects.filter(tenant=tenant, status=LeadStatus.OPEN, first_touch_at__isnull=True)
        .select_related("owner__user", "contact")
        .select_for_update(of=("self",), skip_locked=True)
    )
    sent = 0
    for lead in untouched.filter(created_at__lte=owner_cutoff, untouched_alerts_sent=0):
        lead_owner_notify(
            tenant,
            lead,
            gettext_noop("%(name)s has waited %(duration)s for a first contact"),
            level=NotificationLevel.WARNING,
            kind="lead_untouched",
            title_params={
                "name": lead.contact.display_name,
                "duration": stored_duration(now - lead.created_at),
            },
        )
        Lead.objects.filter(tenant=tenant, pk=lead.pk).update(untouched_alerts_sent=1)
        sent += 1
    for lead in untouched.filter(created_at__lte=manager_cutoff, untouched_alerts_sent__lt=2):
        owner = str(lead.owner.user) if lead.owner else stored_message(gettext_noop("nobody"))
        notifications_notify_roles(
            tenant=tenant,
            roles=[Role.MANAGER, Role.ADMIN],
            title=gettext_noop("Untouched for %(duration)s: %(name)s (%(owner)s)"),
            title_params={
                "duration": stored_duration(now - lead.created_at),
                "name": lead.contact.display_name,
                "owner": owner,
            },
            url=lead_page(lead.pk),
            level=NotificationLevel.URGENT,
            kind="lead_untouched",
        )
        Lead.objects.filter(tenant=tenant, pk=lead.pk).update(untouched_alerts_sent=2)
        sent += 1
    return sent
