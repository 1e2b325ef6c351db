"""Payments recorded against a lead's quotes."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from crm.kit.formatting import money
from crm.models import Tenant, User
from crm.services.timeline import timeline_record
from leads.models import Lead, LeadEvent, LeadStatus, Payment
from leads.services.notices import lead_owner_notify
from leads.services.stages import lead_handle_event, lead_locked


@transaction.atomic
def payment_record(
    *,
    tenant: Tenant,
    actor: User,
    lead: Lead,
    amount: Decimal,
    method: str,
    received_on: dt.date,
    reference: str = "",
) -> Payment:
    lead = lead_locked(lead)
    if lead.status != LeadStatus.WON:
        raise ValidationError("Payments are recorded against a won lead.")
    payment = Payment(
        tenant=tenant,
        lead=lead,
        amount=amount,
        method=method,
        received_on=received_on,
        reference=reference.strip(),
        recorded_by=actor,
    )
    payment.full_clean(exclude=["tenant", "lead"])
    payment.save()
    timeline_record(
        tenant=tenant,
        kind="payment.recorded",
        summary=f"Payment of {tenant.currency} {amount:,.2f} recorded ({payment.get_method_display()})",
        actor=actor,
        lead=lead,
        detail={"amount": str(amount), "method": method},
    )
    lead_handle_event(tenant=tenant, lead=lead, event=LeadEvent.PAYMENT_RECORDED, actor=actor)
    if lead.owner is not None and lead.owner.user_id != actor.pk:
        lead_owner_notify(
            tenant,
            lead,
            f"Payment received from {lead.contact.display_name}: {money(amount, tenant.currency)}",
            kind="payment_received",
        )
    return payment
