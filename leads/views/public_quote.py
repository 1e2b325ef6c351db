"""The customer's quote page: no account, the signed link names the tenant and the quote.

The customer reads the quote and accepts it (signing with their name) or declines it (with a
reason). Every bad link answers 404, and the answers are rate-limited per address.
"""

import datetime as dt
import functools
import secrets
from dataclasses import dataclass

from axes.helpers import get_client_ip_address
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_GET, require_POST

from crm.kit.languages import contact_language
from crm.kit.signed_tokens import signed_token_read, tenant_from_token
from crm.models import Membership, Tenant
from crm.ratelimit import over_limit
from leads.acceptance import customer_next_url
from leads.forms.quotes import QuoteAcceptForm, QuoteDeclineForm
from leads.models import Quote, QuoteLine, QuoteStatus
from leads.quote_links import QUOTE_LINK_MAX_AGE, QUOTE_LINK_SALT
from leads.selectors.brands import lead_brand
from leads.services import quotes

ANSWERS_PER_WINDOW = 20
ANSWER_WINDOW = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class _QuoteLink:
    tenant_id: int
    quote_id: int
    key: str  # the quote's public token: revoking it kills every link


def _read_link(token: str) -> _QuoteLink | None:
    return signed_token_read(
        token,
        salt=QUOTE_LINK_SALT,
        max_age=QUOTE_LINK_MAX_AGE,
        read=lambda payload: _QuoteLink(int(payload["t"]), int(payload["q"]), str(payload["k"])),
    )


def _load_quote(tenant: Tenant, quote_id: int) -> Quote | None:
    return (
        Quote.objects.filter(tenant=tenant, pk=quote_id)
        .exclude(status=QuoteStatus.DRAFT)
        .select_related("lead__contact", "lead__property", "lead__brand")
        .prefetch_related(Prefetch("lines", queryset=QuoteLine.objects.filter(tenant=tenant)))
        .first()
    )


def _not_found(request):
    return render(request, "leads/public/quote_not_found.html", status=404)


def with_quote(view):
    """Resolve the link to its quote and run `view(request, tenant, quote)` as that tenant, in
    its time zone and the customer's language; any link we did not sign, or that was revoked, is a 404."""

    @tenant_from_token(_read_link, refuse=_not_found)
    @functools.wraps(view)
    def wrapper(request, tenant: Tenant, link: _QuoteLink):
        quote = _load_quote(tenant, link.quote_id)
        if quote is None or not secrets.compare_digest(
            quote.public_token.encode(), link.key.encode()
        ):
            return _not_found(request)
        # Render inside the tenant's context: the template reads the quote's lines and brand. In
        # the customer's language: a team member previewing the link sees what the customer sees.
        with translation.override(contact_language(quote.lead.contact, tenant)):
            return view(request, tenant, quote)

    return wrapper


def answer_count_key(address: str) -> str:
    return f"quote-answers:{address}"


def rate_limited(view):
    """At most ANSWERS_PER_WINDOW answers per client address per window (fixed window)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        key = answer_count_key(get_client_ip_address(request) or "unknown")
        if over_limit(key, ANSWERS_PER_WINDOW, ANSWER_WINDOW):
            return render(request, "leads/public/quote_busy.html", status=429)
        return view(request, *args, **kwargs)

    return wrapper


def _token(request) -> str:
    """The link the customer came by (a fresh signature would restart its age)."""
    return request.resolver_match.kwargs["token"]


def _is_team_member(request, tenant: Tenant) -> bool:
    return (
        request.user.is_authenticated
        and Membership.objects.filter(tenant=tenant, user=request.user, is_active=True).exists()
    )


def _render_page(request, tenant: Tenant, quote: Quote, *, error: str = "", **forms):
    brand = lead_brand(tenant=tenant, lead=quote.lead)
    context = {
        "tenant": tenant,
        "quote": quote,
        "lead": quote.lead,
        "brand": brand,
        "token": _token(request),
        "past_due": quote.is_past_due(tenant.today()),
        "accept_form": forms.get("accept_form") or QuoteAcceptForm(),
        "decline_form": forms.get("decline_form") or QuoteDeclineForm(),
        "error": error,
        "staff_preview": _is_team_member(request, tenant),
    }
    return render(request, "leads/public/quote.html", context)


@require_GET
@with_quote
def quote_page(request, tenant: Tenant, quote: Quote):
    # Staff checking the link they sent do not count as the customer opening it.
    if quote.status == QuoteStatus.SENT and not _is_team_member(request, tenant):
        quotes.quote_mark_viewed(tenant=tenant, quote=quote)
        quote = _load_quote(tenant, quote.pk)
    return _render_page(request, tenant, quote)


@require_POST
@rate_limited
@with_quote
def quote_accept(request, tenant: Tenant, quote: Quote):
    form = QuoteAcceptForm(request.POST)
    if not form.is_valid():
        return _render_page(request, tenant, quote, accept_form=form)
    try:
        quote = quotes.quote_accept(
            tenant=tenant, quote=quote, signed_name=form.cleaned_data["full_name"]
        )
    except ValidationError as exc:
        now = _load_quote(tenant, quote.pk)
        if now is None or now.status != QuoteStatus.ACCEPTED:
            return _answer_refused(request, tenant, quote, exc)
        quote = now  # a double-click's second post finds it accepted: on to the same next step
    # A deposit to pay goes to its payment next; the app that invoices it says where.
    return redirect(customer_next_url(tenant=tenant, quote=quote) or _quote_path(request))


def _quote_path(request) -> str:
    return reverse("public:quote", kwargs={"token": _token(request)})


@require_POST
@rate_limited
@with_quote
def quote_decline(request, tenant: Tenant, quote: Quote):
    form = QuoteDeclineForm(request.POST)
    if not form.is_valid():
        return _render_page(request, tenant, quote, decline_form=form)
    try:
        quotes.quote_reject(
            tenant=tenant,
            quote=quote,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        return _answer_refused(request, tenant, quote, exc)
    return redirect("public:quote", token=_token(request))


def _answer_refused(request, tenant: Tenant, quote: Quote, exc: ValidationError):
    """The quote can no longer be answered (decided or expired meanwhile): say so, show it as
    it now stands."""
    return _render_page(
        request, tenant, _load_quote(tenant, quote.pk), error=" ".join(exc.messages)
    )
