"""The photos and files of an inbound MMS or WhatsApp message, fetched from Twilio into private
storage as the message is threaded, so they outlive Twilio's copy.

A file is streamed to a temporary file (on disk past 1 MB), never held whole in memory. One over
TWILIO_MEDIA_MAX_BYTES (Twilio's largest, WhatsApp's 16 MB, by default), or one Twilio would not
give, stays a link held by Twilio and the thread says why; the message is threaded either way.
Only Twilio's own media URLs are fetched, with the auth of the account that received the message;
the redirect Twilio answers with (to its storage) is followed only to a public address
(crm.kit.public_ip), never into the server's own network.
"""

import logging
import mimetypes
import tempfile
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.files import File

from crm.kit.public_ip import public_only_session

logger = logging.getLogger(__name__)

CHUNK_BYTES = 64 * 1024
TIMEOUT_SECONDS = (5, 30)  # to connect, between bytes
TWILIO_MEDIA_HOST = "api.twilio.com"


@dataclass(frozen=True)
class FetchedMedia:
    """A media file ready for private storage (TicketAttachment): the file is a temporary one,
    closed once saved."""

    filename: str
    content_type: str
    size: int
    file: File
    content_id: str = ""


def twilio_media_session() -> requests.Session:
    """The HTTP session media are fetched with (the boundary tests replace)."""
    return public_only_session()


def is_twilio_media_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" and parts.hostname == TWILIO_MEDIA_HOST


def media_fetch(
    *, url: str, content_type: str, number: int, auth: tuple[str, str]
) -> FetchedMedia | dict:
    """The media as a file to store; else the link and why it was not kept, for the thread."""
    link = {"url": url, "content_type": content_type}
    limit = settings.TWILIO_MEDIA_MAX_BYTES
    spool = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)  # noqa: SIM115 closed once saved
    size = 0
    try:
        with twilio_media_session().get(
            url, auth=auth, stream=True, timeout=TIMEOUT_SECONDS
        ) as response:
            response.raise_for_status()
            declared = int(response.headers.get("Content-Length") or 0)
            if declared > limit:
                spool.close()
                return {**link, "too_large": declared}
            for chunk in response.iter_content(CHUNK_BYTES):
                size += len(chunk)
                if size > limit:
                    spool.close()
                    return {**link, "too_large": max(size, declared)}
                spool.write(chunk)
    except (requests.RequestException, ValueError) as error:
        spool.close()
        logger.warning("Twilio media not fetched (%s): %s", url[-40:], error)
        return {**link, "not_fetched": type(error).__name__}
    spool.seek(0)
    extension = mimetypes.guess_extension(content_type.split(";")[0].strip()) or ""
    return FetchedMedia(f"media-{number}{extension}", content_type or "", size, File(spool))
