"""Who a portal customer is: the tenants and contacts that hold an address (verified), and the
signed-in customer those contacts make."""

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, QuerySet
from django.db.models.expressions import RawSQL

from crm.models import (
    Brand,
    Contact,
    ContactEmail,
    ContactPhone,
    PhoneKind,
    PropertyContact,
    Tenant,
)
from leads.selectors.brands import contact_brand, contacts_brand
from messaging.models import OutboundMessage
from portal.addresses import SignInAddress, address_readings
from portal.auth import PortalCustomer


def tenants_knowing_address(*, address: SignInAddress) -> list[Tenant]:
    """The tenants with a contact at this address (verified), read before any tenant is chosen.

    Row-level security hides every contact outside a tenant context, so this asks the database
    function `threadline_portal_tenants` (portal/migrations/0003_sign_in_verified_addresses.py),
    which runs as the table owner and answers tenant ids only: no contact data crosses the wall.
    """
    email = address.value if address.is_email else None
    phone = None if address.is_email else address.value
    knowing = RawSQL("SELECT threadline_portal_tenants(%s, %s)", [email, phone])
    return list(Tenant.objects.filter(pk__in=knowing).order_by("pk"))


def sign_in_address_read(*, text: str) -> SignInAddress:
    """What a customer typed to sign in, before any business is chosen: a number without its
    country code is read in the country of each business (a Dutch customer's "06 12345601" is
    +31612345601), and the reading some business knows wins; raises ValidationError for
    neither an email nor a valid number. Which reading won shows only as the number's own
    international form on the next page, the same whether anyone knows it."""
    countries = Tenant.objects.order_by().values_list("country", flat=True).distinct()
    default = settings.PHONENUMBER_DEFAULT_REGION
    regions = [default, *sorted(c for c in countries if c and c != default)]
    readings = address_readings(text, regions=regions)
    if len(readings) > 1:
        return next((r for r in readings if tenants_knowing_address(address=r)), readings[0])
    return readings[0]


def _holders(tenant: Tenant, address: SignInAddress) -> QuerySet:
    """The verified rows of this address. An unverified one (from a web form, an inbound
    message, an import) is a stranger's claim: holding it must open no contact's portal."""
    if address.is_email:
        # Both lower-case: the column is compared as stored, through its index (crm 0022).
        return ContactEmail.objects.filter(
            tenant=tenant, email=address.value, verified_at__isnull=False
        )
    # A code goes by SMS: a landline cannot receive it, so it cannot sign anyone in.
    return ContactPhone.objects.filter(
        tenant=tenant, number=address.value, verified_at__isnull=False
    ).exclude(kind=PhoneKind.LANDLINE)


def _contacts_with_address(
    tenant: Tenant, address: SignInAddress, among: list[int] | None
) -> QuerySet[Contact]:
    contacts = Contact.objects.filter(
        tenant=tenant, pk__in=_holders(tenant, address).values("contact_id")
    )
    if among is not None:
        contacts = contacts.filter(pk__in=among)
    return contacts.select_related("brand").order_by("created_at", "id")


def contacts_with_address(
    *, tenant: Tenant, address: SignInAddress, among: list[int] | None = None
) -> list[Contact]:
    """The tenant's contacts with this address verified as theirs (oldest first), optionally
    only `among` these: who a portal sign-in, its session and a redeemed link are."""
    return list(_contacts_with_address(tenant, address, among))


def portal_customer_get(
    *, tenant: Tenant, contact_ids: list[int], address: SignInAddress
) -> PortalCustomer | None:
    """The signed-in customer, or None when none of their contacts still has the address.

    Every portal request runs this: the contacts come with their properties' ids in the same
    query (an array per contact), and the brand is one more."""
    linked = PropertyContact.objects.filter(tenant=tenant, contact_id=OuterRef("pk"))
    contacts = list(
        _contacts_with_address(tenant, address, contact_ids).annotate(
            linked_property_ids=ArraySubquery(linked.values("property_id"))
        )
    )
    if not contacts:
        return None
    ids = frozenset(contact.pk for contact in contacts)
    property_ids = frozenset(pk for contact in contacts for pk in contact.linked_property_ids)
    # The brand of their most recent job; without one, their own brand, else the default.
    own = next((contact.brand for contact in contacts if contact.brand_id), None)
    brand = contacts_brand(tenant=tenant, contact_ids=ids, own_brand=own)
    return PortalCustomer(
        tenant=tenant,
        contacts=tuple(contacts),
        contact_ids=ids,
        property_ids=property_ids,
        address=address,
        brand=brand,
    )


def challenge_brand(*, tenant: Tenant, challenge) -> Brand | None:
    """The brand a sign-in link (or an invitation) came from: the one its message was sent in,
    so the page it opens carries the same name; else the contact's (leads.selectors.brands)."""
    sent = (
        OutboundMessage.objects.filter(
            tenant=tenant, idempotency_key=f"portal-{challenge.purpose}:{challenge.pk}"
        )
        .select_related("brand")
        .first()
    )
    if sent is not None and sent.brand is not None:
        return sent.brand
    return contact_brand(tenant=tenant, contact=challenge.contact)
