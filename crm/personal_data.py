"""What the core holds on a contact: erasure's rules for its fields and its sections of the export
(see crm.privacy)."""

from django.apps import apps
from django.db.models import Q

from crm.models import (
    ContactConsent,
    ContactEmail,
    ContactPhone,
    ErasureRequest,
    Property,
    PropertyContact,
    TimelineEvent,
)
from crm.privacy import (
    BLANK,
    ERASED,
    ExportKind,
    FieldRule,
    Keep,
    MergeRule,
    PersonalModel,
    Replace,
    Rewrite,
    register_export_kinds,
    register_merge_rules,
    register_personal_models,
)
from crm.services import merge

CHUNK = 500


def _text_free(detail: dict) -> dict:
    """A timeline event's detail without its text: ids, numbers and flags stay (the portal and the
    dashboards read stage ids and counts), words go."""
    return {
        key: value
        for key, value in (detail or {}).items()
        if value is None or isinstance(value, (bool, int, float))
    }


def _own_properties(scope):
    return Property.objects.filter(tenant=scope.tenant, pk__in=scope.own_property_ids)


def _shared_links(scope):
    return PropertyContact.objects.filter(tenant=scope.tenant, pk__in=scope.shared_link_ids)


def _timeline_events(scope):
    """Their events and their properties' (their jobs' events: leads/personal_data.py)."""
    return TimelineEvent.objects.filter(tenant=scope.tenant).filter(
        Q(contact=scope.contact) | Q(property_id__in=scope.own_property_ids)
    )


# What erasure does to a timeline event, whichever subject reaches the contact.
TIMELINE_EVENT_ERASURE: dict[str, FieldRule] = {
    "summary": Replace(ERASED),
    # The msgid and its values (names, addresses) go too: the row reads as the summary.
    "summary_params": Replace({}),
    "detail": Rewrite(_text_free),
    "kind": Keep("what happened, a dotted name such as lead.stage_changed"),
}

register_personal_models(
    PersonalModel("crm.ContactEmail", "contact", delete=True),
    PersonalModel("crm.ContactPhone", "contact", delete=True),
    # A property shared with another contact keeps its address, which is the other contact's
    # too, and loses only the link; a property of theirs alone is erased.
    PersonalModel(
        "crm.Property",
        "links__contact",
        {
            "address_line1": Replace(ERASED),
            "address_line2": BLANK,
            "city": Replace(ERASED),
            "state": BLANK,
            "postal_code": BLANK,
            "notes": BLANK,
            "country": Keep("a country code: where numbers without a + are read"),
        },
        rows=_own_properties,
    ),
    # Every link is found (its audit history goes); only the shared ones are deleted.
    PersonalModel("crm.PropertyContact", "contact"),
    PersonalModel("crm.PropertyContact", "contact", delete=True, rows=_shared_links),
    # The record of each channel stays (status and time), without how it was given.
    PersonalModel("crm.ContactConsent", "contact", {"source": Replace("erased")}),
    PersonalModel(
        "crm.TimelineEvent",
        "contact",
        TIMELINE_EVENT_ERASURE,
        rows=_timeline_events,
        counted_as="timeline_events",
    ),
    PersonalModel(
        "crm.ErasureRequest",
        "contact",
        {"note": Keep("why staff declined or how they erased: the record the law asks for")},
    ),
    PersonalModel(
        "crm.Contact",
        "",
        {
            "first_name": Replace(ERASED),
            "last_name": Replace("contact"),
            "company_name": BLANK,
            "needs_review": Replace(False),
        },
    ),
)


def _contacts(subject):
    for contact in subject.contacts:
        yield (
            contact.pk,
            contact.first_name,
            contact.last_name,
            contact.company_name,
            contact.get_preferred_channel_display(),
            contact.get_language_display(),
            contact.created_at,
        )


def _emails(subject):
    rows = ContactEmail.objects.filter(tenant=subject.tenant, contact_id__in=subject.contact_ids)
    for email in rows.order_by("contact_id", "id").iterator(chunk_size=CHUNK):
        yield (email.contact_id, email.email, email.is_primary)


def _phones(subject):
    rows = ContactPhone.objects.filter(tenant=subject.tenant, contact_id__in=subject.contact_ids)
    for phone in rows.order_by("contact_id", "id").iterator(chunk_size=CHUNK):
        yield (phone.contact_id, str(phone.number), phone.get_kind_display(), phone.is_primary)


def _consent(subject):
    rows = ContactConsent.objects.filter(tenant=subject.tenant, contact_id__in=subject.contact_ids)
    for consent in rows.order_by("contact_id", "channel"):
        yield (
            consent.contact_id,
            consent.get_channel_display(),
            consent.get_status_display(),
            consent.source,
            consent.recorded_at,
        )


def _consent_history(subject):
    """Every recorded state of their consent, from the audit trail (django-pghistory)."""
    history = apps.get_model("crm", "ContactConsentEvent")
    rows = history.objects.filter(
        tenant_id=subject.tenant.pk, contact_id__in=subject.contact_ids
    ).order_by("pgh_created_at", "pgh_id")
    for event in rows.iterator(chunk_size=CHUNK):
        yield (
            event.contact_id,
            event.channel,
            event.status,
            event.source,
            event.recorded_at,
            event.pgh_label,
        )


def _properties(subject):
    links = PropertyContact.objects.filter(
        tenant=subject.tenant, contact_id__in=subject.contact_ids
    ).select_related("property")
    for link in links.order_by("property_id", "contact_id").iterator(chunk_size=CHUNK):
        place = link.property
        yield (
            place.pk,
            link.contact_id,
            link.get_role_display(),
            place.address_line1,
            place.address_line2,
            place.city,
            place.state,
            place.postal_code,
            place.country,
            place.get_property_type_display(),
        )


def _timeline(subject):
    events = (
        TimelineEvent.objects.filter(tenant=subject.tenant, customer_visible=True)
        .filter(Q(contact_id__in=subject.contact_ids) | Q(lead_id__in=subject.jobs.values("pk")))
        # A stage change names the team's own stage; the stage history has it in their words.
        .exclude(kind="lead.stage_changed")
        .order_by("occurred_at", "id")
    )
    for event in events.iterator(chunk_size=CHUNK):
        yield (event.occurred_at, event.kind, event.shown_summary)


def _erasure_requests(subject):
    rows = ErasureRequest.objects.filter(tenant=subject.tenant, contact_id__in=subject.contact_ids)
    for request in rows.order_by("requested_at", "id"):
        yield (
            request.contact_id,
            request.requested_at,
            request.get_how_display(),
            request.get_status_display(),
            request.handled_at,
        )


register_export_kinds(
    ExportKind(
        "contacts",
        ("id", "first_name", "last_name", "company", "preferred_channel", "language", "created"),
        _contacts,
    ),
    ExportKind("emails", ("contact_id", "email", "primary"), _emails),
    ExportKind("phones", ("contact_id", "number", "kind", "primary"), _phones),
    ExportKind("consent", ("contact_id", "channel", "status", "source", "recorded"), _consent),
    ExportKind(
        "consent_history",
        ("contact_id", "channel", "status", "source", "recorded", "change"),
        _consent_history,
    ),
    ExportKind(
        "properties",
        (
            "id",
            "contact_id",
            "role",
            "address_line1",
            "address_line2",
            "city",
            "state",
            "postal_code",
            "country",
            "type",
        ),
        _properties,
    ),
    ExportKind("timeline", ("when", "kind", "what"), _timeline),
    ExportKind(
        "erasure_requests",
        ("contact_id", "requested", "how", "status", "handled"),
        _erasure_requests,
    ),
)


# Merging two contacts (crm.services.merge): the core's rows that may not simply move.
register_merge_rules(
    MergeRule("crm.ContactEmail", "contact", merge.contact_emails_merge),
    MergeRule("crm.ContactPhone", "contact", merge.contact_phones_merge),
    MergeRule("crm.ContactConsent", "contact", merge.contact_consents_merge),
    MergeRule("crm.PropertyContact", "contact", merge.property_links_merge),
    MergeRule("crm.ErasureRequest", "contact", merge.erasure_requests_merge),
)
