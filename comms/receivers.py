"""The comms engine listens to the rest of the app here."""

from django.dispatch import receiver

from comms import staff_notifications, triggers, updates
from crm import signals as crm_signals
from leads import signals as lead_signals


@receiver(lead_signals.lead_stage_entered, dispatch_uid="comms-stage-entered")
def on_stage_entered(sender, *, tenant, lead, stage, **kwargs):
    triggers.triggers_on_stage_entered(tenant=tenant, lead=lead, stage=stage)


@receiver(lead_signals.lead_created, dispatch_uid="comms-lead-created")
def on_lead_created(sender, *, tenant, lead, **kwargs):
    triggers.triggers_on_lead_created(tenant=tenant, lead=lead)


@receiver(lead_signals.lead_lost, dispatch_uid="comms-lead-lost")
def on_lead_lost(sender, *, tenant, lead, **kwargs):
    triggers.triggers_on_lead_lost(tenant=tenant, lead=lead)


@receiver(crm_signals.notifications_created, dispatch_uid="comms-staff-copies")
def on_notifications_created(sender, *, tenant, notification_ids, **kwargs):
    staff_notifications.copies_schedule(tenant=tenant, notification_ids=notification_ids)


@receiver(lead_signals.lead_stage_entered, dispatch_uid="comms-update-rhythm-stage")
def on_stage_entered_update_rhythm(sender, *, tenant, lead, **kwargs):
    updates.lead_update_rhythm(tenant=tenant, lead=lead)


@receiver(lead_signals.lead_lost, dispatch_uid="comms-update-rhythm-lost")
def on_lead_lost_update_rhythm(sender, *, tenant, lead, **kwargs):
    updates.lead_update_rhythm(tenant=tenant, lead=lead)
