"""The sandbox's checkout page: a local imitation of a hosted checkout, for `make dev` and the
demo. It shows what is paid and offers "Pay", "Decline" and, for euros, "iDEAL"; a button makes
the sandbox send Stripe-format events, signed with the account's own secret, to the account's
webhook (gateway.services.sandbox_delivery), then returns the customer to the caller's page.
Only where PAYMENTS_SANDBOX is on; any other link, or a link we did not sign, is a 404."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.http import require_http_methods

from crm.kit.formatting import money
from crm.kit.signed_tokens import tenant_from_token
from crm.models import Tenant
from crm.ratelimit import over_limit
from gateway import sandbox
from gateway.models import PaymentMethod, Provider, SessionStatus
from gateway.selectors.accounts import sandbox_allowed
from gateway.selectors.sessions import SandboxLink, sandbox_link_read, session_by_public_id
from gateway.services.checkout import sandbox_press

PRESSES_PER_WINDOW = 20
PRESS_WINDOW = dt.timedelta(minutes=10)


def _not_found(request):
    # Returned, not raised: inside the tenant's context an exception would doom the request's
    # transaction (crm.tenancy.tenant_context takes no savepoint).
    return render(request, "errors/404.html", status=404)


@require_http_methods(["GET", "POST"])
@tenant_from_token(sandbox_link_read, refuse=_not_found)
def checkout_page(request, tenant: Tenant, link: SandboxLink):
    session = session_by_public_id(tenant=tenant, public_id=link.public_id)
    if not sandbox_allowed() or session is None or session.provider != Provider.SANDBOX:
        return _not_found(request)
    error = ""
    if request.method == "POST":
        if over_limit(f"gateway:sandbox:{session.pk}", PRESSES_PER_WINDOW, PRESS_WINDOW):
            return HttpResponse(status=429)
        action = request.POST.get("action", "")
        try:
            sandbox_press(tenant=tenant, session=session, action=action)
        except ValidationError as refused:
            error = " ".join(refused.messages)
        else:
            return redirect(
                session.cancel_url if action == sandbox.DECLINE else session.success_url
            )
    with translation.override(session.language or translation.get_language()):
        return render(
            request,
            "gateway/sandbox/checkout.html",
            {
                "tenant": tenant,
                "session": session,
                "amount": money(session.amount, session.currency),
                "offers_ideal": PaymentMethod.IDEAL in session.methods,
                "is_open": session.status == SessionStatus.OPEN,
                "error": error,
            },
            status=400 if error else 200,
        )
