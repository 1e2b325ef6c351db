"""Writes of properties (the addresses where the work is done) and who they belong to."""

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext_noop

from crm.kit.stored_text import stored_label
from crm.models import Contact, Property, PropertyContact, PropertyRole, Tenant, User
from crm.services.timeline import timeline_record


@transaction.atomic
def property_create(
    *,
    tenant: Tenant,
    actor: User | None,
    contacts: Iterable[tuple[Contact, str]] = (),
    **address,
) -> Property:
    place = Property(tenant=tenant, **address)
    place.full_clean(exclude=["tenant"])
    place.save()
    for contact, role in contacts:
        property_link_contact(tenant=tenant, actor=actor, place=place, contact=contact, role=role)
    return place


def property_link_contact(
    *,
    tenant: Tenant,
    actor: User | None,
    place: Property,
    contact: Contact,
    role: str = PropertyRole.OWNER,
) -> PropertyContact:
    link, created = PropertyContact.objects.get_or_create(
        tenant=tenant, property=place, contact=contact, defaults={"role": role}
    )
    if created:
        timeline_record(
            tenant=tenant,
            kind="property.linked",
            summary=gettext_noop("%(role)s of %(address)s"),
            params={
                "role": stored_label(PropertyRole(role).label),
                "address": place.one_line_address,
            },
            actor=actor,
            contact=contact,
            property=place,
        )
    return link
