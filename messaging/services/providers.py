"""The providers an outbound message goes through: email via Django's mail backend (anymail and an
ESP in production), SMS and WhatsApp via Twilio, and the sandbox in `make dev` and tests.

A provider either returns the provider's message id or raises ProviderError, saying whether the
failure may pass (a 5xx, a timeout, a rate limit: retry later) or will not (a refused address).
"""

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from anymail.exceptions import AnymailAPIError, AnymailError, AnymailRecipientsRefused
from anymail.message import AnymailMessage
from django.conf import settings
from django.core.mail import get_connection
from requests import RequestException
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from crm.kit.links import Link
from messaging.models import MessageChannel, OutboundMessage, Provider, SandboxDelivery

logger = logging.getLogger(__name__)

PROVIDER_TIMEOUT_SECONDS = 10


class ProviderError(Exception):
    def __init__(
        self,
        message: str,
        *,
        transient: bool,
        bad_address: bool = False,
        retry_after: dt.timedelta | None = None,
    ):
        super().__init__(message)
        self.transient = transient
        self.bad_address = bad_address
        # How long the provider asked us to wait (a 429's or 503's Retry-After), if it said.
        self.retry_after = retry_after


def retry_after(value: str | None, *, now: dt.datetime | None = None) -> dt.timedelta | None:
    """An HTTP Retry-After header (seconds, or a date) as a wait; None if absent or unreadable."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isdigit():
        return dt.timedelta(seconds=int(value))
    try:
        at = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if at.tzinfo is None:
        return None
    return max(at - (now or dt.datetime.now(dt.UTC)), dt.timedelta(0))


@dataclass(frozen=True)
class Sent:
    provider: str
    provider_message_id: str


def message_id_header(message: OutboundMessage) -> str:
    """Our own Message-ID, so replies (In-Reply-To) find their way back to this message."""
    domain = settings.THREADLINE_MAIL_DOMAIN
    return f"<outbox-{message.tenant_id}-{message.pk}@{domain}>"


def email_headers(message: OutboundMessage) -> dict:
    headers = {"Message-ID": message_id_header(message)}
    # A reply from a ticket: the customer's mail client threads it, and their answer comes back
    # to the ticket by its reply address (tickets.routing).
    if message.context.get("in_reply_to"):
        headers["In-Reply-To"] = f"<{message.context['in_reply_to']}>"
        headers["References"] = " ".join(
            f"<{ref}>"
            for ref in message.context.get("references") or [message.context["in_reply_to"]]
        )
    if message.context.get("unsubscribe_url"):
        # One-click unsubscribe in the mail client (RFC 8058).
        headers["List-Unsubscribe"] = f"<{message.context['unsubscribe_url']}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers


def send_sandbox(message: OutboundMessage) -> Sent:
    """Record the message instead of sending it, in the caller's transaction."""
    headers = email_headers(message) if message.channel == MessageChannel.EMAIL else {}
    if headers and message.context.get("reply_to"):
        headers["Reply-To"] = message.context["reply_to"]
    SandboxDelivery.objects.create(
        tenant_id=message.tenant_id,
        message=message,
        channel=message.channel,
        to_address=message.to_address,
        from_address=message.from_address,
        subject=message.subject,
        body_text=message.body_text,
        body_html=message.body_html,
        headers=headers,
    )
    return Sent(Provider.SANDBOX, f"sandbox-{uuid.uuid4().hex}")


def send_email(message: OutboundMessage) -> Sent:
    email = AnymailMessage(
        subject=message.subject,
        body=message.body_text,
        from_email=message.from_address or None,
        to=[message.to_address],
        reply_to=[message.context["reply_to"]] if message.context.get("reply_to") else None,
        headers=email_headers(message),
        connection=get_connection(),
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    for attachment in message.attachments.all():
        email.attach(attachment.filename, bytes(attachment.content), attachment.content_type)
    # Delivery webhooks carry these back, so they find the row without a lookup.
    email.metadata = {"tenant": str(message.tenant_id), "message": str(message.pk)}
    email.track_opens = True
    email.track_clicks = message.purpose == "marketing"
    try:
        email.send()
    except AnymailRecipientsRefused as error:
        raise ProviderError(str(error), transient=False, bad_address=True) from error
    except AnymailAPIError as error:
        status = getattr(error, "status_code", None)
        transient = status is None or status == 429 or status >= 500
        response = getattr(error, "response", None)
        raise ProviderError(
            str(error)[:500],
            transient=transient,
            retry_after=retry_after(
                response.headers.get("Retry-After") if response is not None else None
            ),
        ) from error
    except (AnymailError, RequestException, OSError) as error:
        raise ProviderError(str(error)[:500], transient=True) from error
    status = email.anymail_status
    return Sent(Provider.EMAIL, status.message_id or message_id_header(message))


class _TwilioHttp(TwilioHttpClient):
    """Twilio's client, keeping the Retry-After of its last answer (the exception it raises for a
    429 or 503 drops the response's headers)."""

    retry_after = ""

    def request(self, *args, **kwargs):
        response = super().request(*args, **kwargs)
        self.retry_after = (response.headers or {}).get("Retry-After", "")
        return response


def twilio_http_client() -> TwilioHttpClient:
    return _TwilioHttp(timeout=PROVIDER_TIMEOUT_SECONDS)


def _twilio_address(channel: str, number: str) -> str:
    return f"whatsapp:{number}" if channel == MessageChannel.WHATSAPP else number


TwilioAccountLookup = Callable[..., tuple[str, str] | None]
_twilio_account_lookups: list[TwilioAccountLookup] = []
# Twilio's delivery status webhook, served (and provided) by tickets, which verifies it.
TWILIO_STATUS_CALLBACK = Link("Twilio's delivery status webhook")


def twilio_account_lookup_register(lookup: TwilioAccountLookup) -> None:
    """Let the app that owns the sending numbers (tickets' inboxes) say which Twilio account a
    number belongs to: ``lookup(tenant_id=, channel=, number=)`` gives (account SID, auth token)
    or None. Registered at start-up, so messaging need not import the apps above it."""
    if lookup not in _twilio_account_lookups:
        _twilio_account_lookups.append(lookup)


def twilio_credentials(message: OutboundMessage) -> tuple[str, str]:
    """The sending number's own Twilio account (an inbox's number), else the platform's."""
    for lookup in _twilio_account_lookups:
        own = lookup(
            tenant_id=message.tenant_id, channel=message.channel, number=message.from_address
        )
        if own:
            return own
    return (settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN)


def send_twilio(message: OutboundMessage) -> Sent:
    account_sid, auth_token = twilio_credentials(message)
    if not (account_sid and auth_token):
        raise ProviderError("Twilio is not configured (TWILIO_ACCOUNT_SID).", transient=False)
    client = Client(account_sid, auth_token, http_client=twilio_http_client())
    callback_path = TWILIO_STATUS_CALLBACK.path()
    options = {
        "to": _twilio_address(message.channel, message.to_address),
        "from_": _twilio_address(message.channel, message.from_address),
        "status_callback": settings.THREADLINE_SITE_URL.rstrip("/") + callback_path,
    }
    content_sid = message.context.get("whatsapp_content_sid")
    if content_sid:
        options["content_sid"] = content_sid
    else:
        options["body"] = message.body_text
    try:
        created = client.messages.create(**options)
    except TwilioRestException as error:
        transient = error.status == 429 or error.status >= 500
        # 21211/21614: not a valid (mobile) number; retrying will not help.
        bad_address = error.code in (21211, 21614, 63003)
        raise ProviderError(
            f"Twilio {error.status} ({error.code}): {error.msg}"[:500],
            transient=transient,
            bad_address=bad_address,
            retry_after=retry_after(getattr(client.http_client, "retry_after", "")),
        ) from error
    except (TwilioException, RequestException, OSError) as error:
        raise ProviderError(str(error)[:500], transient=True) from error
    return Sent(Provider.TWILIO, created.sid)


def send(message: OutboundMessage) -> Sent:
    if settings.COMMS_SANDBOX:
        return send_sandbox(message)
    if message.channel == MessageChannel.EMAIL:
        return send_email(message)
    return send_twilio(message)
