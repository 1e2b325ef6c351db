"""Writes of the business's own settings: its profile and its brands."""

from django.db import transaction

from crm.brand_logos import logo_read
from crm.models import Brand, Tenant, User

TENANT_PROFILE_FIELDS = (
    "name",
    "time_zone",
    "language",
    "currency",
    "country",
    "home_state",
    "business_hours",
)


@transaction.atomic
def tenant_update_profile(*, tenant: Tenant, actor: User, **changes) -> Tenant:
    unknown = set(changes) - set(TENANT_PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"Not profile fields: {', '.join(sorted(unknown))}")
    for field, value in changes.items():
        setattr(tenant, field, value)
    tenant.full_clean(exclude=["slug"])
    tenant.save(update_fields=list(changes))
    return tenant


BRAND_FIELDS = (
    "name",
    "slug",
    "sender_name",
    "sender_email",
    "reply_to_email",
    "sms_number",
    "phone",
    "website",
    "language",
    "is_default",
    "is_archived",
)


@transaction.atomic
def brand_save(
    *,
    tenant: Tenant,
    actor: User,
    brand: Brand | None = None,
    logo: bytes | None = None,
    remove_logo: bool = False,
    **values,
) -> Brand:
    """Create a brand (brand=None) or change one. One brand at most is the default.

    `logo` (an image's bytes, see crm.brand_logos) replaces the logo; `remove_logo` drops it;
    neither keeps the one there."""
    unknown = set(values) - set(BRAND_FIELDS)
    if unknown:
        raise ValueError(f"Not brand fields: {', '.join(sorted(unknown))}")
    brand = brand or Brand(tenant=tenant)
    for field, value in values.items():
        setattr(brand, field, value)
    if logo:
        brand.logo_type = logo_read(logo)
        brand.logo = logo
    elif remove_logo:
        brand.logo, brand.logo_type = b"", ""
    if brand.is_default:
        brand.is_archived = False
        Brand.objects.filter(tenant=tenant, is_default=True).exclude(pk=brand.pk).update(
            is_default=False
        )
    brand.full_clean(exclude=["tenant"])
    brand.save()
    return brand
