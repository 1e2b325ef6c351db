"""The customer portal's passwordless sign-in and sign-out.

The sign-in pages answer the same whether or not an address is known (no account enumeration).
"""

from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.auth import client_ip
from crm.kit.languages import contact_language, tenant_language
from crm.kit.redirects import safe_next
from crm.models import Tenant
from crm.tenancy import tenant_context
from portal import throttle, tokens
from portal.addresses import SignInAddress
from portal.auth import SESSION_KEY, session_sign_in
from portal.forms.sign_in import CodeForm, SignInForm
from portal.models import ChallengeChannel
from portal.selectors.customers import challenge_brand
from portal.services.sign_in import (
    INVITATION_LIFETIME,
    SIGN_IN_MINUTES,
    PendingCode,
    sign_in_code_redeem,
    sign_in_link_challenge,
    sign_in_link_redeem,
    sign_in_request,
)
from portal.sessions import PENDING_AGE, SIGNED_IN_AGE, session_rotate, uses_portal_session

# Keys of the portal session before sign-in.
SENT_KEY = "portal_sent_to"  # where the last link or code went, for the "check your …" page
PENDING_KEY = "portal_pending_codes"  # the codes this browser may enter, and its nonce
NEXT_KEY = "portal_next"  # the portal page to open after sign-in


def _busy(request):
    return render(request, "portal/busy.html", status=429)


def _keep_pending(session) -> None:
    """A visitor who is not signed in keeps sign-in state only briefly."""
    if SESSION_KEY not in session:
        session.set_expiry(int(PENDING_AGE.total_seconds()))


def _finish_sign_in(request, signed_in):
    session = request.portal_session
    next_url = safe_next(request, session.get(NEXT_KEY, ""), within="/portal/")
    session_rotate(session, age=SIGNED_IN_AGE)
    session_sign_in(session, signed_in)
    return redirect(next_url or "portal:home")


@require_http_methods(["GET", "POST"])
@uses_portal_session
def sign_in(request):
    session = request.portal_session
    if request.method == "GET" and SESSION_KEY in session and "next" not in request.GET:
        return redirect("portal:home")
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        address: SignInAddress = form.cleaned_data["address"]
        if throttle.sign_in_request_refused(address=address, client_ip=client_ip(request)):
            return _busy(request)
        nonce = tokens.new_browser_nonce()
        pending = sign_in_request(address=address, browser_nonce=nonce)
        session[SENT_KEY] = {"channel": address.channel, "display": address.display}
        if address.is_email:
            session.pop(PENDING_KEY, None)
        else:
            session[PENDING_KEY] = {
                "nonce": nonce,
                "address": address.value,
                "codes": [[code.tenant_id, code.challenge_id] for code in pending],
            }
        next_url = safe_next(request, request.POST.get("next", ""), within="/portal/")
        if next_url:
            session[NEXT_KEY] = next_url
        _keep_pending(session)
        return redirect("portal:sign-in-sent" if address.is_email else "portal:sign-in-code")
    context = {
        "form": form,
        "next": safe_next(
            request, request.GET.get("next") or request.POST.get("next", ""), within="/portal/"
        ),
    }
    return render(request, "portal/sign_in.html", context)


@require_GET
@uses_portal_session
def sign_in_sent(request):
    sent_to = request.portal_session.get(SENT_KEY)
    if not sent_to:
        return redirect("portal:sign-in")
    context = {"sent_to": sent_to, "minutes": SIGN_IN_MINUTES}
    return render(request, "portal/sign_in_sent.html", context)


@require_http_methods(["GET", "POST"])
@uses_portal_session
def sign_in_code(request):
    session = request.portal_session
    pending, sent_to = session.get(PENDING_KEY), session.get(SENT_KEY)
    if not pending or not sent_to:
        return redirect("portal:sign-in")
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        # Guesses at one number count across its codes (each code is one browser's).
        address = (
            SignInAddress(ChallengeChannel.SMS, pending["address"])
            if "address" in pending
            else None
        )
        if throttle.code_try_refused(client_ip=client_ip(request), address=address):
            return _busy(request)
        if form.is_valid():
            signed_in = sign_in_code_redeem(
                pending=[PendingCode(*ref) for ref in pending["codes"]],
                browser_nonce=pending["nonce"],
                code=form.cleaned_data["code"],
            )
            if signed_in is not None:
                return _finish_sign_in(request, signed_in)
            form.add_error(
                "code",
                _(
                    "That code is not right, or it has expired. Check the text message, or ask "
                    "for a new code."
                ),
            )
    context = {
        "form": form,
        "sent_to": sent_to,
        "minutes": SIGN_IN_MINUTES,
    }
    return render(request, "portal/sign_in_code.html", context)


def _link_not_usable(request):
    context = {
        "form": SignInForm(),
        "minutes": SIGN_IN_MINUTES,
        "invitation_days": INVITATION_LIFETIME.days,
    }
    return render(request, "portal/link_not_usable.html", context, status=404)


@require_http_methods(["GET", "POST"])
@uses_portal_session
def sign_in_link(request, token: str):
    """The link from the email: a page with one button. Only the button's POST uses the link, so
    a mail scanner that opens every link does not spend it."""
    if throttle.link_open_refused(client_ip=client_ip(request)):
        return _busy(request)
    link = tokens.parse_link_token(token)
    tenant = Tenant.objects.filter(pk=link.tenant_id).first() if link else None
    if tenant is None:
        return _link_not_usable(request)
    with tenant_context(tenant), timezone.override(tenant.zone):
        if request.method == "POST":
            signed_in = sign_in_link_redeem(tenant=tenant, token=link)
            if signed_in is None:
                return _link_not_usable(request)
            return _finish_sign_in(request, signed_in)
        challenge = sign_in_link_challenge(tenant=tenant, token=link)
        if challenge is None:
            return _link_not_usable(request)
        brand = challenge_brand(tenant=tenant, challenge=challenge)
        context = {
            "business_name": brand.name if brand else tenant.name,
            "page_brand": brand,
            "token": token,
        }
        # The link names its contact: the page speaks their language, as the portal will.
        reader = contact_language(challenge.contact, tenant) if challenge.contact else None
        with translation.override(reader or tenant_language(tenant)):
            return render(request, "portal/sign_in_link.html", context)


@require_POST
@uses_portal_session
def sign_out(request):
    request.portal_session.flush()
    return redirect("portal:signed-out")


@require_GET
@uses_portal_session
def signed_out(request):
    return render(request, "portal/signed_out.html")
