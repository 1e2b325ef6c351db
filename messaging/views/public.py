"""The unsubscribe page: a signed link in every marketing message, no login.

Opening the link only shows the page (mail scanners open links); the button, or a mail client's
RFC 8058 one-click POST, withdraws consent for that channel.
"""

from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from crm.kit.signed_tokens import tenant_from_token
from crm.models import Channel, Tenant
from crm.selectors.contacts import contact_reading_language
from leads.selectors.brands import contact_brand_get
from messaging import consent
from messaging.links import UnsubscribeTarget, unsubscribe_target


def _invalid(request):
    return render(request, "comms/public/unsubscribe_invalid.html", status=404)


@csrf_exempt  # Mail clients POST here without a session; the signed token is the credential.
@require_http_methods(["GET", "POST"])
@tenant_from_token(unsubscribe_target, refuse=_invalid)
def unsubscribe(request, tenant: Tenant, target: UnsubscribeTarget):
    if target.channel not in Channel.values:
        return _invalid(request)
    with translation.override(
        contact_reading_language(tenant=tenant, contact_id=target.contact_id)
    ):
        return _unsubscribe(request, tenant, target)


def _unsubscribe(request, tenant: Tenant, target: UnsubscribeTarget):
    # The brand the customer hears from (their latest job's), as on the message they came from.
    brand = contact_brand_get(tenant=tenant, contact_id=target.contact_id)
    business = brand.name if brand else tenant.name
    context = {
        "business": business,
        "brand": brand,
        "channel": gettext(Channel(target.channel).label),
    }
    if request.method == "POST":
        contact = consent.unsubscribe(tenant=tenant, target=target)
        if contact is None:
            return _invalid(request)
        return render(request, "comms/public/unsubscribe_done.html", context)
    return render(request, "comms/public/unsubscribe.html", context)
