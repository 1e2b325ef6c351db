"""Regular status updates for active jobs: where the job stands, what happened since the last
update, and what comes next, sent on the customer's preferred channel.

A job is active while its lead is not closed (lost or at a terminal stage) and its stage is in
the production or after-care phase. `Lead.next_update_due_at` is set only for active jobs whose
contact wants updates; the beat sweep sends the due ones and sets the next due time, and every
change that can start or stop the rhythm (a stage change, a lost lead, the contact's frequency)
recomputes it here.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from automation.selectors.updates import ACTIVE_PHASES, is_active_job, update_template_get
from crm.kit.claims import lock_due_rows
from crm.kit.formatting import local_date
from crm.kit.languages import contact_language
from crm.kit.stored_text import stored_label, stored_message
from crm.models import Contact, Notification, NotificationLevel, Role, Tenant, TimelineEvent, User
from crm.services.notifications import notifications_notify_roles
from crm.services.timeline import timeline_record
from leads.models import Lead, LeadStatus, Stage, StageVisit
from messaging.models import (
    UPDATE_FREQUENCY_DAYS,
    MessageChannel,
    MessageSource,
    MessageStatus,
    MessageTemplate,
    OutboundMessage,
    TemplateVariant,
    UpdateFrequency,
)
from messaging.services import outbox, policy
from messaging.variables import contact_zone, next_stage_for_customer

logger = logging.getLogger(__name__)

UPDATE_CHANNELS = (MessageChannel.EMAIL, MessageChannel.SMS, MessageChannel.WHATSAPP)
UPDATE_SENT_KIND = "update.sent"
# Events the update itself produces (its outbox row's "sent", this module's own record): not news.
NOT_NEWS_KINDS = ("message.", "update.")
RECENT_UPDATES_LIMIT = 8
SWEEP_BATCH = 200
MISSING_TEMPLATE_KIND = "customer_updates_blocked"
MISSING_TEMPLATE_REMINDER = dt.timedelta(days=1)


def update_interval(*, tenant: Tenant, contact: Contact) -> dt.timedelta | None:
    """How often this contact hears about their jobs; None: only when something changes."""
    profile = policy.profile_get(tenant=tenant, contact_id=contact.pk)
    frequency = profile.update_frequency if profile else UpdateFrequency.DEFAULT
    if frequency == UpdateFrequency.NEVER:
        return None
    days = UPDATE_FREQUENCY_DAYS.get(frequency)
    if days is None:
        days = policy.comms_settings_get(tenant=tenant).update_interval_days
    return dt.timedelta(days=days) if days else None


def _became_active_at(tenant: Tenant, lead: Lead) -> dt.datetime:
    """When the lead's current run of production and after-care stages began."""
    visits = (
        StageVisit.objects.filter(tenant=tenant, lead=lead)
        .order_by("-entered_at", "-id")
        .values_list("entered_at", "stage__phase")
    )
    began = lead.stage_entered_at
    for entered_at, phase in visits:
        if phase not in ACTIVE_PHASES:
            break
        began = entered_at
    return began


def lead_update_rhythm(*, tenant: Tenant, lead: Lead) -> dt.datetime | None:
    """Set (or clear) when the lead's next status update is due, and return it.

    Due one interval after the later of the last update and the moment the job became active: a
    job back in production after a spell in sales starts a fresh interval rather than being due
    at once because its last update is old.
    """
    due = None
    if is_active_job(lead):
        interval = update_interval(tenant=tenant, contact=lead.contact)
        if interval is not None:
            began = _became_active_at(tenant, lead)
            since = max(filter(None, (lead.last_update_sent_at, began)))
            due = since + interval
    if lead.next_update_due_at != due:
        Lead.objects.filter(tenant=tenant, pk=lead.pk).update(next_update_due_at=due)
        lead.next_update_due_at = due
    return due


@transaction.atomic
def contact_update_rhythm(*, tenant: Tenant, contact: Contact) -> int:
    """Recompute the rhythm of the contact's open jobs (after their frequency preference
    changed). Returns how many leads were looked at."""
    leads = list(
        Lead.objects.filter(tenant=tenant, contact=contact)
        .exclude(status=LeadStatus.LOST)
        .select_related("stage", "contact")
    )
    for lead in leads:
        lead_update_rhythm(tenant=tenant, lead=lead)
    return len(leads)


# --- What an update says ---------------------------------------------------------------------------


@dataclass(frozen=True)
class UpdateContent:
    stage_label: str
    next_step: str
    recent_updates: list[str]


def _news_line(event: TimelineEvent, stages: dict[int, Stage], zone, language: str) -> str:
    """ "Nov 22: Quote ready" as the customer reads it ("22 nov: Offerte klaar" in Dutch)."""
    with translation.override(language):
        if event.kind == "lead.stage_changed" and event.detail.get("to") in stages:
            text = stages[event.detail["to"]].customer_label_in(language)
        else:
            text = event.shown_summary
        day = local_date(event.occurred_at.astimezone(zone), "month_day")
    return f"{day}: {text}"


def customer_update_content(
    *, tenant: Tenant, lead: Lead, since: dt.datetime | None
) -> UpdateContent:
    """The customer-visible news since `since` (oldest first, the latest few), the stage as the
    customer sees it and the next step. Stage changes read as the stage's customer label in the
    contact's language, never the team's own stage name."""
    events = TimelineEvent.objects.filter(tenant=tenant, lead_id=lead.pk, customer_visible=True)
    for prefix in NOT_NEWS_KINDS:
        events = events.exclude(kind__startswith=prefix)
    if since is not None:
        events = events.filter(occurred_at__gt=since)
    latest = list(events.order_by("-occurred_at", "-id")[:RECENT_UPDATES_LIMIT])[::-1]
    stage_ids = {e.detail.get("to") for e in latest if e.kind == "lead.stage_changed"}
    stages = Stage.objects.filter(tenant=tenant, pk__in=stage_ids - {None}).in_bulk()
    zone = contact_zone(tenant, lead.contact)
    language = contact_language(lead.contact, tenant)
    next_stage = next_stage_for_customer(lead)
    return UpdateContent(
        stage_label=lead.stage.customer_label_in(language) if lead.stage else "",
        next_step=next_stage.customer_label_in(language) if next_stage else "",
        recent_updates=[_news_line(event, stages, zone, language) for event in latest],
    )


# --- Sending -----------------------------------------------------------------------------------


MISSING_TEMPLATE_PROBLEM = gettext_noop(
    "There is no status-update template: add one with the key “biweekly-update” in "
    "Settings → Templates (or choose one in the delivery settings)."
)


def _missing_template_problem() -> str:
    return _(MISSING_TEMPLATE_PROBLEM)


def update_channel(*, tenant: Tenant, contact: Contact, template: MessageTemplate) -> str:
    """The contact's preferred channel when the template has wording for it and the contact can
    be reached on it; else email (a blocked email still shows the reason on the message)."""
    preferred = contact.preferred_channel
    if preferred == MessageChannel.EMAIL or preferred not in UPDATE_CHANNELS:
        return MessageChannel.EMAIL
    worded = TemplateVariant.objects.filter(
        tenant=tenant, template=template, channel=preferred
    ).exists()
    reachable = policy.reachable_channels(
        tenant=tenant, contact=contact, channels=[preferred], purpose=template.purpose
    )
    return preferred if worded and reachable else MessageChannel.EMAIL


def _locked_lead(tenant: Tenant, lead: Lead) -> Lead:
    return (
        Lead.objects.select_for_update(of=("self",))
        .select_related("stage", "contact", "brand", "pipeline")
        .get(tenant=tenant, pk=lead.pk)
    )


@transaction.atomic
def customer_update_send(
    *,
    tenant: Tenant,
    lead: Lead,
    now: dt.datetime | None = None,
    actor: User | None = None,
) -> OutboundMessage:
    """Schedule the lead's status update now and start the next interval.

    Raises ValidationError for a job that is not active, a tenant without an update template, or
    a second update the same day. A message the delivery policy blocks is kept (its reason shows
    on the message and the timeline) and the rhythm still moves on, so a blocked contact is not
    retried on every sweep.
    """
    now = now or timezone.now()
    lead = _locked_lead(tenant, lead)
    if not is_active_job(lead):
        raise ValidationError(
            _("Status updates go to active jobs only (a production or after-care stage).")
        )
    template = update_template_get(tenant=tenant)
    if template is None:
        raise ValidationError(_missing_template_problem())
    today = timezone.localdate(now, tenant.zone)
    last = lead.last_update_sent_at
    if last is not None and timezone.localdate(last, tenant.zone) == today:
        raise ValidationError(_("This customer already got a status update today."))
    # Keyed by the day it was due (or today, when sent early by hand): one update per due date.
    due = lead.next_update_due_at
    day = timezone.localdate(due, tenant.zone) if due is not None and due <= now else today
    key = f"update:{lead.pk}:{day.isoformat()}"
    if OutboundMessage.objects.filter(tenant=tenant, idempotency_key=key).exists():
        raise ValidationError(
            _("The status update due on %(day)s was already scheduled.")
            % {"day": local_date(day, "month_day")}
        )
    content = customer_update_content(tenant=tenant, lead=lead, since=lead.last_update_sent_at)
    channel = update_channel(tenant=tenant, contact=lead.contact, template=template)
    message = outbox.message_schedule(
        tenant=tenant,
        channel=channel,
        source=MessageSource.UPDATE,
        idempotency_key=key,
        contact=lead.contact,
        lead=lead,
        brand=lead.brand,
        template=template,
        context={"variables": {"recent_updates": content.recent_updates}},
        created_by=actor,
        now=now,
    )
    interval = update_interval(tenant=tenant, contact=lead.contact)
    lead.next_update_due_at = now + interval if interval else None
    fields = ["next_update_due_at"]
    if message.status != MessageStatus.SUPPRESSED:
        lead.last_update_sent_at = now
        fields.append("last_update_sent_at")
        timeline_record(
            tenant=tenant,
            kind=UPDATE_SENT_KIND,
            summary=gettext_noop("Status update sent by %(channel)s: %(stage)s"),
            params={
                "channel": stored_label(MessageChannel(channel).label),
                "stage": content.stage_label,
            },
            actor=actor,
            lead=lead,
            occurred_at=now,
            customer_visible=True,
            detail={"message": message.pk, "channel": channel, "news": len(content.recent_updates)},
        )
    Lead.objects.filter(tenant=tenant, pk=lead.pk).update(
        **{name: getattr(lead, name) for name in fields}
    )
    return message


def _tell_admins_template_missing(tenant: Tenant, now: dt.datetime) -> None:
    """Once a day at most: the sweep runs every few minutes, the admins need telling once."""
    recently_told = Notification.objects.filter(
        tenant=tenant, kind=MISSING_TEMPLATE_KIND, created_at__gt=now - MISSING_TEMPLATE_REMINDER
    ).exists()
    if recently_told:
        return
    notifications_notify_roles(
        tenant=tenant,
        roles=[Role.ADMIN],
        title=gettext_noop("Customer status updates are waiting for a template"),
        title_params={},
        body=gettext_noop("Active jobs are due their update. %(problem)s"),
        body_params={"problem": stored_message(MISSING_TEMPLATE_PROBLEM)},
        url=reverse("comms-settings:templates"),
        level=NotificationLevel.WARNING,
        kind=MISSING_TEMPLATE_KIND,
    )


def customer_updates_sweep(*, tenant: Tenant, now: dt.datetime | None = None) -> int:
    """Send every due update; returns how many were scheduled.

    Batches of due leads are locked with SKIP LOCKED, so two sweeps (or a sweep and the "Send
    update now" button) never send the same update twice. A due lead that is no longer an active
    job, or whose contact no longer wants updates, has its rhythm recomputed (cleared) instead.
    """
    now = now or timezone.now()
    sent = 0
    while True:
        with transaction.atomic():
            batch = lock_due_rows(
                Lead.objects.filter(tenant=tenant).select_related(
                    "stage", "contact", "brand", "pipeline"
                ),
                due_field="next_update_due_at",
                up_to=now,
                limit=SWEEP_BATCH,
            )
            if not batch:
                return sent
            if update_template_get(tenant=tenant) is None:
                _tell_admins_template_missing(tenant, now)
                return sent
            for lead in batch:
                interval = (
                    update_interval(tenant=tenant, contact=lead.contact)
                    if is_active_job(lead)
                    else None
                )
                if interval is None:
                    lead_update_rhythm(tenant=tenant, lead=lead)
                    continue
                try:
                    customer_update_send(tenant=tenant, lead=lead, now=now)
                except ValidationError as error:
                    # This day's update exists already (sent by hand, or a blocked one whose
                    # rhythm was recomputed since): only the rhythm is behind.
                    logger.info("Update for lead %s not sent: %s", lead.pk, error.messages)
                    Lead.objects.filter(tenant=tenant, pk=lead.pk).update(
                        next_update_due_at=now + interval
                    )
                    continue
                sent += 1
        if len(batch) < SWEEP_BATCH:
            return sent


def update_rhythms_refresh(*, tenant: Tenant) -> int:
    """A new interval re-plans every active job's next update from its last one (jobs whose
    contact chose their own rhythm come out unchanged). Returns how many jobs were looked at."""
    leads = (
        Lead.objects.filter(tenant=tenant, stage__phase__in=ACTIVE_PHASES)
        .exclude(status=LeadStatus.LOST)
        .select_related("stage", "contact")
    )
    count = 0
    for lead in leads.iterator(chunk_size=500):
        lead_update_rhythm(tenant=tenant, lead=lead)
        count += 1
    return count
