"""Creating and editing leads: numbering, the contact and property they come with, their
search document. Each function is one transaction."""

import datetime as dt
import re
from decimal import Decimal

from django.contrib.postgres.search import SearchVector
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Field, Value
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm.events import publish
from crm.models import AddressSource, Brand, Contact, Membership, Property, Tenant, User
from crm.services.contacts import (
    contact_addresses_learn,
    contact_create,
    contact_find_or_create,
)
from crm.services.properties import property_create
from crm.services.timeline import timeline_record
from leads.events import LeadCreated, LeadRegrouped, LeadStageEntered
from leads.models import (
    Lead,
    LeadCounter,
    LeadEvent,
    LeadSource,
    LeadType,
    Location,
    Pipeline,
    Stage,
    StageVisit,
)
from leads.selectors.search import search_words
from leads.services.activity import lead_add_note
from leads.services.assignment import lead_assign, lead_assign_automatically
from leads.services.priorities import lead_rescore
from leads.services.stages import first_stage, lead_handle_event


def _next_lead_number(tenant: Tenant) -> int:
    counter, _ = LeadCounter.objects.select_for_update().get_or_create(tenant=tenant)
    counter.last_number = F("last_number") + 1
    counter.save(update_fields=["last_number"])
    counter.refresh_from_db(fields=["last_number"])
    return counter.last_number


def location_of(tenant: Tenant, place: Property | None) -> str:
    if place is None or not place.state or not tenant.home_state:
        return Location.UNKNOWN
    same = place.state.strip().casefold() == tenant.home_state.strip().casefold()
    return Location.IN_STATE if same else Location.OUT_OF_STATE


@transaction.atomic
def lead_create(
    *,
    tenant: Tenant,
    actor: User | None,
    contact: Contact,
    pipeline: Pipeline,
    stage: Stage | None = None,
    place: Property | None = None,
    owner: Membership | None = None,
    assign_automatically: bool = True,
    lead_type: str = "",
    title: str = "",
    estimated_value: Decimal | None = None,
    source: LeadSource | None = None,
    cost: Decimal | None = None,
    brand: Brand | None = None,
    note: str = "",
    created_via: str = "staff",
    notify_owner: bool = True,
    announce: bool = True,
    now: dt.datetime | None = None,
) -> Lead:
    """A new lead in `pipeline` (its first stage unless `stage`), owned by `owner`, or by whom the
    assignment rules pick when no owner is given. Bulk imports pass notify_owner=False and tell
    each owner once, at the end; they and demo data pass announce=False, so the comms engine's
    triggers do not greet customers who came in with a spreadsheet."""
    now = now or timezone.now()
    if pipeline.tenant_id != tenant.pk or (stage and stage.pipeline_id != pipeline.pk):
        raise ValidationError(_("That stage is not part of this pipeline."))
    stage = stage or first_stage(pipeline)
    if lead_type == "" and place is not None:
        lead_type = place.property_type
    lead = Lead(
        tenant=tenant,
        number=_next_lead_number(tenant),
        title=title.strip(),
        contact=contact,
        property=place,
        brand=brand or contact.brand,
        pipeline=pipeline,
        stage=stage,
        lead_type=lead_type or pipeline.lead_type or LeadType.RESIDENTIAL,
        estimated_value=estimated_value,
        source=source,
        cost=source.default_cost if cost is None and source else (cost or Decimal("0")),
        location=location_of(tenant, place),
        created_at=now,
        stage_entered_at=now,
        last_activity_at=now,
    )
    lead.full_clean(exclude=["tenant", "number", "search_vector"])
    lead.save()
    _lead_created_record(tenant=tenant, actor=actor, lead=lead, created_via=created_via, now=now)
    if note.strip():
        lead_add_note(tenant=tenant, actor=actor, lead=lead, body=note)
    if owner is not None:
        lead_assign(
            tenant=tenant, actor=actor, lead=lead, owner=owner, now=now, notify=notify_owner
        )
    elif assign_automatically:
        lead_assign_automatically(tenant=tenant, lead=lead, now=now, notify=notify_owner)
    lead_refresh_search(lead=lead)
    lead_rescore(tenant=tenant, lead=lead, now=now)
    if announce:
        _lead_created_announce(tenant=tenant, actor=actor, lead=lead, stage=stage)
    return lead


def _lead_created_record(
    *, tenant: Tenant, actor: User | None, lead: Lead, created_via: str, now: dt.datetime
) -> None:
    """The new lead's first stage visit and its "created" line on the timeline."""
    stage, source = lead.stage, lead.source
    if stage is not None:
        StageVisit.objects.create(
            tenant=tenant, lead=lead, stage=stage, entered_at=now, entered_by=actor
        )
    timeline_record(
        tenant=tenant,
        kind="lead.created",
        summary=gettext_noop("Lead %(reference)s created (%(via)s) in %(stage)s")
        if stage
        else gettext_noop("Lead %(reference)s created (%(via)s)"),
        params={"reference": lead.reference, "via": created_via}
        | ({"stage": stage.name} if stage else {}),
        actor=actor,
        lead=lead,
        property=lead.property,
        occurred_at=now,
        detail={"via": created_via, "source": source.name if source else None},
    )


def _lead_created_announce(
    *, tenant: Tenant, actor: User | None, lead: Lead, stage: Stage | None
) -> None:
    """Tell the apps above that the lead exists and entered its first stage."""
    publish(LeadCreated(tenant=tenant, lead=lead, actor=actor))
    if stage is not None:
        publish(
            LeadStageEntered(
                tenant=tenant, lead=lead, stage=stage, previous_stage=None, actor=actor
            )
        )


def lead_search_document(lead: Lead) -> str:
    """The words the list's search box finds `lead` by, as its search vector indexes them (the
    contact's emails and phones prefetched, or read here)."""
    contact = lead.contact
    words = [lead.reference, str(lead.number), contact.first_name, contact.last_name]
    words += [contact.company_name, lead.title]
    for email in contact.emails.all():
        words += [email.email, email.email.split("@")[0]]
    for phone in contact.phones.all():
        digits = re.sub(r"\D", "", str(phone.number))
        national = re.sub(r"\D", "", phone.number.as_national) if phone.number else ""
        words += [digits, national, national[-7:], national[-4:]]
    place = lead.property
    if place is not None:
        words += [place.address_line1, place.city, place.state, place.postal_code]
    return " ".join(search_words(" ".join(word for word in words if word)))


def lead_refresh_search(*, lead: Lead) -> None:
    """Re-index the words the list's search box finds a lead by (name, email, phone, address)."""
    document = lead_search_document(lead)
    Lead.objects.filter(tenant_id=lead.tenant_id, pk=lead.pk).update(
        search_vector=SearchVector(Value(document), config="simple")
    )


def leads_refresh_search_of_contact(*, tenant: Tenant, contact: Contact) -> None:
    """Re-index every lead of the contact (its name or addresses changed, or a merge brought
    leads of another contact)."""
    leads = Lead.objects.filter(tenant=tenant, contact=contact).select_related(
        "contact", "property"
    )
    for lead in leads:
        lead_refresh_search(lead=lead)


EDITABLE_LEAD_FIELDS = (
    "title",
    "property",
    "brand",
    "lead_type",
    "estimated_value",
    "source",
    "cost",
    "appointment_at",
)


def _record_appointment(tenant: Tenant, actor: User, lead: Lead) -> None:
    """The customer sees a booked (or moved) appointment on their timeline; a cleared one is the
    team's note only (it may simply be over)."""
    if lead.appointment_at is None:
        timeline_record(
            tenant=tenant,
            kind="lead.appointment_cleared",
            summary=gettext_noop("Appointment cleared"),
            params={},
            actor=actor,
            lead=lead,
        )
        return
    when = dateformat.format(timezone.localtime(lead.appointment_at, tenant.zone), "D M j, g:i A")
    timeline_record(
        tenant=tenant,
        kind="lead.appointment_booked",
        # The time reads in English ("Tue Jun 16, 10:30 AM"): stored as it was written.
        summary=gettext_noop("Appointment booked for %(when)s"),
        params={"when": when},
        actor=actor,
        lead=lead,
        customer_visible=True,
        detail={"appointment_at": lead.appointment_at.isoformat()},
    )
    lead_handle_event(tenant=tenant, lead=lead, event=LeadEvent.APPOINTMENT_BOOKED, actor=actor)


@transaction.atomic
def lead_update(*, tenant: Tenant, actor: User, lead: Lead, **changes) -> Lead:
    unknown = set(changes) - set(EDITABLE_LEAD_FIELDS)
    if unknown:
        raise ValueError(f"Not editable lead fields: {', '.join(sorted(unknown))}")
    changed = [name for name, value in changes.items() if getattr(lead, name) != value]
    if not changed:
        return lead
    for name in changed:
        setattr(lead, name, changes[name])
    if "property" in changed:
        lead.location = location_of(tenant, lead.property)
    lead.full_clean(exclude=["tenant", "number", "search_vector"])
    lead.save()
    others = [name for name in changed if name != "appointment_at"]
    if others:
        # The editable fields are the lead's own columns (no reverse relations).
        fields = [Lead._meta.get_field(name) for name in others]
        labels = ", ".join(str(f.verbose_name) for f in fields if isinstance(f, Field))
        timeline_record(
            tenant=tenant,
            kind="lead.updated",
            summary=gettext_noop("Changed %(fields)s"),
            params={"fields": labels},
            actor=actor,
            lead=lead,
        )
    if "appointment_at" in changed:
        _record_appointment(tenant, actor, lead)
    lead_refresh_search(lead=lead)
    lead_rescore(tenant=tenant, lead=lead)
    if "brand" in changed:
        publish(LeadRegrouped(tenant=tenant, lead=lead))
    return lead


@transaction.atomic
def lead_create_with_contact(
    *,
    tenant: Tenant,
    actor: User | None,
    contact: Contact | None,
    contact_details: dict,
    place: Property | None = None,
    new_address: dict | None = None,
    source_label: str = "staff",
    address_source: str = AddressSource.STAFF,
    new_contact: bool = False,
    **lead_fields,
) -> Lead:
    """A lead for `contact`, or for the contact these details match (email, E.164 phone), or for
    a new one; a new address becomes a property linked to that contact. The details' email and
    phone came from `address_source` (crm.services.contacts.contact_find_or_create says what a match
    does with an address it did not know).

    Staff who were asked whether the person is a contact we know (leads.views.leads.lead_create)
    answer with `contact` (yes: the typed addresses it lacks are added, unverified, as for any
    match) or `new_contact` (no: a new contact, even though another one shares an address)."""
    if contact is not None:
        contact_addresses_learn(
            tenant=tenant,
            actor=actor,
            contact=contact,
            emails=contact_details.get("emails", ()),
            phones=contact_details.get("phones", ()),
            address_source=address_source,
        )
    elif new_contact:
        contact = contact_create(
            tenant=tenant,
            actor=actor,
            source=source_label,
            address_source=address_source,
            **contact_details,
        )
    else:
        contact = contact_find_or_create(
            tenant=tenant,
            actor=actor,
            source=source_label,
            address_source=address_source,
            **contact_details,
        ).contact
    if place is None and new_address:
        place = property_create(
            tenant=tenant, actor=actor, contacts=[(contact, "owner")], **new_address
        )
    return lead_create(
        tenant=tenant,
        actor=actor,
        contact=contact,
        place=place,
        created_via=source_label,
        **lead_fields,
    )
