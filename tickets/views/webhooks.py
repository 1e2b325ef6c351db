"""Twilio's webhooks for the inbox's numbers: inbound SMS/WhatsApp and delivery status.

Both arrive without a session, and each is checked with the credentials of the tenant whose data
it changes: an inbound message with the auth token of our number it was sent to (`To`: the
tenant's inbox), a status report with that of the account the message went out from (found by
its `MessageSid`, never by the `From` the caller chooses); else the platform's. A wrong or missing
X-Twilio-Signature gets 403. A stored message is answered with empty
TwiML at once; the thread is built by a task.
"""

import logging

from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

from crm.kit.encryption import decrypt
from crm.models import Tenant
from crm.tenancy import tenant_context
from messaging import tracking
from tickets.models import InboundRoute, InboxAddress, InboxChannel
from tickets.routing import route_for
from tickets.services.ingest import twilio_inbound_store, twilio_unrouted_store

logger = logging.getLogger(__name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _route(number: str) -> InboundRoute | None:
    channel = InboxChannel.WHATSAPP if number.lower().startswith("whatsapp:") else InboxChannel.SMS
    return route_for(channel, number)


def _auth_token(route: InboundRoute | None) -> str:
    if route is not None:
        tenant = Tenant.objects.get(pk=route.tenant_id)
        with tenant_context(tenant):
            token = (
                InboxAddress.objects.filter(tenant=tenant, pk=route.inbox_address_id)
                .values_list("twilio_auth_token_encrypted", flat=True)
                .first()
            )
        if token:
            return decrypt(token)
    return settings.TWILIO_AUTH_TOKEN


def _signed(request, token: str) -> bool:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not (token and signature):
        return False
    # Twilio signs the URL it called: the public one. Behind a proxy the request's own idea of
    # its scheme and host may differ, so the site URL is the one to check against.
    url = settings.THREADLINE_SITE_URL.rstrip("/") + request.get_full_path()
    return RequestValidator(token).validate(url, request.POST, signature)


@csrf_exempt  # Twilio posts without a session; its signature is the credential.
@require_POST
def twilio_inbound(request):
    route = _route(request.POST.get("To", ""))
    if not _signed(request, _auth_token(route)):
        logger.warning("Twilio inbound refused: missing or wrong signature")
        return HttpResponseForbidden()
    if not (request.POST.get("MessageSid") or request.POST.get("SmsSid")) or not request.POST.get(
        "From"
    ):
        return HttpResponseBadRequest("MessageSid and From are required.")
    if route is None:
        # Signed with the platform token but for a number no tenant has: nothing to thread into,
        # so it is kept for the platform's operators.
        twilio_unrouted_store(payload=request.POST.dict())
        return HttpResponse(EMPTY_TWIML, content_type="text/xml")
    twilio_inbound_store(route=route, payload=request.POST.dict())
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


@csrf_exempt
@require_POST
def twilio_status(request):
    """Delivered, read, undelivered or failed: recorded on the outbox row. Twilio retries
    anything but a 2xx, so an unknown message is answered 200 too (and logged)."""
    token = tracking.twilio_status_auth_token(message_sid=request.POST.get("MessageSid", ""))
    if not _signed(request, token):
        logger.warning("Twilio status callback refused: missing or wrong signature")
        return HttpResponseForbidden()
    message_sid = request.POST.get("MessageSid", "")
    status = request.POST.get("MessageStatus", "")
    if not (message_sid and status) or "\x00" in message_sid + status:
        return HttpResponseBadRequest()
    tracking.twilio_status_record(
        message_sid=message_sid, status=status, error_code=request.POST.get("ErrorCode", "")
    )
    return HttpResponse(content_type="text/plain")
