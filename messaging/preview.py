"""The live preview of a template's wording being edited: rendered with sample values or for a
real contact (and one of their jobs), with the SMS counter, or the problem in words."""

from dataclasses import dataclass

from django.utils import timezone

from crm.models import Brand, Contact, Tenant
from crm.selectors.brands import sending_brand
from leads.models import Lead
from messaging import rendering
from messaging.models import MessageChannel
from messaging.selectors import templates as selectors
from messaging.sms import SmsSegments, sms_segments
from messaging.variables import as_the_contact_reads, message_variables

WHATSAPP_TEMPLATE_LIMIT = 1024
NO_LEAD = "none"


def variable_tag(name: str) -> str:
    """How a variable is written in a template."""
    return "{{ " + name + " }}"


@dataclass
class Preview:
    channel: str
    contacts: list[Contact]
    contact: Contact | None
    leads: list[Lead]
    lead: Lead | None
    search: str
    subject: str = ""
    text: str = ""
    html: str = ""
    problem: str = ""
    sms: SmsSegments | None = None

    @property
    def is_email(self) -> bool:
        return self.channel == MessageChannel.EMAIL

    @property
    def is_whatsapp(self) -> bool:
        return self.channel == MessageChannel.WHATSAPP

    @property
    def whatsapp_over_limit(self) -> bool:
        return self.sms is not None and self.sms.characters > WHATSAPP_TEMPLATE_LIMIT

    @property
    def whatsapp_limit(self) -> int:
        return WHATSAPP_TEMPLATE_LIMIT

    @property
    def ucs2_shown(self) -> list[str]:
        """The characters that force UCS-2, invisible ones (a no-break space) by code point."""
        if self.sms is None:
            return []
        return [
            char if char.isprintable() and not char.isspace() else f"U+{ord(char):04X}"
            for char in self.sms.ucs2_characters
        ]


def _chosen_contact(
    tenant: Tenant, *, picked: int | None, search: str, contacts: list[Contact]
) -> Contact | None:
    """The contact picked in the preview; a new search picks its first match. Another team's
    contact id is not found (404)."""
    if search and picked not in {contact.pk for contact in contacts}:
        picked = contacts[0].pk if contacts else None
    if picked is None:
        return None
    return selectors.preview_contact_get(tenant=tenant, contact_id=picked)


def _chosen_lead(wanted: int | str | None, leads: list[Lead]) -> Lead | None:
    """The lead picked (one of the contact's), none on purpose, or else their newest."""
    if wanted == NO_LEAD:
        return None
    by_id = {lead.pk: lead for lead in leads}
    return by_id.get(wanted) or (leads[0] if leads else None)


def _sample_variables(tenant: Tenant, brand: Brand | None) -> dict:
    """The sample, signed by this team's brand where the brand has the detail."""
    values = rendering.sample_variables(now=timezone.now())
    brand = sending_brand(tenant=tenant, brand=brand)
    if brand is not None:
        values |= {
            "sender_name": brand.sender_name or values["sender_name"],
            "brand_name": brand.name,
            "brand_phone": str(brand.call_number) if brand.call_number else values["brand_phone"],
            "brand_email": brand.reply_to_email or brand.sender_email or values["brand_email"],
            "brand_website": brand.website or values["brand_website"],
        }
    return values


def _missing_in_words(error: rendering.MissingVariables, contact: Contact | None) -> str:
    names = ", ".join(variable_tag(name) for name in error.names)
    who = contact.display_name if contact else "The sample"
    example = error.names[0]
    return (
        f"{who} has no value for {names}, so this message would not be sent. Put it inside "
        f"{{% if {example} %}} … {{% endif %}} or give it a fallback, e.g. "
        f'{{{{ {example}|default:"…" }}}}.'
    )


def template_preview(
    *,
    tenant: Tenant,
    sources: dict,
    search: str = "",
    picked_contact: int | None = None,
    picked_lead: int | str | None = None,
) -> Preview:
    """`sources`: channel, subject, text, html and brand of the wording as typed."""
    contacts = selectors.preview_contacts(tenant=tenant, search=search)
    contact = _chosen_contact(tenant, picked=picked_contact, search=search, contacts=contacts)
    if contact is not None and contact.pk not in {row.pk for row in contacts}:
        contacts = [contact, *contacts]
    leads = selectors.preview_leads(tenant=tenant, contact=contact) if contact else []
    lead = _chosen_lead(picked_lead, leads)
    preview = Preview(sources["channel"], contacts, contact, leads, lead, search)
    if not sources["text"].strip():
        preview.problem = "Write the message to see it here."
        return preview
    try:
        rendering.validate(subject=sources["subject"], text=sources["text"], html=sources["html"])
    except rendering.TemplateProblem as problem:
        preview.problem = str(problem)
        return preview
    # As the contact reads it: their language and time zone (the team's without a contact).
    with as_the_contact_reads(tenant, contact):
        if contact is None:
            variables = _sample_variables(tenant, sources["brand"])
        else:
            variables = message_variables(
                tenant=tenant,
                contact=contact,
                channel=sources["channel"],
                lead=lead,
                brand=sources["brand"],
            )
        try:
            rendered = rendering.render(
                subject=sources["subject"],
                text=sources["text"],
                html=sources["html"],
                variables=variables,
                make_html=preview.is_email,
            )
        except rendering.MissingVariables as error:
            preview.problem = _missing_in_words(error, contact)
            return preview
    preview.subject, preview.text, preview.html = rendered.subject, rendered.text, rendered.html
    if not preview.is_email:
        preview.sms = sms_segments(rendered.text)
    return preview
