"""What the sandbox provider of `make dev` reports about a message it "sent" (pure: no database).

A real provider tells us later, through its webhook, that a message was delivered, opened or read,
or that it bounced. The sandbox does the same so an admin trying the product sees every outbox
status: `messaging.services.outbox` schedules one `messaging.tasks.sandbox_report` per report once
the send commits, a few seconds apart, and the task hands each report to the webhooks' own entry
points (`messaging.tracking.email_event_record` for email, `twilio_status_record` for SMS and
WhatsApp), which find the message through its provider route like any webhook. The task runs on
the messages queue, with the sends: a real provider's webhooks reach the web, never the sweeps'
workers of the default queue.

Which reports, decided from the address alone, so the same address always fares the same:

- an email address with "bounce" in its local part (``bounce@…``, ``ana+bounce@…``) bounces, and
  so does, now and then, any address whose hash falls on every `bounce_every`-th bucket
  (``COMMS_SANDBOX_BOUNCE_EVERY``, 20 by default; 0 turns it off): the address is marked bad, as
  a real hard bounce marks it;
- a phone number ending in 0000 is "undelivered" (Twilio error 30005, unknown number), and so are
  the numbers whose hash falls on that bucket;
- every other message is delivered; an email is opened too when its address has "open" in its
  local part or falls on every other bucket; a WhatsApp message is read.
"""

import hashlib
from dataclasses import dataclass

DELIVERED = "delivered"
OPENED = "opened"
BOUNCED = "bounced"

DELIVERED_AFTER_SECONDS = 2
OPENED_AFTER_SECONDS = 8
BOUNCED_AFTER_SECONDS = 3


@dataclass(frozen=True)
class Report:
    kind: str  # delivered, opened (an email opened, a WhatsApp message read) or bounced
    after_seconds: int


def _bucket(address: str) -> int:
    return int(hashlib.sha256(address.strip().casefold().encode()).hexdigest()[:8], 16)


def sandbox_reports_for(*, channel: str, to_address: str, bounce_every: int) -> list[Report]:
    """The reports the sandbox sends for a message to `to_address` on `channel`."""
    bucket = _bucket(to_address)
    falls_on_bounce = bool(bounce_every) and bucket % bounce_every == 0
    if channel == "email":
        local = to_address.partition("@")[0].casefold()
        if "bounce" in local or falls_on_bounce:
            return [Report(BOUNCED, BOUNCED_AFTER_SECONDS)]
        reports = [Report(DELIVERED, DELIVERED_AFTER_SECONDS)]
        if "open" in local or bucket % 2 == 0:
            reports.append(Report(OPENED, OPENED_AFTER_SECONDS))
        return reports
    if to_address.endswith("0000") or falls_on_bounce:
        return [Report(BOUNCED, BOUNCED_AFTER_SECONDS)]
    reports = [Report(DELIVERED, DELIVERED_AFTER_SECONDS)]
    if channel == "whatsapp":
        reports.append(Report(OPENED, OPENED_AFTER_SECONDS))
    return reports
