"""Who the portal customer is: `portal_customer_required` and the `request.portal` it sets.

Portal pages of any app are built on this decorator:

    from portal.auth import portal_customer_required

    @portal_customer_required
    def my_page(request):
        customer = request.portal  # a PortalCustomer
        rows = MyModel.objects.filter(tenant=customer.tenant, contact_id__in=customer.contact_ids)
        return render(request, "myapp/portal_page.html", {...})  # extends "portal/base.html"

The decorator runs the view inside the customer's tenant context (both tenancy walls), time
zone and language (crm.kit.languages), in one transaction that a 5xx response rolls back. Render inside the view (`render`, not a
lazy TemplateResponse) so templates read inside the context too. Fetch objects by (tenant, pk) AND
the customer's link (`customer.contact_ids`, `customer.property_ids`, or `portal.selectors
.portal_jobs(customer)` for leads): another customer's object must be a 404.

A visitor without a portal session is sent to the sign-in page and brought back afterwards. A
staff sign-in opens nothing here: `request.user` is never read.
"""

import functools
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation

from crm.kit.languages import contact_language
from crm.models import Brand, Contact, Tenant
from crm.tenancy.context import (
    TENANT_SETTING,
    request_tenant_context,
    settings_sent_with_next_query,
)
from portal.addresses import SignInAddress
from portal.sessions import uses_portal_session

SESSION_KEY = "portal_customer"


@dataclass(frozen=True)
class PortalCustomer:
    """The signed-in customer: every contact of the tenant with the address they proved, and
    the properties those contacts are linked to."""

    tenant: Tenant
    contacts: tuple[Contact, ...]  # oldest first; contacts[0] is the one greeted
    contact_ids: frozenset[int]
    property_ids: frozenset[int]
    address: SignInAddress
    brand: Brand | None  # whose name the pages carry: the contact's brand, else the default one

    @property
    def business_name(self) -> str:
        return self.brand.name if self.brand else self.tenant.name

    @property
    def greeting_name(self) -> str:
        contact = self.contacts[0]
        return contact.first_name or contact.display_name


@dataclass(frozen=True)
class PortalSignIn:
    """What a redeemed link or code proved: this address belongs to these contacts."""

    tenant: Tenant
    contact_ids: tuple[int, ...]
    address: SignInAddress


def session_sign_in(session, sign_in: PortalSignIn) -> None:
    """Start the customer's portal session, under a new key (the caller has rotated it)."""
    session[SESSION_KEY] = {
        "tenant": sign_in.tenant.pk,
        "contacts": list(sign_in.contact_ids),
        "channel": sign_in.address.channel,
        "address": sign_in.address.value,
    }


def _signed_in_state(session) -> tuple[int, list[int], SignInAddress] | None:
    state = session.get(SESSION_KEY)
    try:
        return (
            int(state["tenant"]),
            [int(pk) for pk in state["contacts"]],
            SignInAddress(str(state["channel"]), str(state["address"])),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _to_sign_in(request):
    query = urlencode({"next": request.get_full_path()})
    return redirect(f"{reverse('portal:sign-in')}?{query}")


def portal_customer_required(view):
    """The view needs a signed-in portal customer; sets `request.portal` (a PortalCustomer)."""
    from portal.selectors.customers import portal_customer_get

    @uses_portal_session
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        state = _signed_in_state(request.portal_session)
        tenant = Tenant.objects.filter(pk=state[0]).first() if state else None
        if tenant is None:
            request.portal_session.pop(SESSION_KEY, None)
            return _to_sign_in(request)
        _, contact_ids, address = state
        # Both walls for the request's one transaction, as the staff middleware sets them: the
        # tenant goes to the database with the first statement, and the transaction's end clears
        # it (two round trips fewer than tenant_context's own set and reset).
        with (
            transaction.atomic(),
            settings_sent_with_next_query({TENANT_SETTING: tenant.pk}),
            request_tenant_context(tenant),
            timezone.override(tenant.zone),
        ):
            customer = portal_customer_get(tenant=tenant, contact_ids=contact_ids, address=address)
            if customer is None:
                # Staff took the address off the contact (or deleted it) since: sign in again.
                request.portal_session.flush()
                return _to_sign_in(request)
            request.portal = customer
            # The portal speaks the greeted contact's language (they switch it on any page).
            with translation.override(contact_language(customer.contacts[0], tenant)):
                response = view(request, *args, **kwargs)
            if response.status_code >= 500:
                transaction.set_rollback(True)
            return response

    # Marks the page as the portal's (the URL isolation test enumerates such pages as a customer);
    # functools.wraps carries it through the decorators around this one.
    wrapper.portal_customer_page = True
    return wrapper
