"""Merging two contacts that are the same person: every row of the merged contact moves to the
survivor, then the merged contact is deleted.

What moves is found, not listed: every foreign key of every installed model that points at
crm.Contact (crm.privacy.contact_foreign_keys), so a model added later is merged too. Moving a key
is an UPDATE; a model whose rows may not simply move (one row per contact, one per contact and
channel...) registers a `MergeRule` in its app's personal_data.py naming the service that
combines them, and tests/crm/test_contact_merge.py fails on a key that needs one and has none.
The core's own rules are below.
"""

from dataclasses import dataclass

import pghistory
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm.events import ContactChanged, publish
from crm.kit.stored_text import stored_message
from crm.models import (
    ConsentStatus,
    Contact,
    ContactConsent,
    ContactEmail,
    ContactPhone,
    ErasureRequest,
    ErasureStatus,
    PropertyContact,
    Role,
    Tenant,
    User,
)
from crm.privacy import MergeScope, contact_foreign_keys, merge_plan, rows_pointing_at
from crm.selectors.contacts import merge_counts
from crm.services.timeline import timeline_record

MERGERS = (Role.ADMIN, Role.MANAGER)


@dataclass(frozen=True)
class MergeReport:
    survivor: Contact
    merged_id: int
    merged_name: str
    moved: dict[str, int]  # verbose name plural of a model → rows moved to the survivor


_rows = rows_pointing_at


@transaction.atomic
def contact_merge(
    *, tenant: Tenant, actor: User, role: str, survivor: Contact, merged: Contact
) -> MergeReport:
    """Merge `merged` into `survivor`: its leads, tickets, messages, documents, consent records,
    addresses, properties, follow-ups and timeline become the survivor's; then it is deleted.
    Managers and admins only. The audit trail's rows of the merge carry a `contact_merge`
    context naming both contacts; the survivor's timeline says what came over."""
    if role not in MERGERS:
        raise PermissionDenied(_("Only a manager or an admin can merge contacts."))
    if survivor.pk == merged.pk:
        raise ValidationError(_("Choose two different contacts to merge."))
    locked = {
        contact.pk: contact
        for contact in Contact.objects.select_for_update()
        .filter(tenant=tenant, pk__in=(survivor.pk, merged.pk))
        .order_by("pk")
    }
    if len(locked) != 2:
        raise ValidationError(_("One of the two contacts no longer exists."))
    survivor, merged = locked[survivor.pk], locked[merged.pk]
    merged_name, merged_id = merged.display_name, merged.pk
    moved = merge_counts(tenant=tenant, contact=merged)
    scope = MergeScope(tenant=tenant, actor=actor, survivor=survivor, merged=merged)
    context = {"survivor": survivor.pk, "merged": merged_id, "merged_name": merged_name}
    with pghistory.context(contact_merge=context):
        for model, model_field, rule in merge_plan():
            if rule is not None:
                rule.merge(scope)
            else:
                _rows(model, tenant, **{model_field.name: merged}).update(
                    **{model_field.name: survivor}
                )
        left = [
            f"{model._meta.label}.{model_field.name}"
            for model, model_field in contact_foreign_keys()
            if _rows(model, tenant, **{model_field.name: merged}).exists()
        ]
        if left:  # a merge rule that left rows behind: the cascade would delete them
            raise RuntimeError(f"Merging left rows on the merged contact: {', '.join(left)}")
        _survivor_details(survivor, merged)
        merged.delete()
        timeline_record(
            tenant=tenant,
            kind="contact.merged",
            # The moved rows' labels read as written (the detail keeps them by name).
            summary=gettext_noop("Merged with %(name)s (contact #%(id)s): %(moved)s"),
            params={
                "name": merged_name,
                "id": merged_id,
                "moved": ", ".join(f"{count} {label}" for label, count in moved.items())
                or stored_message(gettext_noop("nothing else to move")),
            },
            actor=actor,
            contact=survivor,
            detail={"merged": merged_id, "merged_name": merged_name, "moved": moved},
        )
    publish(ContactChanged(tenant=tenant, contact=survivor, actor=actor))
    return MergeReport(survivor, merged_id, merged_name, moved)


def _survivor_details(survivor: Contact, merged: Contact) -> None:
    """The survivor keeps its own name and preferences, and takes what only the merged contact
    had (a company, a brand, VIP). Someone looked at both: the pair no longer needs review."""
    if not survivor.company_name and merged.company_name:
        survivor.company_name = merged.company_name
    if survivor.brand_id is None and merged.brand_id is not None:
        survivor.brand_id = merged.brand_id
    survivor.is_vip = survivor.is_vip or merged.is_vip
    survivor.needs_review = False
    survivor.save()


def one_per_contact_pair(rows: QuerySet, scope: MergeScope):
    """For a model with one row per contact: (the survivor's row, the merged contact's row) to
    combine, or None when there is nothing to combine (the merged contact had none; or the
    survivor had none, and the merged contact's row has moved to it)."""
    theirs = rows.filter(contact=scope.merged).first()
    if theirs is None:
        return None
    own = rows.filter(contact=scope.survivor).first()
    if own is None:
        theirs.contact = scope.survivor
        theirs.save(update_fields=["contact"])
        return None
    return own, theirs


# --- The core's merge rules (registered in crm/personal_data.py) -----------------------------------


def _merge_addresses(scope: MergeScope, model, key) -> None:
    """Addresses the survivor lacks move over as they are (verified or not); one both have
    stays the survivor's, verified if either copy was, and the merged copy goes."""
    own = {key(address): address for address in _rows(model, scope.tenant, contact=scope.survivor)}
    survivor_has_primary = any(address.is_primary for address in own.values())
    for address in _rows(model, scope.tenant, contact=scope.merged).order_by("-is_primary", "id"):
        twin = own.get(key(address))
        if twin is None:
            address.contact = scope.survivor
            address.is_primary = address.is_primary and not survivor_has_primary
            survivor_has_primary = survivor_has_primary or address.is_primary
            address.save(update_fields=["contact", "is_primary"])
            own[key(address)] = address
            continue
        if address.is_verified and not twin.is_verified:
            twin.verified_at = address.verified_at
            twin.verified_how = address.verified_how
            twin.verified_by = address.verified_by
            twin.save(update_fields=["verified_at", "verified_how", "verified_by"])
        address.delete()


def contact_emails_merge(scope: MergeScope) -> None:
    _merge_addresses(scope, ContactEmail, lambda address: address.email.lower())


def contact_phones_merge(scope: MergeScope) -> None:
    _merge_addresses(scope, ContactPhone, lambda address: str(address.number))


# A merge never widens consent: of two records for a channel, the stricter one stays.
CONSENT_STRICTNESS = {
    ConsentStatus.GRANTED: 0,
    ConsentStatus.NO_MARKETING: 1,
    ConsentStatus.WITHDRAWN: 2,
}


def contact_consents_merge(scope: MergeScope) -> None:
    """The merged contact's consent for a channel the survivor has none for moves over; for a
    channel both have, the stricter status stays (a STOP of either stops both), with its source
    and time. The audit trail keeps the merged contact's record as it was."""
    own = {
        consent.channel: consent
        for consent in _rows(ContactConsent, scope.tenant, contact=scope.survivor)
    }
    for consent in _rows(ContactConsent, scope.tenant, contact=scope.merged):
        twin = own.get(consent.channel)
        if twin is None:
            consent.contact = scope.survivor
            consent.save(update_fields=["contact"])
            continue
        if CONSENT_STRICTNESS[consent.status] > CONSENT_STRICTNESS[twin.status]:
            twin.status = consent.status
            twin.source = consent.source
            twin.recorded_at = consent.recorded_at
            twin.save(update_fields=["status", "source", "recorded_at"])
        consent.delete()


def property_links_merge(scope: MergeScope) -> None:
    """Properties of the merged contact become the survivor's; one they share keeps the
    survivor's link."""
    shared = _rows(PropertyContact, scope.tenant, contact=scope.survivor).values("property_id")
    merged_links = _rows(PropertyContact, scope.tenant, contact=scope.merged)
    merged_links.filter(property_id__in=shared).delete()
    merged_links.update(contact=scope.survivor)


def erasure_requests_merge(scope: MergeScope) -> None:
    """The requests move over; of two open ones, the older stays open and the newer is declined
    as a duplicate (one open request per contact)."""
    requests = _rows(ErasureRequest, scope.tenant, contact__in=(scope.survivor, scope.merged))
    open_ones = list(requests.filter(status=ErasureStatus.OPEN).order_by("requested_at", "id"))
    for duplicate in open_ones[1:]:
        duplicate.status = ErasureStatus.DECLINED
        duplicate.handled_at = timezone.now()
        duplicate.handled_by = scope.actor
        duplicate.note = _("Duplicate: the contact was merged, the older request stays open.")
        duplicate.save(update_fields=["status", "handled_at", "handled_by", "note"])
    _rows(ErasureRequest, scope.tenant, contact=scope.merged).update(contact=scope.survivor)
