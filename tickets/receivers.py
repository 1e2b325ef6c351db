"""Inbound email: anymail's inbound webhooks (Mailgun, SendGrid, Postmark, Amazon SES, …) have
already checked the webhook credentials and parsed the ESP's payload when this signal fires; the
message is stored raw and threaded by a task (tickets.services.ingest).

An exception here becomes a 5xx, which makes the ESP retry: right for a passing fault (the
database restarting), and replays are no-ops.
"""

import base64
import hashlib
import json
import logging
from email.encoders import encode_base64

from anymail.signals import inbound
from django.dispatch import receiver

from tickets.models import EventProvider
from tickets.services.ingest import email_inbound_store

logger = logging.getLogger(__name__)

ESP_PROVIDERS = {
    "mailgun": EventProvider.MAILGUN,
    "sendgrid": EventProvider.SENDGRID,
    "postmark": EventProvider.POSTMARK,
    "amazon ses": EventProvider.AMAZON_SES,
}


def _posted_mime(esp_name: str, esp_event) -> bytes | None:
    """The raw message as the ESP posted it, for ESPs that post one (Postmark's RawEmail,
    Mailgun's body-mime, SendGrid's "Send Raw", Amazon SES's SNS content): stored as it came,
    with nothing lost or changed by re-serialising the parsed message."""
    try:
        if esp_name == "Postmark":
            raw = esp_event.get("RawEmail")
        elif esp_name in ("Mailgun", "SendGrid"):
            raw = esp_event.POST.get("body-mime" if esp_name == "Mailgun" else "email")
        elif esp_name == "Amazon SES":
            action = esp_event["receipt"]["action"]
            raw = esp_event.get("content") if action.get("type") == "SNS" else None
            if raw and action.get("encoding") == "BASE64":
                return base64.b64decode(raw)
        else:
            return None
    except (AttributeError, KeyError, TypeError, ValueError):
        return None
    return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) and raw else None


def _binary_parts_encoded(message) -> None:
    """anymail builds the attachments of a parsed post as raw bytes with no transfer encoding,
    and writing those out again turns every CR LF inside them into LF (a PNG no longer opens):
    base64 them first."""
    for part in message.walk():
        if part.is_multipart() or part.get_content_maintype() == "message":
            continue
        if "Content-Transfer-Encoding" not in part:
            encode_base64(part)


def _raw_bytes(message) -> bytes:
    """The parsed message serialised again (ESPs that post parsed fields). The generator recurses
    into nested parts, so a message anymail could parse may still fail here: then its headers
    and text are kept rather than answering 5xx until the ESP gives up on it."""
    try:
        _binary_parts_encoded(message)
    except Exception:
        logger.warning("inbound email parts could not be encoded", exc_info=True)
    for serialise in (
        message.as_bytes,
        lambda: message.as_string().encode("utf-8", "surrogateescape"),
    ):
        try:
            return serialise()
        except Exception:
            logger.warning("inbound email could not be re-serialised", exc_info=True)
    headers = "".join(
        f"{name}: {value}\r\n"
        for name, value in message.raw_items()
        if name.lower() not in ("content-type", "content-transfer-encoding")
    )
    return f"{headers}\r\n{message.text or ''}".encode("utf-8", "surrogateescape")


def _parsed_digest(message) -> str:
    """What a post of parsed fields says, independent of the MIME boundaries our serialisation
    picks at random: every part's headers (a multipart's without its boundary) and content. The
    ESP's retries of one post give the same digest; a different message never does."""
    digest = hashlib.sha256()
    try:
        parts = list(message.walk())
    except RecursionError:  # nested too deep to walk: the raw bytes' hash will do
        return ""
    for part in parts:
        for name, value in part.raw_items():
            if name.lower() == "content-type" and part.is_multipart():
                value = part.get_content_type()
            digest.update(f"{name}:{value}\n".encode("utf-8", "surrogateescape"))
        if not part.is_multipart():
            payload = part.get_payload(decode=True)
            digest.update(payload if isinstance(payload, bytes) else b"")
        digest.update(b"\0")
    return digest.hexdigest()


def _provider_post(esp_event) -> tuple[bytes, str]:
    """The post as the ESP sent it (the original staff download when it carried no raw
    message): a request's body, or the JSON anymail parsed."""
    body = getattr(esp_event, "body", None)
    if isinstance(body, bytes):
        return body, esp_event.content_type or ""
    try:
        return json.dumps(esp_event, ensure_ascii=False).encode(), "application/json"
    except (TypeError, ValueError):
        return b"", ""


@receiver(inbound, dispatch_uid="tickets.inbound_email")
def inbound_email_received(sender, event, esp_name, **kwargs):
    message = event.message
    if message is None:
        return
    envelope = [message.envelope_recipient] if message.envelope_recipient else []
    posted = _posted_mime(esp_name, event.esp_event)
    if posted is not None:
        raw, digest, post, post_type = posted, "", b"", ""
    else:
        digest = _parsed_digest(message)
        post, post_type = _provider_post(event.esp_event)
        raw = _raw_bytes(message)
    email_inbound_store(
        provider=ESP_PROVIDERS.get(esp_name.lower(), EventProvider.EMAIL_OTHER),
        raw=raw,
        envelope_recipients=envelope,
        esp_message_id=event.event_id or "",
        content_digest=digest,
        provider_post=post,
        post_content_type=post_type,
        stripped_text=message.stripped_text or "",
    )
