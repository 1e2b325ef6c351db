"""Provider callbacks that arrive without a session: Twilio's message status reports.

Anymail's email tracking webhooks are mounted at /hooks/anymail/ (comms/urls_public.py) and land
in comms.tracking through anymail's signal.
"""

import logging

from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

from comms import tracking

logger = logging.getLogger(__name__)


def _signed_by_twilio(request) -> bool:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not (settings.TWILIO_AUTH_TOKEN and signature):
        return False
    # Twilio signs the URL it called: the public one the outbox gave it. Behind a proxy the
    # request's own idea of its scheme and host may differ, so the site URL is the one to check.
    url = settings.THREADLINE_SITE_URL.rstrip("/") + request.get_full_path()
    return RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(url, request.POST, signature)


@csrf_exempt  # Twilio posts without a session; its signature is the credential.
@require_POST
def twilio_status(request):
    """Delivered, read, undelivered or failed: recorded on the message. Twilio retries anything
    but a 2xx, so an unknown message is answered 200 too (and logged)."""
    if not _signed_by_twilio(request):
        logger.warning("Twilio status callback refused: missing or wrong signature")
        return HttpResponseForbidden()
    message_sid = request.POST.get("MessageSid", "")
    status = request.POST.get("MessageStatus", "")
    if not (message_sid and status):
        return HttpResponseBadRequest()
    tracking.twilio_status_record(
        message_sid=message_sid, status=status, error_code=request.POST.get("ErrorCode", "")
    )
    return HttpResponse(content_type="text/plain")
