"""How the core's audited models read in the audit trail (see crm.audit)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.audit import (
    AuditKind,
    AuditReference,
    AuditRow,
    register_audit_kinds,
    register_audit_readers,
    register_audit_references,
)

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
    status = row.data.get("status")
    values["status"] = str(CONSENT_WORDS.get(status, status or ""))
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
    days = dict.fromkeys(filter(None, (row.data.get("starts_on"), row.data.get("ends_on"))))
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
register_audit_references(
    AuditReference("contact", "crm.Contact"),
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
