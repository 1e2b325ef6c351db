"""Reads for customer updates: the managers' list of jobs whose update is due, and the customer
messages panel of a lead page. Each costs a fixed number of queries however many rows it shows."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from crm.models import Tenant
from crm.pagination import KeysetPage, keyset_page
from followups.models import OPEN_STATUSES, FollowUp, Source
from leads.models import Lead, LeadStatus, Phase
from leads.selectors.lists import lead_get
from messaging.models import CommsSettings, MessageStatus, MessageTemplate, OutboundMessage
from messaging.selectors.outbox import latest_decision_reason

JOBS_PER_PAGE = 50
DUE_SOON = dt.timedelta(days=7)
PANEL_MESSAGES = 10
PANEL_FOLLOW_UPS = 10
# A job is active (its customer hears about it) in these phases, while its lead is not closed.
ACTIVE_PHASES = (Phase.PRODUCTION, Phase.AFTER_CARE)
UPDATE_TEMPLATE_KEY = "biweekly-update"


def is_active_job(lead: Lead) -> bool:
    return lead.stage is not None and not lead.is_closed and lead.stage.phase in ACTIVE_PHASES


def update_template_get(*, tenant: Tenant) -> MessageTemplate | None:
    """The template the tenant chose for updates, else the one keyed "biweekly-update"."""
    chosen = (
        CommsSettings.objects.filter(tenant=tenant, update_template__is_archived=False)
        .select_related("update_template")
        .first()
    )
    if chosen is not None:
        return chosen.update_template
    return MessageTemplate.objects.filter(
        tenant=tenant, key=UPDATE_TEMPLATE_KEY, is_archived=False
    ).first()


def jobs_with_updates_due(
    *,
    tenant: Tenant,
    overdue_only: bool,
    after: str | None = None,
    now: dt.datetime | None = None,
) -> KeysetPage:
    """Active jobs whose update is overdue (or, with `overdue_only` off, due within a week,
    overdue first), in due order, a page at a time."""
    now = now or timezone.now()
    leads = (
        Lead.objects.filter(
            tenant=tenant,
            next_update_due_at__lte=now if overdue_only else now + DUE_SOON,
            stage__phase__in=ACTIVE_PHASES,
            stage__is_terminal=False,
        )
        .exclude(status=LeadStatus.LOST)
        .select_related("contact", "stage", "pipeline", "owner__user")
    )
    return keyset_page(
        leads, order=("next_update_due_at", "id"), after=after, per_page=JOBS_PER_PAGE
    )


# How a message's status badge looks (app.css badge classes); other statuses stay grey.
STATUS_TONES: dict[str, str] = {
    MessageStatus.SENT: "ok",
    MessageStatus.DELIVERED: "ok",
    MessageStatus.OPENED: "ok",
    MessageStatus.CLICKED: "ok",
    MessageStatus.SCHEDULED: "info",
    MessageStatus.QUEUED: "info",
    MessageStatus.SUPPRESSED: "warning",
    MessageStatus.BOUNCED: "danger",
    MessageStatus.FAILED: "danger",
}


@dataclass(frozen=True)
class MessageLine:
    message: OutboundMessage
    latest_reason: str

    @property
    def tone(self) -> str:
        return STATUS_TONES.get(self.message.status, "")


@dataclass(frozen=True)
class LeadMessagesPanel:
    lead: Lead
    is_active_job: bool
    is_overdue: bool
    update_template: MessageTemplate | None
    messages: list[MessageLine]
    follow_ups: list[FollowUp]


def lead_messages_panel(
    *, tenant: Tenant, lead_id: int, now: dt.datetime | None = None
) -> LeadMessagesPanel:
    """The lead's update rhythm, its latest outbox messages with their last decision, and the
    follow-ups its triggers still promise."""
    now = now or timezone.now()
    lead = lead_get(tenant=tenant, lead_id=lead_id)
    messages = OutboundMessage.objects.filter(tenant=tenant, lead=lead).select_related("template")
    follow_ups = FollowUp.objects.filter(
        tenant=tenant, lead=lead, source=Source.TRIGGER, status__in=OPEN_STATUSES
    ).select_related("type")
    due = lead.next_update_due_at
    return LeadMessagesPanel(
        lead=lead,
        is_active_job=is_active_job(lead),
        is_overdue=due is not None and due <= now,
        update_template=update_template_get(tenant=tenant),
        messages=[
            MessageLine(message, latest_decision_reason(message))
            for message in messages.order_by("-created_at", "-id")[:PANEL_MESSAGES]
        ],
        follow_ups=list(follow_ups.order_by("scheduled_at", "id")[:PANEL_FOLLOW_UPS]),
    )
