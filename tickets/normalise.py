"""Turn one raw RFC 822 email into the plain values the inbox stores: `normalise_email(raw)`.

Inbound mail is often broken and sometimes hostile, and a message we fail to read is a message we
lose, so nothing here raises on bad input. The message is parsed with `email.policy.default`; where
that policy gives up (its header parser recurses on some malformed headers) it is parsed again with
`compat32`, and where both give up (multiparts nested thousands deep) the body is kept as text.
Headers are read from their raw values and decoded defensively, one at a time, so one broken header
costs only its own field. Pure functions: no models, no database.
"""

import codecs
import datetime as dt
import html
import logging
import mailbox
import mimetypes
import os
import re
import unicodedata
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from email import _header_value_parser, policy
from email.header import decode_header
from email.message import Message
from email.parser import BytesParser, HeaderParser
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple

import nh3
from mailparser_reply import EmailReplyParser

logger = logging.getLogger(__name__)

DEFAULT_MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_SUBJECT_CHARS = 300
MAX_FILENAME_CHARS = 150
MAX_MESSAGE_ID_CHARS = 998
# Longer header values are cut before decoding: the standard library's header parser is slow on
# pathological values, and no real header needs more.
MAX_HEADER_CHARS = 100_000
# A message with more parts than this is a bomb, not correspondence; the rest are not read.
MAX_PARTS = 500
# The new part of a reply is at the top, so quoted history is looked for in this much text only,
# which bounds the cost of the reply parser's regular expressions on huge bodies.
REPLY_SCAN_CHARS = 100_000
REPLY_LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pl", "sv", "da", "cs", "ja", "ko", "zh")
AUTO_REPLY_SUBJECT_PREFIXES = ("out of office", "automatic reply", "auto:")
# Forwards as attachments and digests: how many enclosed messages are read for the thread, how
# deep (a forward of a forward of a forward), and how much of each one's text is kept.
MAX_ENCLOSED = 50
MAX_ENCLOSED_DEPTH = 3
MAX_ENCLOSED_TEXT_CHARS = 50_000
# The local parts a null-sender notification comes from when it is not a standard report.
NOTIFICATION_SENDERS = ("mailer-daemon", "postmaster")


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content_type: str
    size: int
    content: bytes = field(repr=False)
    content_id: str = ""


class DroppedAttachment(NamedTuple):
    """An attachment left out of the normalised email, and why (it stays in the raw message)."""

    filename: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class EnclosedEmail:
    """A message carried inside another (a forward as attachment, one message of a digest), read
    far enough to show in the thread; its bytes stay in the outer message's .eml attachment."""

    from_name: str
    from_address: str
    subject: str
    sent_at: dt.datetime | None
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryReport:
    """A delivery status notification (RFC 3464), or a mailer daemon's bounce that is not one.

    `original_message_id` is the Message-ID of the message it reports on, from the returned
    message or its headers, else from a "Message-ID:" line of the report's text. `action` and
    `status` are those of the first recipient (empty when the bounce is not a standard report)."""

    action: str
    status: str
    recipients: tuple[str, ...]
    diagnostic: str
    original_message_id: str

    @property
    def is_failure(self) -> bool:
        return self.action == "failed"

    @property
    def is_permanent(self) -> bool:
        return self.is_failure and self.status.startswith("5")


@dataclass(frozen=True, slots=True, kw_only=True)
class NormalisedEmail:
    message_id: str
    in_reply_to: str
    references: tuple[str, ...]
    from_address: str
    from_name: str
    to_addresses: tuple[str, ...]
    cc_addresses: tuple[str, ...]
    subject: str
    sent_at: dt.datetime | None
    # When the newest Received: header says it was delivered: the time an imported message
    # takes (the sender's Date may be old, wrong or in the future).
    received_at: dt.datetime | None = None
    text: str
    html: str
    reply_text: str
    has_quoted_history: bool
    is_auto_reply: bool
    delivery_report: DeliveryReport | None = None
    attachments: tuple[Attachment, ...] = ()
    dropped_attachments: tuple[DroppedAttachment, ...] = ()
    enclosed: tuple[EnclosedEmail, ...] = ()


@dataclass(frozen=True, slots=True)
class _Body:
    text: str
    html: str
    attachments: tuple[Attachment, ...] = ()
    dropped: tuple[DroppedAttachment, ...] = ()
    enclosed: tuple[EnclosedEmail, ...] = ()
    report_fields: tuple[Message, ...] = ()
    returned_headers: tuple[Message, ...] = ()


def normalise_email(
    raw: bytes, *, max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES
) -> NormalisedEmail:
    """Read one raw message. Never raises on bad input; what cannot be read is left empty."""
    raw = bytes(raw)
    for parse_policy in (policy.default, policy.compat32):
        try:
            message = BytesParser(policy=parse_policy).parsebytes(raw)
            return _assemble(message, _read_body(message, max_attachment_bytes))
        except Exception:
            logger.warning(
                "email unreadable with %r, trying the next way", parse_policy, exc_info=True
            )
    return _unparsed_email(raw)


class Envelope(NamedTuple):
    """What the webhook needs to store a message before it is read in full."""

    message_id: str
    sender: str
    recipients: tuple[str, ...]


ENVELOPE_RECIPIENT_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")


def read_envelope(raw: bytes) -> Envelope:
    """The Message-ID, sender and every recipient address from the headers alone. Never raises."""
    try:
        message = BytesParser(policy=policy.compat32).parsebytes(bytes(raw), headersonly=True)
        message_ids = _message_ids(_raw_header(message, "Message-ID"))
        senders = _address_list(_raw_headers(message, "From"))
        recipients = []
        for name in ENVELOPE_RECIPIENT_HEADERS:
            recipients += [address for _, address in _address_list(_raw_headers(message, name))]
    except Exception:
        logger.warning("email envelope unreadable", exc_info=True)
        return Envelope("", "", ())
    return Envelope(
        message_ids[0] if message_ids else "",
        senders[0][1] if senders else "",
        tuple(dict.fromkeys(recipients)),
    )


def read_eml(path: str | os.PathLike[str]) -> bytes:
    return Path(path).read_bytes()


def read_mbox(path: str | os.PathLike[str]) -> Iterator[bytes]:
    """Yield each message of an mbox file as raw bytes (without its "From " separator line)."""
    box = mailbox.mbox(path, create=False)
    try:
        for key in box.iterkeys():
            yield box.get_bytes(key)
    finally:
        box.close()


def _assemble(message: Message, body: _Body) -> NormalisedEmail:
    senders = _address_list(_raw_headers(message, "From"))
    from_name, from_address = senders[0] if senders else ("", "")
    subject = _decode_words(_raw_header(message, "Subject"))[:MAX_SUBJECT_CHARS]
    message_ids = _message_ids(_raw_header(message, "Message-ID"))
    in_reply_to = _message_ids(_raw_header(message, "In-Reply-To"))
    reply_text, has_quoted_history = _split_reply(body.text)
    report = _delivery_report(message, from_address, body)
    return NormalisedEmail(
        message_id=message_ids[0] if message_ids else "",
        in_reply_to=in_reply_to[0] if in_reply_to else "",
        references=tuple(_message_ids(_raw_header(message, "References"))),
        from_address=from_address,
        from_name=from_name,
        to_addresses=tuple(address for _, address in _address_list(_raw_headers(message, "To"))),
        cc_addresses=tuple(address for _, address in _address_list(_raw_headers(message, "Cc"))),
        subject=subject,
        sent_at=_sent_at(_raw_header(message, "Date")),
        received_at=_received_at(message),
        text=body.text,
        html=body.html,
        reply_text=reply_text,
        has_quoted_history=has_quoted_history,
        is_auto_reply=report is not None or _is_auto_reply(message, subject),
        delivery_report=report,
        attachments=body.attachments,
        dropped_attachments=body.dropped,
        enclosed=body.enclosed,
    )


def _unparsed_email(raw: bytes) -> NormalisedEmail:
    """The last resort: the headers as far as they parse, and everything after them as text."""
    try:
        message = BytesParser(policy=policy.compat32).parsebytes(raw, headersonly=True)
        payload = message.get_payload()
        body = payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else raw
    except Exception:
        logger.warning("email headers unreadable, keeping the whole message as text", exc_info=True)
        message, body = Message(), raw
    return _assemble(message, _Body(text=_tidy_text(_decode_text(body, None)), html=""))


# Headers


_FOLDING_RE = re.compile(r"\r?\n(?=[ \t])")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Characters a one-line field (a sender's name, a subject) has no use for and a forger does: bidi
# embeddings, overrides and isolates reorder what is shown after them ("Ana \u202egnp.exe" reads
# "Ana exe.png"), and invisible ones make two names that look alike differ.
_DISPLAY_TRICKS_RE = re.compile("[\u202a-\u202e\u2066-\u2069\u200b\u2060\ufeff]")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_MESSAGE_ID_RE = re.compile(r"<([^<>\s]+)>")
# RFC 5321's lengths (64 for the local part, 255 for the domain) also keep the search linear.
_ADDR_SPEC_RE = re.compile(
    r"[^\s\x00-\x1f\x7f<>()\[\]\",;:@\\]{1,64}@[^\s\x00-\x1f\x7f<>()\[\]\",;:@\\]{1,255}"
)
_ADDRESS_CHUNK_RE = re.compile(r'(?:"[^"]*"|[^,"])+')


def _raw_headers(message: Message, name: str) -> list[str]:
    """Every raw value of a header, unfolded, cut to MAX_HEADER_CHARS."""
    wanted = name.lower()
    return [
        _FOLDING_RE.sub("", str(value))[:MAX_HEADER_CHARS]
        for key, value in message.raw_items()
        if key.lower() == wanted
    ]


def _raw_header(message: Message, name: str) -> str:
    values = _raw_headers(message, name)
    return values[0] if values else ""


def _repair_surrogates(text: str) -> str:
    """Undecoded 8-bit bytes arrive as surrogate escapes; decode them like a body without charset."""
    if not _SURROGATE_RE.search(text):
        return text
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return _SURROGATE_RE.sub("\ufffd", text)
    return _decode_text(raw, None)


def _clean_line(text: str) -> str:
    """One line of text: surrogates decoded, control and display-trick characters gone, whitespace
    collapsed."""
    text = _DISPLAY_TRICKS_RE.sub("", _repair_surrogates(text))
    return " ".join(_CONTROL_RE.sub(" ", text).split())


def _decode_words(raw: str) -> str:
    """An unstructured header value with its RFC 2047 encoded words decoded."""
    if not raw:
        return ""
    try:
        decoded = str(policy.default.header_factory("subject", raw))
    except Exception:
        decoded = _decode_words_compat32(raw)
    return _clean_line(decoded)


def _decode_words_compat32(raw: str) -> str:
    try:
        chunks = decode_header(raw)
    except Exception:
        return raw
    return "".join(
        _decode_text(chunk, charset) if isinstance(chunk, bytes) else chunk
        for chunk, charset in chunks
    )


def _address_list(raw_values: list[str]) -> list[tuple[str, str]]:
    """(display name, lowercased addr-spec) pairs; entries without a usable address are skipped."""
    raw = ", ".join(value for value in raw_values if value.strip())
    if not raw:
        return []
    try:
        addresses = policy.default.header_factory("to", raw).addresses
        commented = _names_in_comments(raw) if "(" in raw else {}
        parsed = [
            (
                _clean_line(address.display_name or commented.get(address.addr_spec.lower(), "")),
                _repair_surrogates(address.addr_spec),
            )
            for address in addresses
        ]
    except Exception:
        parsed = []
    if parsed and all(_ADDR_SPEC_RE.fullmatch(addr_spec) for _, addr_spec in parsed):
        return [(name, addr_spec.lower()) for name, addr_spec in parsed]
    return _salvage_addresses(raw)


def _names_in_comments(raw: str) -> dict[str, str]:
    """The older form's names, `jane@example.com (Jane Doe)`, which the parser drops as comments:
    {addr-spec: the last comment's text} for mailboxes without a display name."""
    names = {}
    try:
        address_list, _ = _header_value_parser.get_address_list(raw)
        for entry in address_list.all_mailboxes:
            if not entry.display_name and entry.comments and entry.addr_spec:
                names[entry.addr_spec.lower()] = _decode_words(entry.comments[-1])
    except Exception:  # the names are a nicety: the addresses are read without them
        return {}
    return names


def _salvage_addresses(raw: str) -> list[tuple[str, str]]:
    """Read a list the parser got wrong ("Jane Doe jane@example.com"): per comma-separated
    entry, the last thing that looks like an address, and what is left of the entry as the name."""
    pairs = []
    for entry in _ADDRESS_CHUNK_RE.findall(_repair_surrogates(raw)):
        found = _ADDR_SPEC_RE.findall(entry)
        if found:
            address = found[-1]
            name = _decode_words(entry.replace(address, " ")).strip(" <>\"'()")
            pairs.append((name, address.lower()))
    return pairs


def _message_ids(raw: str) -> list[str]:
    """The Message-IDs in a header, without angle brackets, in order and without repeats."""
    raw = _clean_line(raw)
    found = _MESSAGE_ID_RE.findall(raw)
    if not found:
        tokens = [token.strip("<>") for token in raw.split()]
        found = [token for token in tokens if "@" in token] or tokens[:1]
    unique = dict.fromkeys(message_id[:MAX_MESSAGE_ID_CHARS] for message_id in found if message_id)
    return list(unique)


def _sent_at(raw: str) -> dt.datetime | None:
    if not raw.strip():
        return None
    try:
        sent_at = parsedate_to_datetime(_clean_line(raw))
        if sent_at.tzinfo is None:  # "-0000": the sender's zone is unknown, the time is UTC
            sent_at = sent_at.replace(tzinfo=dt.UTC)
        return sent_at.astimezone(dt.UTC)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _received_at(message: Message) -> dt.datetime | None:
    """The time in the newest (topmost) Received: header that has one: when the message reached
    the last server before us, written by that server rather than by the sender."""
    for value in _raw_headers(message, "Received"):
        _, semicolon, when = value.rpartition(";")
        received_at = _sent_at(when) if semicolon else None
        if received_at is not None:
            return received_at
    return None


def _is_auto_reply(message: Message, subject: str) -> bool:
    """Whether a program wrote it (RFC 3834's Auto-Submitted, the de facto X-Autoreply, the null
    sender's notifications). Precedence: bulk/list/junk and X-Auto-Response-Suppress only ask
    responders not to answer: mailing lists, aliases and ticket systems set them on what people
    write, so they do not make a message automatic."""
    auto_submitted = _clean_line(_raw_header(message, "Auto-Submitted")).lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return True
    for name in ("X-Autoreply", "X-Autorespond"):
        values = [_clean_line(value).lower() for value in _raw_headers(message, name)]
        if any(value not in {"no", "false", "0"} for value in values):
            return True
    if _clean_line(_raw_header(message, "Precedence")).lower() == "auto_reply":
        return True
    if _content_type(message) == "multipart/report" or _has_null_sender(message):
        return True  # a delivery, read or other disposition notification
    if _is_notification_sender(_sender_address(message)):
        return True
    return subject.lower().startswith(AUTO_REPLY_SUBJECT_PREFIXES)


def _sender_address(message: Message) -> str:
    senders = _address_list(_raw_headers(message, "From"))
    return senders[0][1] if senders else ""


def _is_notification_sender(address: str) -> bool:
    """MAILER-DAEMON@ and postmaster@ write only notifications. Their null reverse-path
    (Return-Path: <>) is often missing from what an inbound webhook hands over, so the sender
    alone decides."""
    return address.partition("@")[0].lower() in NOTIFICATION_SENDERS


def _has_null_sender(message: Message) -> bool:
    """Return-Path: <> (RFC 5321's null reverse-path), which only notifications are sent from."""
    return any(_clean_line(value) in {"<>", ""} for value in _raw_headers(message, "Return-Path"))


_MESSAGE_ID_LINE_RE = re.compile(r"^\s*Message-ID:\s*(<[^<>\s]+>)", re.IGNORECASE | re.MULTILINE)


def _delivery_report(message: Message, from_address: str, body: _Body) -> DeliveryReport | None:
    """The report an RFC 3464 notification carries, or what a bounce from a mailer daemon says
    (its original's Message-ID only); None for anything else."""
    is_report = _content_type(message) == "multipart/report" and bool(body.report_fields)
    is_daemon = _is_notification_sender(from_address)
    if not (is_report or is_daemon):
        return None
    recipients = [block for block in body.report_fields[1:] if _raw_header(block, "Action")]
    first = recipients[0] if recipients else Message()
    original_ids = [
        found
        for headers in body.returned_headers
        for found in _message_ids(_raw_header(headers, "Message-ID"))[:1]
    ] or _message_ids(" ".join(_MESSAGE_ID_LINE_RE.findall(body.text[:REPLY_SCAN_CHARS])))
    addresses = []
    for block in recipients:
        for name in ("Final-Recipient", "Original-Recipient"):
            _, _, address = _clean_line(_raw_header(block, name)).rpartition(";")
            if "@" in address:
                addresses.append(address.strip().strip("<>").lower())
    return DeliveryReport(
        action=_clean_line(_raw_header(first, "Action")).lower()[:40],
        status=_clean_line(_raw_header(first, "Status"))[:40],
        recipients=tuple(dict.fromkeys(addresses)),
        diagnostic=_clean_line(_raw_header(first, "Diagnostic-Code"))[:500],
        original_message_id=original_ids[0] if original_ids else "",
    )


# Body and attachments


# Mailers label Windows-1252 text as ISO-8859-1, and GB2312 text with GBK characters; read each as
# the superset (as browsers do).
_CODEC_SUPERSETS = {"iso8859-1": "cp1252", "gb2312": "gb18030", "gbk": "gb18030"}


def _codec(charset: str | None) -> str | None:
    """The Python text codec for a declared charset, or None when it is missing or unknown."""
    if not charset:
        return None
    try:
        name = codecs.lookup(charset.strip().strip('"')).name
        b"".decode(name)  # rejects bytes-to-bytes codecs such as base64 or zlib
    except (LookupError, ValueError, TypeError, UnicodeError):
        return None
    return _CODEC_SUPERSETS.get(name, name)


def _decode_text(data: bytes, charset: str | None) -> str:
    """Decode with the declared charset, else UTF-8, else the declared charset with replacement
    characters, else Latin-1 (which reads any bytes)."""
    codec = _codec(charset)
    if codec:
        with suppress(UnicodeError, ValueError, TypeError, LookupError):
            return data.decode(codec)
    with suppress(UnicodeError):
        return data.decode("utf-8")
    if codec and codec != "ascii":
        with suppress(UnicodeError, ValueError, TypeError, LookupError):
            return data.decode(codec, "replace")
    return data.decode("latin-1")


def _tidy_text(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").strip("\ufeff \n\t")


def _leaf_parts(message: Message) -> Iterator[Message]:
    """The parts that carry content, depth first in document order, at most MAX_PARTS visited."""
    stack = [message]
    visited = 0
    while stack and visited < MAX_PARTS:
        part = stack.pop()
        visited += 1
        payload = part.get_payload()
        if part.get_content_maintype() == "multipart" and isinstance(payload, list):
            stack.extend(reversed(payload))
        else:
            yield part


def _read_body(message: Message, max_attachment_bytes: int, depth: int = 0) -> _Body:
    texts: list[str] = []
    htmls: list[str] = []
    attachments: list[Attachment] = []
    dropped: list[DroppedAttachment] = []
    enclosed: list[EnclosedEmail] = []
    report_fields: list[Message] = []
    returned_headers: list[Message] = []
    for part in _leaf_parts(message):
        content_type = _content_type(part)
        raw_filename = _raw_filename(part)
        is_attachment = raw_filename or _content_disposition(part) == "attachment"
        if content_type == "message/delivery-status":
            report_fields += _field_blocks(part)
        elif content_type == "text/rfc822-headers":
            returned_headers += _field_blocks(part)[:1]
        elif content_type == "text/html" and not is_attachment:
            htmls.append(_decode_text(_payload_bytes(part), _content_charset(part)))
        elif content_type == "text/plain" and not is_attachment:
            texts.append(_decode_text(_payload_bytes(part), _content_charset(part)))
        elif content_type.startswith("multipart/"):
            # A multipart whose boundary is missing or never appears: its body is all there is.
            texts.append(_decode_text(_payload_bytes(part), _content_charset(part)))
        else:
            inner = _enclosed_message(part)
            if inner is not None:
                returned_headers.append(inner)
                if depth < MAX_ENCLOSED_DEPTH and len(enclosed) < MAX_ENCLOSED:
                    enclosed += _read_enclosed(inner, max_attachment_bytes, depth + 1)
            item = _attachment(part, content_type, raw_filename, max_attachment_bytes)
            (attachments if isinstance(item, Attachment) else dropped).append(item)
    safe_html = _sanitise_html("\n".join(htmls)) if htmls else ""
    text = _tidy_text("\n\n".join(texts)) or _html_to_text(safe_html)
    return _Body(
        text,
        safe_html,
        tuple(attachments),
        tuple(dropped),
        tuple(enclosed[:MAX_ENCLOSED]),
        tuple(report_fields),
        tuple(returned_headers),
    )


def _enclosed_message(part: Message) -> Message | None:
    """The message a message/rfc822 part (a forward as attachment, a digest's entry) carries."""
    if _content_type(part) not in ("message/rfc822", "message/global"):
        return None
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return payload[0]
    return None


def _read_enclosed(message: Message, max_attachment_bytes: int, depth: int) -> list[EnclosedEmail]:
    """The enclosed message for the thread, then the messages it encloses in turn."""
    body = _read_body(message, max_attachment_bytes, depth)
    senders = _address_list(_raw_headers(message, "From"))
    from_name, from_address = senders[0] if senders else ("", "")
    return [
        EnclosedEmail(
            from_name=from_name,
            from_address=from_address,
            subject=_decode_words(_raw_header(message, "Subject"))[:MAX_SUBJECT_CHARS],
            sent_at=_sent_at(_raw_header(message, "Date")),
            text=body.text[:MAX_ENCLOSED_TEXT_CHARS],
        ),
        *body.enclosed,
    ]


def _field_blocks(part: Message) -> list[Message]:
    """The header blocks of a delivery-status or rfc822-headers part, however it was parsed."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return [block for block in payload if isinstance(block, Message)]
    text = _decode_text(_payload_bytes(part), _content_charset(part)).replace("\r\n", "\n")
    parser = HeaderParser(policy=policy.compat32)
    return [parser.parsestr(block) for block in re.split(r"\n\s*\n", text) if block.strip()]


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type().lower()
    except Exception:
        return "application/octet-stream"


def _content_disposition(part: Message) -> str:
    try:
        return (part.get_content_disposition() or "").lower()
    except Exception:
        return ""


def _content_charset(part: Message) -> str | None:
    try:
        return part.get_content_charset()
    except Exception:
        return None


def _raw_filename(part: Message) -> str:
    try:
        filename = part.get_filename() or part.get_param("name") or ""
    except Exception:
        return ""
    if isinstance(filename, tuple):  # an RFC 2231 value compat32 could not collapse
        filename = filename[2]
    return _decode_words(str(filename)) if "=?" in str(filename) else str(filename)


def _payload_bytes(part: Message) -> bytes:
    payload = part.get_payload()
    if isinstance(payload, list):  # message/rfc822 and friends: keep the enclosed message whole
        return b"".join(_message_bytes(enclosed) for enclosed in payload)
    try:
        decoded = part.get_payload(decode=True)
    except Exception:
        decoded = None
    if isinstance(decoded, bytes):
        return decoded
    return payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""


def _message_bytes(message: Message) -> bytes:
    for serialise_policy in (message.policy, policy.compat32):
        with suppress(Exception):
            return message.as_bytes(policy=serialise_policy)
    return b""


def _attachment(
    part: Message, content_type: str, raw_filename: str, max_bytes: int
) -> Attachment | DroppedAttachment:
    filename = _safe_filename(raw_filename, content_type)
    content = _payload_bytes(part)
    if len(content) > max_bytes:
        return DroppedAttachment(filename, f"{len(content)} bytes, over the {max_bytes}-byte limit")
    content_ids = _message_ids(_raw_header(part, "Content-ID"))
    return Attachment(
        filename=filename,
        content_type=content_type,
        size=len(content),
        content=content,
        content_id=content_ids[0] if content_ids else "",
    )


def _safe_filename(raw: str, content_type: str) -> str:
    """A basename safe to show and store: no directories, no control or bidi-override characters,
    no leading dots, at most MAX_FILENAME_CHARS (keeping the extension)."""
    name = _repair_surrogates(raw).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if unicodedata.category(char) not in {"Cc", "Cf"})
    name = " ".join(name.split()).strip(". ")
    if len(name) > MAX_FILENAME_CHARS:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 16:
            name = f"{stem[: MAX_FILENAME_CHARS - len(extension) - 1].rstrip()}.{extension}"
        else:
            name = name[:MAX_FILENAME_CHARS]
    return name or f"attachment{mimetypes.guess_extension(content_type) or ''}"


# HTML


# Their content goes with them: scripts and styles are not text, frames and objects are fallbacks.
_HTML_DROPPED_WITH_CONTENT = {
    "script",
    "style",
    "title",
    "head",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "noscript",
    "template",
    "svg",
    "math",
}
_HTML_TAGS = set(nh3.ALLOWED_TAGS) - _HTML_DROPPED_WITH_CONTENT
_URL_SCHEMES = {"http", "https", "mailto", "tel", "cid"}
_IMAGE_SOURCE_PREFIXES = ("http://", "https://", "cid:")


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        return value if value.strip().lower().startswith(_IMAGE_SOURCE_PREFIXES) else None
    return value


def _sanitise_html(markup: str) -> str:
    """No scripts, styles, handlers, frames, objects or forms; links and images restricted to
    safe schemes (no relative URLs, which would point into Threadline); links get rel=noopener."""
    return nh3.clean(
        _repair_surrogates(markup),
        tags=_HTML_TAGS,
        clean_content_tags=_HTML_DROPPED_WITH_CONTENT,
        url_schemes=_URL_SCHEMES,
        url_relative="deny",
        attribute_filter=_keep_attribute,
        link_rel="noopener noreferrer",
    ).strip()


_BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "caption",
        "center",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tr",
        "ul",
    ]
)
_INLINE_SPACE_RE = re.compile(r"\s+")
_BLANK_LINES_RE = re.compile(r"\n{3,}")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._pre_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.chunks.append("\n")
        elif tag == "li":
            self.chunks.append("\n- ")
        elif tag in {"td", "th"}:
            self.chunks.append(" ")
        elif tag in _BLOCK_TAGS:
            self.chunks.append("\n")
        if tag == "pre":
            self._pre_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK_TAGS or tag == "li":
            self.chunks.append("\n")
        if tag == "pre" and self._pre_depth:
            self._pre_depth -= 1

    def handle_data(self, data: str) -> None:
        self.chunks.append(data if self._pre_depth else _INLINE_SPACE_RE.sub(" ", data))


def _html_to_text(safe_html: str) -> str:
    """Readable text from sanitised HTML: blocks on their own lines, at most one blank line."""
    if not safe_html:
        return ""
    extractor = _TextExtractor()
    try:
        extractor.feed(safe_html)
        extractor.close()
        text = "".join(extractor.chunks)
    except Exception:
        text = html.unescape(nh3.clean(safe_html, tags=set()))
    lines = (line.strip() for line in text.replace("\r", "").split("\n"))
    return _BLANK_LINES_RE.sub("\n\n", "\n".join(lines)).strip()


# Quoted history


_REPLY_PARSER = EmailReplyParser(languages=list(REPLY_LANGUAGES))
# The line a forward starts with belongs to the forwarded part, which is not new text.
_FORWARD_MARKER_RE = re.compile(
    r"^[ \t>*_-]*(?:-+ ?forwarded message ?-+|begin forwarded message:)[ \t*_-]*$",
    flags=re.IGNORECASE | re.MULTILINE,
)


def _split_reply(text: str) -> tuple[str, bool]:
    """(the new part of the message, whether quoted history was folded away).

    mail-parser-reply finds "On … wrote:", "-----Original Message-----" and Outlook's
    From:/Sent: blocks; a trailing run of ">" lines without such a header is folded too. When nothing
    new is left (a bare forward), the whole text is the new part.
    """
    head = text[:REPLY_SCAN_CHARS]
    reply = head
    try:
        replies = _REPLY_PARSER.read(head).replies
    except (re.error, RecursionError, MemoryError):
        replies = []
    if len(replies) > 1 and not replies[0].headers:
        reply = _FORWARD_MARKER_RE.sub("", replies[0].content)
    reply = _without_trailing_quote(reply).strip()
    if not reply or reply == head.strip():
        return text, False
    return reply, True


def _without_trailing_quote(text: str) -> str:
    lines = text.split("\n")
    end = len(lines)
    while end and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith(">")):
        end -= 1
    quoted = any(line.lstrip().startswith(">") for line in lines[end:])
    return "\n".join(lines[:end]) if quoted and end else text
