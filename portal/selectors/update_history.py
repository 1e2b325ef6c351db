"""The portal's Update history page: every update the business sent the customer about their jobs.

The history is the comms outbox itself: the messages to the customer's contacts that went out
(sent, delivered, opened or clicked) from the bi-weekly updates, the stage triggers and the
quotes. Not the conversation with the team (the Messages page), not sign-in links and codes,
onboarding reminders, sales sequences or answers to STOP/HELP, and nothing scheduled, held back
or failed. Newest first, a page at a time in one query; a customer's messages are few, so the
contact-first outbox index (outbox_by_contact) narrows them and the sort is cheap.
"""

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext

from crm.pagination import keyset_page
from leads.models import Lead
from messaging.models import GONE_OUT_STATUSES, MessageSource, OutboundMessage
from portal.auth import PortalCustomer

UPDATES_PER_PAGE = 30
HISTORY_SOURCES = (MessageSource.UPDATE, MessageSource.TRIGGER, MessageSource.QUOTE)
ORDER = ("-sent_at", "-id")
EXCERPT_LINES = 3
EXCERPT_CHARS = 280


@dataclass(frozen=True)
class UpdateLine:
    message: OutboundMessage
    job: Lead | None  # the job it was about, when it is one of the customer's
    excerpt: str
    text: str  # the whole text, when the excerpt is shorter

    @property
    def sent_at(self) -> dt.datetime | None:
        return self.message.sent_at

    @property
    def title(self) -> str:
        return self.message.subject or self.excerpt

    @property
    def job_title(self) -> str:
        if not self.job:
            return ""
        return self.job.title or gettext("Job %(reference)s") % {"reference": self.job.reference}

    @property
    def has_more(self) -> bool:
        return self.text != self.excerpt


@dataclass(frozen=True)
class UpdateHistory:
    lines: list[UpdateLine]
    next_cursor: str | None


def excerpt_of(text: str) -> str:
    """The first lines of a message, as its preview."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    excerpt = "\n".join(lines[:EXCERPT_LINES])
    if len(excerpt) > EXCERPT_CHARS:
        excerpt = excerpt[:EXCERPT_CHARS].rsplit(" ", 1)[0] + "…"
    elif len(lines) > EXCERPT_LINES:
        excerpt += "\n…"
    return excerpt


def _is_theirs(customer: PortalCustomer, lead: Lead | None) -> bool:
    return lead is not None and (
        lead.contact_id in customer.contact_ids or lead.property_id in customer.property_ids
    )


def portal_update_history(*, customer: PortalCustomer, after: str | None = None) -> UpdateHistory:
    messages = (
        OutboundMessage.objects.filter(
            tenant=customer.tenant,
            contact_id__in=customer.contact_ids,
            source__in=HISTORY_SOURCES,
            status__in=GONE_OUT_STATUSES,
            sent_at__isnull=False,
        )
        .select_related("lead")
        .only(
            "channel",
            "source",
            "status",
            "sent_at",
            "subject",
            "body_text",
            "lead__title",
            "lead__number",
            "lead__contact_id",
            "lead__property_id",
        )
    )
    page = keyset_page(messages, order=ORDER, after=after, per_page=UPDATES_PER_PAGE)
    lines = []
    for message in page.items:
        text = message.body_text.strip()
        excerpt = excerpt_of(text)
        lead = message.lead if _is_theirs(customer, message.lead) else None
        lines.append(UpdateLine(message=message, job=lead, excerpt=excerpt, text=text))
    return UpdateHistory(lines=lines, next_cursor=page.next_cursor)
