"""Which brand a customer sees: the one resolver every message, portal page and quote page uses.

A tenant may run several brands (ChargeCars and LaderThuis); a customer hears from, and sees the
name, logo and contact details of, the brand of their job:

- about a job: `lead_brand` (the job's brand, else its contact's, else the tenant's default);
- about no job in particular (a portal invitation, a sign-in link, a STOP reply, the portal's
  home): `contact_brand`, the brand of the contact's most recent job that has one, else the
  contact's own brand, else the default.

Both are built on `crm.selectors.brands.sending_brand` (a given brand, else the default).
"""

from collections.abc import Iterable

from django.db.models import Case, Q, Subquery, Value, When

from crm.models import Brand, Contact, Tenant
from crm.selectors.brands import sending_brand
from leads.models import Lead


def lead_brand(*, tenant: Tenant, lead: Lead) -> Brand | None:
    """The brand of this job: its own, else its contact's, else the tenant's default."""
    return leads_brands(tenant=tenant, leads=[lead])[lead.pk]


def leads_brands(*, tenant: Tenant, leads: Iterable[Lead]) -> dict[int | None, Brand | None]:
    """`lead_brand` of each lead by its id, reading the default brand once at most (select the
    leads with `brand` and `contact__brand` to read nothing else)."""
    brands: dict[int | None, Brand | None] = {}
    default: list[Brand | None] = []
    for lead in leads:
        brand = lead.brand if lead.brand_id else None
        if brand is None and lead.contact_id and lead.contact.brand_id:
            brand = lead.contact.brand
        if brand is None:
            if not default:
                default.append(sending_brand(tenant=tenant))
            brand = default[0]
        brands[lead.pk] = brand
    return brands


def contacts_brand(
    *, tenant: Tenant, contact_ids: Iterable[int], own_brand: Brand | None = None
) -> Brand | None:
    """The brand of the most recent job (with a brand) of any of these contacts (one customer
    signed in to the portal may be several contacts), else `own_brand` (the contact's), else the
    tenant's default: one query."""
    latest = (
        Lead.objects.filter(tenant=tenant, contact_id__in=list(contact_ids), brand__isnull=False)
        .order_by("-created_at", "-id")
        .values("brand_id")[:1]
    )
    own = own_brand.pk if own_brand is not None else None
    return (
        Brand.objects.filter(tenant=tenant)
        .filter(Q(pk=Subquery(latest)) | Q(pk=own) | Q(is_default=True))
        .annotate(
            rank=Case(
                When(pk=Subquery(latest), then=Value(0)),
                When(pk=own, then=Value(1)),
                default=Value(2),
            )
        )
        .order_by("rank", "pk")
        .first()
    )


def contact_brand(
    *, tenant: Tenant, contact: Contact | None, lead: Lead | None = None
) -> Brand | None:
    """The brand a contact hears from: the job's when the message is about one (`lead`), else
    that of their most recent job, else their own, else the tenant's default."""
    if lead is not None:
        return lead_brand(tenant=tenant, lead=lead)
    if contact is None or contact.pk is None:
        return sending_brand(tenant=tenant)
    own = contact.brand if contact.brand_id else None
    return contacts_brand(tenant=tenant, contact_ids=[contact.pk], own_brand=own)


def contact_brand_get(*, tenant: Tenant, contact_id: int) -> Brand | None:
    """`contact_brand` of the contact with this id (the default brand if there is none)."""
    contact = Contact.objects.filter(tenant=tenant, pk=contact_id).select_related("brand").first()
    return contact_brand(tenant=tenant, contact=contact)


def contact_job_get(*, tenant: Tenant, contact: Contact, lead_id) -> Lead | None:
    """The contact's job with this id (a form's value: text, maybe empty or foreign), else None."""
    try:
        pk = int(lead_id)
    except (TypeError, ValueError):
        return None
    return (
        Lead.objects.filter(tenant=tenant, contact=contact, pk=pk)
        .select_related("brand", "contact__brand")
        .first()
    )
