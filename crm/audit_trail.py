"""How the core's audited models read in the audit trail (see crm.audit)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.audit import (
    AuditKind,
    AuditReference,
    AuditRow,
    register_audit_kinds,
    register_audit_labels,
    register_audit_names,
    register_audit_readers,
    register_audit_references,
)
from crm.kit.search import contacts_matching
from crm.models import Contact

CONSENT_WORDS = {
    "granted": gettext_lazy("granted"),
    "no_marketing": gettext_lazy("limited to job messages"),
    "withdrawn": gettext_lazy("withdrawn"),
}


def _tenant(row: AuditRow) -> str:
    return _("Business profile %(verb)s") % row.values()


def _consent(row: AuditRow) -> str:
    values = row.values(channel=row.choice("channel"), contact=row.contact_name())
    if row.action == "delete":
        return _("Consent for %(channel)s of %(contact)s deleted") % values
    status = row.data.get("status") or ""
    values["status"] = str(CONSENT_WORDS.get(status, status))
    return _("Consent for %(channel)s %(status)s for %(contact)s") % values


def _email(row: AuditRow) -> str:
    values = row.values(address=row.data.get("email") or "", contact=row.contact_name())
    return _("Email %(address)s of %(contact)s %(verb)s") % values


def _phone(row: AuditRow) -> str:
    values = row.values(address=row.data.get("number") or "", contact=row.contact_name())
    return _("Phone %(address)s of %(contact)s %(verb)s") % values


def _contact(row: AuditRow) -> str:
    data = row.data
    name = " ".join(filter(None, (data.get("first_name"), data.get("last_name"))))
    name = name or data.get("company_name") or f"#{row.entry.pgh_obj_id}"
    return _("Contact %(name)s %(verb)s") % row.values(name=name)


def _membership(row: AuditRow) -> str:
    user = row.named("user")
    name = str(user) if user else f"#{row.entry.pgh_obj_id}"
    return _("Team member %(name)s %(verb)s") % row.values(name=name)


def _time_off(row: AuditRow) -> str:
    member = row.named("membership")
    days = dict.fromkeys(row.shown(day) for day in ("starts_on", "ends_on") if row.data.get(day))
    values = row.values(
        name=str(member.user) if member else _("a former team member"), days=" – ".join(days)
    )
    return _("Time off for %(name)s (%(days)s) %(verb)s") % values


def _property_link(row: AuditRow) -> str:
    place = row.named("property")
    values = row.values(
        contact=row.contact_name(), place=place.one_line_address if place else _("a property")
    )
    if row.action == "delete":
        return _("%(contact)s unlinked from %(place)s") % values
    return _("%(contact)s linked to %(place)s") % values


def _property(row: AuditRow) -> str:
    place = ", ".join(filter(None, (row.data.get("address_line1"), row.data.get("city"))))
    return _("Property %(place)s %(verb)s") % row.values(place=place)


register_audit_kinds(
    AuditKind("profile", gettext_lazy("Business profile"), ("crm.Tenant",)),
    AuditKind("brands", gettext_lazy("Brands"), ("crm.Brand",)),
    AuditKind("team", gettext_lazy("Team and time off"), ("crm.Membership", "crm.TimeOff")),
    AuditKind(
        "contacts",
        gettext_lazy("Contacts, emails, phones and consent"),
        ("crm.Contact", "crm.ContactEmail", "crm.ContactPhone", "crm.ContactConsent"),
    ),
    AuditKind("properties", gettext_lazy("Properties"), ("crm.Property", "crm.PropertyContact")),
)


def _contacts_named(tenant, text: str):
    """The contacts the contact list's search box finds for the text (folded: "jose pena"
    finds José Peña)."""
    condition = contacts_matching(text)
    return Contact.objects.filter(tenant=tenant).filter(condition).values("pk") if condition else []


register_audit_references(
    AuditReference("contact", "crm.Contact", search=_contacts_named),
    AuditReference("brand", "crm.Brand"),
    # Users are the team's, read with the page's actors (crm.selectors.audit).
    AuditReference("user", "crm.User"),
    AuditReference("membership", "crm.Membership", related=("user",)),
    AuditReference("property", "crm.Property"),
)
register_audit_readers(
    {
        "crm.Tenant": _tenant,
        "crm.ContactConsent": _consent,
        "crm.ContactEmail": _email,
        "crm.ContactPhone": _phone,
        "crm.Contact": _contact,
        "crm.Membership": _membership,
        "crm.TimeOff": _time_off,
        "crm.PropertyContact": _property_link,
        "crm.Property": _property,
    }
)
register_audit_labels(
    {
        "address_line1": gettext_lazy("Address line 1"),
        "address_line2": gettext_lazy("Address line 2"),
        "brand": gettext_lazy("Brand"),
        "business_hours": gettext_lazy("Business hours"),
        "capacity": gettext_lazy("Capacity"),
        "channel": gettext_lazy("Channel"),
        "city": gettext_lazy("City"),
        "company_name": gettext_lazy("Company"),
        "contact": gettext_lazy("Contact"),
        "country": gettext_lazy("Country"),
        "currency": gettext_lazy("Currency"),
        "date": gettext_lazy("Date"),
        "description": gettext_lazy("Description"),
        "digest_enabled": gettext_lazy("Daily digest"),
        "digest_hour": gettext_lazy("Digest hour"),
        "email": gettext_lazy("Email"),
        "ends_on": gettext_lazy("Last day"),
        "expertise": gettext_lazy("Expertise"),
        "first_name": gettext_lazy("First name"),
        "home_state": gettext_lazy("Home state"),
        "is_active": gettext_lazy("Active"),
        "is_archived": gettext_lazy("Archived"),
        "is_default": gettext_lazy("Default"),
        "is_primary": gettext_lazy("Primary"),
        "is_vip": gettext_lazy("VIP"),
        "kind": gettext_lazy("Kind"),
        "language": gettext_lazy("Language"),
        "last_name": gettext_lazy("Last name"),
        "logo": gettext_lazy("Logo"),
        "logo_type": gettext_lazy("Logo type"),
        "membership": gettext_lazy("Team member"),
        "name": gettext_lazy("Name"),
        "needs_review": gettext_lazy("Needs review"),
        "note": gettext_lazy("Note"),
        "notes": gettext_lazy("Notes"),
        "number": gettext_lazy("Number"),
        "phone": gettext_lazy("Phone"),
        "position": gettext_lazy("Position"),
        "postal_code": gettext_lazy("Postal code"),
        "preferred_channel": gettext_lazy("Preferred channel"),
        "property": gettext_lazy("Property"),
        "property_type": gettext_lazy("Property type"),
        "public_holidays": gettext_lazy("Public holidays are days off"),
        "recorded_at": gettext_lazy("Recorded at"),
        "reply_to_email": gettext_lazy("Reply-to email"),
        "role": gettext_lazy("Role"),
        "sender_email": gettext_lazy("Sender email"),
        "sender_name": gettext_lazy("Sender name"),
        "slug": gettext_lazy("Short name"),
        "sms_number": gettext_lazy("SMS number"),
        "source": gettext_lazy("Source"),
        "starts_on": gettext_lazy("First day"),
        "state": gettext_lazy("State"),
        "status": gettext_lazy("Status"),
        "territories": gettext_lazy("Territories"),
        "time_zone": gettext_lazy("Time zone"),
        "title": gettext_lazy("Title"),
        "user": gettext_lazy("User"),
        "verified_at": gettext_lazy("Verified at"),
        "verified_by": gettext_lazy("Verified by"),
        "verified_how": gettext_lazy("Verified how"),
        "website": gettext_lazy("Website"),
        "weekly_availability": gettext_lazy("Weekly availability"),
        "created_by": gettext_lazy("Created by"),
    }
)
register_audit_names(
    {
        "crm.Brand": gettext_lazy("Brand"),
        "crm.ClosedDay": gettext_lazy("Closed day"),
        "crm.Contact": gettext_lazy("Contact"),
        "crm.ContactConsent": gettext_lazy("Contact consent"),
        "crm.ContactEmail": gettext_lazy("Contact email"),
        "crm.ContactPhone": gettext_lazy("Contact phone"),
        "crm.Membership": gettext_lazy("Membership"),
        "crm.Property": gettext_lazy("Property"),
        "crm.PropertyContact": gettext_lazy("Property contact"),
        "crm.Tenant": gettext_lazy("Business profile"),
        "crm.TimeOff": gettext_lazy("Time off"),
    }
)
