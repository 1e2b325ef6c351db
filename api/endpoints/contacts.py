"""Contacts: list (the contact list's search and pages), one, create and change; add, remove
and make primary their emails and phones, as the contact's edit page does.

Addresses sent through the API are someone's claim, like a web form's: they arrive unverified
(AddressSource.API) and never open the customer portal until staff or the customer confirm them.
"""

import datetime as dt
from typing import Literal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from phonenumber_field.phonenumber import PhoneNumber, to_python
from pydantic import Field, field_validator

from api.schemas import MAX_LIMIT, READ_ERRORS, WRITE_ERRORS, Body, Page, page
from crm.models import AddressSource, Channel, ContactEmail, Language, PhoneKind
from crm.phones import e164
from crm.selectors.contacts import contact_get, contact_list
from crm.services.contacts import (
    AddressEdit,
    contact_addresses_learn,
    contact_create,
    contact_update,
)

router = Router()


class EmailOut(Schema):
    id: int
    email: str
    is_primary: bool
    is_verified: bool


class PhoneOut(Schema):
    id: int
    number: str
    kind: PhoneKind
    is_primary: bool
    is_verified: bool

    @staticmethod
    def resolve_number(phone) -> str:
        return e164(phone.number)


class ContactOut(Schema):
    id: int
    first_name: str
    last_name: str
    company_name: str
    preferred_channel: Channel
    language: Language
    is_vip: bool
    needs_review: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    emails: list[EmailOut]
    phones: list[PhoneOut]

    @staticmethod
    def resolve_emails(contact) -> list:
        return list(contact.emails.all())

    @staticmethod
    def resolve_phones(contact) -> list:
        return list(contact.phones.all())


class ContactDetails(Body):
    first_name: str = Field("", max_length=100)
    last_name: str = Field("", max_length=100)
    company_name: str = Field("", max_length=200)
    preferred_channel: Channel = Channel.EMAIL
    language: Language | None = Field(None, description="Omitted: the team's language.")


class AddressesIn(Body):
    emails: list[str] = Field(default_factory=list, max_length=10)
    phones: list[str] = Field(
        default_factory=list, max_length=10, description="E.164 (+13055550100) or national."
    )

    @field_validator("emails")
    @classmethod
    def emails_valid(cls, emails: list[str]) -> list[str]:
        try:
            return valid_emails(emails)
        except ValidationError as error:
            raise ValueError(error.messages[0]) from None


class ContactIn(ContactDetails, AddressesIn):
    """A new contact: its details and its addresses (which arrive unverified)."""


class ContactChange(Body):
    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    company_name: str | None = Field(None, max_length=200)
    preferred_channel: Channel | None = None
    language: Language | None = None


class ListParams(Schema):
    q: str = Field("", max_length=200, description="Name, company, email or phone.")
    cursor: str | None = None
    limit: int = Query(50, ge=1, le=MAX_LIMIT)


def _is_email(value: str) -> bool:
    # Django's rule allows 320 characters; the column keeps the form field's 254.
    max_length = ContactEmail._meta.get_field("email").max_length
    if max_length is not None and len(value) > max_length:
        return False
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def valid_emails(emails: list[str], *, field: str = "emails") -> list[str]:
    """Django's rule, as the contact form's: one definition of an email address."""
    for email in emails:
        if not _is_email(email):
            raise ValidationError({field: [_("Not a valid email address: %s") % email]})
    return emails


def parsed_phones(numbers: list[str], *, region: str, field: str = "phones") -> list:
    parsed = []
    for number in numbers:
        phone = to_python(number, region=region)
        # An empty number comes back as "" (the field's empty value), not as a PhoneNumber.
        if not isinstance(phone, PhoneNumber) or not phone.is_valid():
            raise ValidationError({field: [_("Not a valid phone number: %s") % number]})
        parsed.append(phone)
    return parsed


@router.get("", response={200: Page[ContactOut], **READ_ERRORS}, summary="List contacts")
def contact_index(request, params: Query[ListParams]):
    """Newest first."""
    return page(
        contact_list(
            tenant=request.tenant, search=params.q, after=params.cursor, per_page=params.limit
        )
    )


@router.get("{contact_id}", response={200: ContactOut, **READ_ERRORS}, summary="Get a contact")
def contact_detail(request, contact_id: int):
    return contact_get(tenant=request.tenant, contact_id=contact_id)


@router.post("", response={201: ContactOut, **WRITE_ERRORS}, summary="Create a contact")
def contact_new(request, payload: ContactIn):
    """Its addresses arrive unverified (they cannot sign in to the portal until confirmed)."""
    tenant = request.tenant
    contact = contact_create(
        tenant=tenant,
        actor=request.actor,
        first_name=payload.first_name,
        last_name=payload.last_name,
        company_name=payload.company_name,
        preferred_channel=payload.preferred_channel,
        language=payload.language,
        emails=payload.emails,
        phones=parsed_phones(payload.phones, region=tenant.country),
        source="API",
        address_source=AddressSource.API,
    )
    return Status(201, contact_get(tenant=tenant, contact_id=contact.pk))


@router.patch(
    "{contact_id}", response={200: ContactOut, **WRITE_ERRORS}, summary="Change a contact"
)
def contact_change(request, contact_id: int, payload: ContactChange):
    """Names and preferences; addresses are confirmed and changed by staff in the app."""
    tenant = request.tenant
    contact = contact_get(tenant=tenant, contact_id=contact_id)
    contact_update(
        tenant=tenant, actor=request.actor, contact=contact, **payload.dict(exclude_none=True)
    )
    return contact_get(tenant=tenant, contact_id=contact_id)


@router.post(
    "{contact_id}/addresses", response={200: ContactOut, **WRITE_ERRORS}, summary="Add addresses"
)
def contact_addresses_add(request, contact_id: int, payload: AddressesIn):
    """Adds the emails and phones the contact does not have yet, as the lead page does when
    staff say a new lead is this contact's: unverified (they cannot sign in to the portal until
    staff or the customer confirm them), and the team's managers are asked to check them."""
    tenant = request.tenant
    contact = contact_get(tenant=tenant, contact_id=contact_id)
    contact_addresses_learn(
        tenant=tenant,
        actor=request.actor,
        contact=contact,
        emails=payload.emails,
        phones=parsed_phones(payload.phones, region=tenant.country),
        address_source=AddressSource.API,
    )
    return contact_get(tenant=tenant, contact_id=contact_id)


AddressKind = Literal["email", "phone"]


def _address(contact, kind: str, address_id: int):
    """One of the contact's emails or phones (already read with it), or a 404."""
    addresses = contact.emails.all() if kind == "email" else contact.phones.all()
    for address in addresses:
        if address.pk == address_id:
            return address
    raise Http404


def _address_change(request, contact_id: int, kind: str, address_id: int, **edit):
    """One row of the edit page's emails or phones, changed through contact_update."""
    tenant = request.tenant
    contact = contact_get(tenant=tenant, contact_id=contact_id)
    address = _address(contact, kind, address_id)
    value = address.email if kind == "email" else address.number
    contact_update(
        tenant=tenant,
        actor=request.actor,
        contact=contact,
        **{f"{kind}s": [AddressEdit(address_id=address.pk, value=value, **edit)]},
    )
    return contact_get(tenant=tenant, contact_id=contact_id)


@router.delete(
    "{contact_id}/addresses/{kind}/{address_id}",
    response={200: ContactOut, **WRITE_ERRORS},
    summary="Remove an address",
)
def contact_address_remove(request, contact_id: int, kind: AddressKind, address_id: int):
    """As removing a row on the contact's edit page: the timeline says so; if it was the primary
    one, the first that is left becomes primary."""
    return _address_change(request, contact_id, kind, address_id, remove=True)


@router.post(
    "{contact_id}/addresses/{kind}/{address_id}/primary",
    response={200: ContactOut, **WRITE_ERRORS},
    summary="Make an address primary",
)
def contact_address_primary(request, contact_id: int, kind: AddressKind, address_id: int):
    """The address messages go to first, as the edit page's Primary choice."""
    return _address_change(request, contact_id, kind, address_id, is_primary=True)
