"""The demo inbox for `make dev` (called by seed_demo): the channels a person can try by hand, and
a day's worth of conversations mixing email, SMS and WhatsApp, some answered, some breached.

Every message goes the way a real one does: built as the provider would post it (raw RFC 822 for
email, Twilio's form fields for texts), stored as an inbound event, processed by the ingest
pipeline at a past moment; replies go through the agents' services and the outbox. So the demo
shows what the code does, not what a fixture says.
"""

import datetime as dt
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from django.utils import timezone

from crm.models import Brand, ContactPhone, Membership, Role, Tenant
from tickets.models import (
    InboundEvent,
    InboundRoute,
    Inbox,
    InboxAddress,
    Ticket,
    TicketStatus,
)
from tickets.services import changes, configuration, ingest, replies
from tickets.services.assignment import ticket_assign
from tickets.services.sla import sla_breaches_sweep

# Published in docs/guides/rep.md ("Try it in make dev"), so a person can post to the demo's webhooks with curl.
FLORIDA_NUMBER = "+13055550100"
FLORIDA_TWILIO_ACCOUNT_SID = "AC" + "d" * 32
FLORIDA_TWILIO_AUTH_TOKEN = "demo-twilio-auth-token"  # noqa: S105  (a demo value, documented)
FLORIDA_EMAIL = "hello@firstroofing.test"
CHARGECARS_EMAIL = "support@chargecars.test"


@dataclass(frozen=True)
class Said:
    """One message of a demo conversation, `ago` before the seed runs."""

    ago: dt.timedelta
    channel: str  # email, sms, whatsapp; "reply-email"/"reply-sms" for the agent's answers
    text: str
    subject: str = ""
    auto_reply: bool = False


def _hours(n: float) -> dt.timedelta:
    return dt.timedelta(hours=n)


def _days(n: float) -> dt.timedelta:
    return dt.timedelta(days=n)


FLORIDA_CONVERSATIONS = {
    # email + SMS from one customer: one ticket; "leak" raises it to high.
    "maria.gonzalez@example.com": (
        Said(_hours(3), "sms", "Hola, it rained last night and there is a leak over the kitchen."),
        Said(
            _hours(2.5),
            "email",
            "Hi, following up on my text: photos of the ceiling are attached. The stain is "
            "getting bigger. Can someone come today?\n\nMaria",
            subject="Water stain in the kitchen",
        ),
    ),
    # Answered by email, now waiting on the customer.
    "jwhitfield@example.net": (
        Said(
            _days(2),
            "email",
            "Hello, could you explain the difference between the two shingle options in the "
            "quote? Thanks, James",
            subject="Question about my quote",
        ),
        Said(
            _days(1.8),
            "reply-email",
            "Hi James, the architectural shingles carry a 30-year warranty and resist wind up "
            "to 130 mph; the 3-tab ones 20 years and 60 mph. Happy to go through it on a call.",
        ),
    ),
    # An angry text a week ago nobody answered: breached and escalated.
    "denise.carter@example.org": (
        Said(
            _days(6),
            "sms",
            "The gutter crew never showed up AGAIN. This is a real problem, I took the day off "
            "for nothing. Very disappointed.",
        ),
    ),
    # A real question left too long (breached), then the customer's out-of-office: the
    # auto-reply neither resets the clock nor brings the ticket to the top.
    "rob.nguyen@example.com": (
        Said(
            _days(5),
            "email",
            "Hi, when can the crew start on the re-roof? We are flexible next week.\n\nRobert",
            subject="Start date",
        ),
        Said(
            _days(4.9),
            "email",
            "I am out of the office until Monday with limited access to email.",
            subject="Automatic reply: Start date",
            auto_reply=True,
        ),
    ),
    # Answered and resolved.
    "pat.olsen@example.com": (
        Said(_days(4), "email", "Is the final invoice ready?", subject="Final invoice"),
        Said(
            _days(3.9),
            "reply-email",
            "Hi Patricia, it is attached to your portal; thank you for choosing us!",
        ),
        Said(_days(3.8), "email", "Got it, thanks! All good.", subject="Re: Final invoice"),
    ),
    # A fresh WhatsApp message: the clock is green.
    "luis.herrera@example.com": (
        Said(
            dt.timedelta(minutes=40),
            "whatsapp",
            "Buenas tardes, ¿cuándo vienen a hacer la inspección del techo?",
        ),
    ),
}

# A number nobody knows: a new contact flagged for review, in nobody's queue.
UNKNOWN_SENDER = ("+13055550177", Said(_hours(1), "sms", "Hi do you do metal roofs? Need a quote"))
RESOLVED = {"pat.olsen@example.com"}

CHARGECARS_CONVERSATIONS = {
    "sanne.devries@example.nl": (
        Said(
            _hours(5),
            "email",
            "Goedemiddag, de laadpaal geeft een rood lampje sinds gisteren. Wat moet ik doen?",
            subject="Laadpaal storing",
        ),
    ),
    "daan.jansen@example.nl": (
        Said(
            _days(1),
            "email",
            "Kunt u mij het opleveringscertificaat van de laadpaal sturen?",
            "Certificaat",
        ),
    ),
}


def seed_inbox(*, tenant: Tenant) -> None:
    """Idempotent: the channels are made once; conversations only into an empty inbox."""
    configuration.sla_policies_ensure(tenant=tenant)
    if tenant.slug == "demo":
        inbox = _florida_inbox(tenant)
        conversations, unknown = FLORIDA_CONVERSATIONS, UNKNOWN_SENDER
    else:
        inbox = _chargecars_inbox(tenant)
        conversations, unknown = CHARGECARS_CONVERSATIONS, None
    if Ticket.objects.filter(tenant=tenant).exists():
        return
    now = timezone.now()
    agents = list(inbox.agents.filter(is_active=True).select_related("user").order_by("pk"))
    for index, (email, said) in enumerate(conversations.items()):
        phone = _phone_of(tenant, email)
        for position, line in enumerate(said):
            if not line.channel.startswith("reply-"):
                _say(tenant, inbox, line, now, email=email, phone=phone)
                continue
            ticket = Ticket.objects.select_related("assignee__user").get(
                tenant=tenant, contact__emails__email=email
            )
            if ticket.assignee_id is None and agents:
                _assign(tenant, ticket, agents[index % len(agents)])
            replies.ticket_reply(
                tenant=tenant,
                actor=ticket.assignee.user if ticket.assignee else _admin(tenant),
                ticket=ticket,
                channel=line.channel.removeprefix("reply-"),
                body=line.text,
                nonce=f"demo-{position}",
                now=now - line.ago,
            )
        ticket = Ticket.objects.get(tenant=tenant, contact__emails__email=email)
        if ticket.assignee_id is None and agents:
            # Seeded at night nobody is on shift for round robin; a real day has owners.
            _assign(tenant, ticket, agents[index % len(agents)])
        if email in RESOLVED:
            changes.ticket_change(
                tenant=tenant,
                actor=ticket.assignee.user if ticket.assignee else _admin(tenant),
                ticket=ticket,
                status=TicketStatus.RESOLVED,
            )
    if unknown is not None:
        number, line = unknown
        _say(tenant, inbox, line, now, email="", phone=number)
        # The stranger's text waits in the Unassigned queue for someone to review it, whatever
        # the hour of seeding (in working hours round robin hands it to whoever is on shift).
        for ticket in Ticket.objects.filter(tenant=tenant, contact__needs_review=True):
            ticket_assign(
                tenant=tenant, actor=None, ticket=ticket, assignee=None, reason="demo", notify=False
            )
    sla_breaches_sweep(tenant=tenant, now=now)


def _florida_inbox(tenant: Tenant) -> Inbox:
    inbox = Inbox.objects.filter(tenant=tenant, name="Customer care").first()
    if inbox is not None:
        return inbox
    manager = Membership.objects.filter(tenant=tenant, role=Role.MANAGER).first()
    inbox = configuration.inbox_save(
        tenant=tenant,
        actor=None,
        name="Customer care",
        brand=Brand.objects.filter(tenant=tenant, is_default=True).first(),
        team_lead=manager,
    )
    configuration.inbox_address_save(
        tenant=tenant, inbox=inbox, channel="email", address=FLORIDA_EMAIL
    )
    for channel in ("sms", "whatsapp"):
        configuration.inbox_address_save(
            tenant=tenant,
            inbox=inbox,
            channel=channel,
            address=FLORIDA_NUMBER,
            twilio_account_sid=FLORIDA_TWILIO_ACCOUNT_SID,
            twilio_auth_token=FLORIDA_TWILIO_AUTH_TOKEN,
        )
    for rep in Membership.objects.filter(tenant=tenant, role=Role.REP, is_active=True):
        configuration.inbox_agent_set(tenant=tenant, inbox=inbox, membership=rep, capacity=30)
    return inbox


def _chargecars_inbox(tenant: Tenant) -> Inbox:
    inbox = Inbox.objects.filter(tenant=tenant, name="Service").first()
    if inbox is not None:
        return inbox
    inbox = configuration.inbox_save(
        tenant=tenant,
        actor=None,
        name="Service",
        brand=Brand.objects.filter(tenant=tenant, is_default=True).first(),
    )
    configuration.inbox_address_save(
        tenant=tenant, inbox=inbox, channel="email", address=CHARGECARS_EMAIL
    )
    for rep in Membership.objects.filter(tenant=tenant, role=Role.REP, is_active=True):
        configuration.inbox_agent_set(tenant=tenant, inbox=inbox, membership=rep)
    return inbox


def _assign(tenant: Tenant, ticket: Ticket, agent: Membership) -> None:
    ticket_assign(
        tenant=tenant, actor=None, ticket=ticket, assignee=agent, reason="demo", notify=False
    )


def _admin(tenant: Tenant):
    return Membership.objects.filter(tenant=tenant, role=Role.ADMIN).first().user


def _phone_of(tenant: Tenant, email: str) -> str:
    number = (
        ContactPhone.objects.filter(tenant=tenant, contact__emails__email=email)
        .values_list("number", flat=True)
        .first()
    )
    return str(number) if number else ""


def _inbox_address(inbox: Inbox, channel: str) -> str:
    return (
        InboxAddress.objects.filter(tenant_id=inbox.tenant_id, inbox=inbox, channel=channel)
        .values_list("address", flat=True)
        .first()
        or ""
    )


def _raw_email(*, sender: str, to: str, subject: str, text: str, at, auto_reply: bool) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(at)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1])
    if auto_reply:
        message["Auto-Submitted"] = "auto-replied"
    message.set_content(text)
    return message.as_bytes()


def _say(tenant: Tenant, inbox: Inbox, line: Said, now, *, email: str, phone: str) -> None:
    """One inbound message, stored and processed as if it arrived `line.ago` before now."""
    if line.channel.startswith("reply-"):
        return
    at = now - line.ago
    if line.channel == "email":
        stored = ingest.email_inbound_store(
            provider="postmark",
            raw=_raw_email(
                sender=email,
                to=_inbox_address(inbox, "email"),
                subject=line.subject,
                text=line.text,
                at=at,
                auto_reply=line.auto_reply,
            ),
        )
    else:
        to = _inbox_address(inbox, line.channel)
        prefix = "whatsapp:" if line.channel == "whatsapp" else ""
        route = InboundRoute.objects.get(channel=line.channel, address=to)
        stored = ingest.twilio_inbound_store(
            route=route,
            payload={
                "MessageSid": f"SMdemo{tenant.pk}{int(at.timestamp())}{len(line.text)}",
                "AccountSid": FLORIDA_TWILIO_ACCOUNT_SID,
                "From": f"{prefix}{phone}",
                "To": f"{prefix}{to}",
                "Body": line.text,
                "NumMedia": "0",
            },
        )
    if stored.event_id is None or not stored.created:
        return
    InboundEvent.objects.filter(tenant=tenant, pk=stored.event_id).update(received_at=at)
    ingest.inbound_event_process(tenant=tenant, event_id=stored.event_id)
