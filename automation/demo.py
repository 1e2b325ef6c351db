"""Demo automation for `make dev`: the tenant's triggers, its update rhythm, a few booked
appointments so the reminders have something to remind about, and a first day of messages.

Runs after the demo leads and messaging's templates exist (the leads' history was written without
announcing it, so no trigger fired for it). Then the newest leads get their acknowledgement and the
longest-running jobs their status update, through the real triggers and outbox: once the worker
runs they are in Settings → Outbox, sent, or deferred to the customer's morning if it is late where
they are.
"""

import datetime as dt

from django.utils import timezone

from automation.demo_triggers import seed_triggers
from automation.services.triggers import triggers_on_lead_created
from automation.services.updates import customer_update_send, lead_update_rhythm
from crm.models import Tenant
from leads.models import Lead, LeadStatus
from messaging.models import MessageTemplate, OutboundMessage

APPOINTMENT_STAGES = ("Inspection scheduled", "Site survey scheduled", "Inspection")


def seed_automation(*, tenant: Tenant, templates: dict[str, MessageTemplate]) -> None:
    seed_triggers(tenant=tenant, templates=templates)
    live = Lead.objects.filter(tenant=tenant).exclude(status=LeadStatus.LOST)
    for lead in live.select_related("stage", "contact"):
        lead_update_rhythm(tenant=tenant, lead=lead)
    _book_appointments(tenant, live)
    if not OutboundMessage.objects.filter(tenant=tenant).exists():
        _first_messages(tenant, live)


def _book_appointments(tenant: Tenant, live) -> None:
    """Leads waiting for a visit get one in the next days, 10:00 or 14:00 local."""
    waiting = live.filter(stage__name__in=APPOINTMENT_STAGES, appointment_at__isnull=True)
    today = timezone.localdate(timezone=tenant.zone)
    for index, lead in enumerate(waiting.order_by("pk")[:6]):
        day = today + dt.timedelta(days=1 + index // 2)
        hour = 10 if index % 2 == 0 else 14
        when = dt.datetime.combine(day, dt.time(hour), tzinfo=tenant.zone)
        Lead.objects.filter(tenant=tenant, pk=lead.pk).update(appointment_at=when)


def _first_messages(tenant: Tenant, live) -> None:
    for lead in live.filter(stage__name="New lead").select_related("contact").order_by("-pk")[:3]:
        triggers_on_lead_created(tenant=tenant, lead=lead)
    active = live.filter(next_update_due_at__isnull=False).order_by("next_update_due_at")
    for lead in active[:2]:
        customer_update_send(tenant=tenant, lead=lead)
