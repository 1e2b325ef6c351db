"""Erasure: a customer asks the business to forget them, and a manager or admin carries it out.

`erasure_request_create` records the ask (from the portal, or told to staff) and tells the
managers and admins. `contact_anonymise` erases the person while keeping the business's figures:

- erased: the contact's names; every email address and phone number; the address and notes of
  properties linked to nobody else (a property shared with another contact keeps its address,
  which is the other contact's too, and loses only the link); message subjects and bodies to and
  from them (outbox rows and their sandbox copies, ticket messages with their attachments, the raw
  inbound events those came from); free text written about them (quote messages and rejection
  notes, who accepted a quote, payment references, lost-reason notes, follow-up subjects,
  descriptions, outcomes and notes); their documents' files; their portal access and sign-in
  challenges; the summaries and text details of their timeline events; and the audit history
  (django-pghistory event rows) of every erased row, which would otherwise keep the old values.
- kept: the leads with their pipeline, stages, stage visits, values, costs, sources, lost
  reasons, statuses and dates; quote totals, statuses and lines; payment amounts and dates;
  message channels, statuses and times; ticket numbers, statuses and SLA times; timeline event
  kinds, times and ids; consent per channel (status and time, its source now "erased"), so the
  dashboards read the same figures after as before.

Each app declares what it holds on a contact and what erasure does to it, field by field, in its
own `personal_data.py` (see crm.privacy); `contact_anonymise` runs those declarations.
"""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

import pghistory.models
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Model, Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from crm.events import ContactErased, publish
from crm.kit.links import contact_page
from crm.kit.stored_text import stored_label
from crm.models import (
    Contact,
    ContactEmail,
    ContactPhone,
    ErasureHow,
    ErasureRequest,
    ErasureStatus,
    Membership,
    NotificationLevel,
    PropertyContact,
    Tenant,
    User,
)
from crm.permissions import MANAGERS, may_erase
from crm.privacy import (
    Blank,
    ErasureScope,
    PersonalModel,
    Replace,
    Rewrite,
    empty_value,
    personal_models,
)
from crm.selectors.erasure import open_erasure_request
from crm.services.notifications import notifications_notify_roles
from crm.services.timeline import timeline_record

ERASE_ROLES = MANAGERS
NOTE_MAX = cast(int, ErasureRequest._meta.get_field("note").max_length)  # a CharField's


@transaction.atomic
def erasure_request_create(
    *, tenant: Tenant, contact: Contact, how: str = ErasureHow.PORTAL, actor: User | None = None
) -> tuple[ErasureRequest, bool]:
    """Record that the contact asked to be erased; (the request, whether it is new). Asking again
    while a request is open answers the open one."""
    if contact.tenant_id != tenant.pk:
        raise ValueError("The contact belongs to another tenant.")
    Contact.objects.select_for_update(no_key=True).filter(tenant=tenant, pk=contact.pk).first()
    existing = open_erasure_request(tenant=tenant, contact=contact)
    if existing is not None:
        return existing, False
    request = ErasureRequest.objects.create(tenant=tenant, contact=contact, how=how)
    timeline_record(
        tenant=tenant,
        kind="contact.erasure_requested",
        summary=gettext_noop("Erasure of their data requested (%(how)s)"),
        params={"how": stored_label(ErasureHow(how).label, lower=True)},
        actor=actor,
        contact=contact,
        detail={"erasure_request": request.pk, "how": how},
    )
    notifications_notify_roles(
        tenant=tenant,
        roles=ERASE_ROLES,
        title=gettext_noop("A customer asked to be erased"),
        title_params={},
        body=gettext_noop("Open the contact to carry out the erasure or decline it with a reason."),
        body_params={},
        url=contact_page(contact.pk) + "#contact-erasure",
        level=NotificationLevel.WARNING,
        kind="erasure_requested",
    )
    return request, True


@transaction.atomic
def erasure_request_decline(
    *, tenant: Tenant, membership: Membership, contact: Contact, note: str
) -> ErasureRequest:
    """A manager or admin declines the open request, saying why (e.g. records the law keeps)."""
    if not may_erase(membership):
        raise PermissionError("Only managers and admins handle erasure requests.")
    note = " ".join(note.split())
    if not note:
        raise ValidationError(
            {"note": gettext("Say why the request is declined; the customer may ask.")}
        )
    if len(note) > NOTE_MAX:
        raise ValidationError(
            {"note": gettext("Keep the reason to %(max)s characters.") % {"max": NOTE_MAX}}
        )
    request = (
        ErasureRequest.objects.select_for_update()
        .filter(tenant=tenant, contact=contact, status=ErasureStatus.OPEN)
        .first()
    )
    if request is None:
        raise ValidationError(gettext("There is no open erasure request to decline."))
    request.status = ErasureStatus.DECLINED
    request.handled_by = membership.user
    request.handled_at = timezone.now()
    request.note = note
    request.save(update_fields=["status", "handled_by", "handled_at", "note"])
    timeline_record(
        tenant=tenant,
        kind="contact.erasure_declined",
        summary=gettext_noop("Erasure request declined by %(who)s: %(note)s"),
        params={"who": str(membership.user), "note": note},
        actor=membership.user,
        contact=contact,
        detail={"erasure_request": request.pk},
    )
    return request


# The figures the core counts itself; the apps' come from their declarations' `counted_as`.
CORE_FIGURES = (
    "properties_erased",
    "properties_unlinked",
    "files_deleted",
    "history_rows_deleted",
)


@dataclass(frozen=True)
class ErasureReport:
    """What an erasure did, as {figure: count}: the core's figures and every figure a
    declaration counts (crm.privacy's `counted_as`), zero when it found nothing."""

    contact_id: int
    figures: Mapping[str, int]

    def __getitem__(self, figure: str) -> int:
        return self.figures[figure]


def report_figures() -> tuple[str, ...]:
    """Every figure an ErasureReport holds, the core's first."""
    counted = dict.fromkeys(d.counted_as for d in personal_models() if d.counted_as)
    return CORE_FIGURES + tuple(name for name in counted if name not in CORE_FIGURES)


def _audited_models() -> dict[type[Model], list[type[Model]]]:
    """Each model django-pghistory tracks, with its event models."""
    audited: dict[type[Model], list[type[Model]]] = {}
    for model in apps.get_models():
        if issubclass(model, pghistory.models.Event):
            tracked: type[Model] | None = getattr(model, "pgh_tracked_model", None)
            if tracked is not None:
                audited.setdefault(tracked, []).append(model)
    return audited


def _history_delete(
    tenant: Tenant,
    rows: dict[type[Model], set[int]],
    audited: dict[type[Model], list[type[Model]]],
) -> int:
    """The audit history of the erased rows: their event rows hold the old values (an update
    event the new, erased ones; a delete event the last values). All of it goes."""
    deleted = 0
    for tracked, ids in rows.items():
        for event_model in audited[tracked]:
            if ids:
                count, _ = event_model._default_manager.filter(
                    tenant_id=tenant.pk, pgh_obj_id__in=list(ids)
                ).delete()
                deleted += count
    return deleted


def _erasure_scope(tenant: Tenant, contact: Contact) -> ErasureScope:
    """What the apps' declarations need to know before any row of the contact's changes."""
    emails = ContactEmail.objects.filter(tenant=tenant, contact=contact)
    phones = ContactPhone.objects.filter(tenant=tenant, contact=contact)
    links = list(
        PropertyContact.objects.filter(tenant=tenant, contact=contact).annotate(
            others=Count("property__links", filter=~Q(property__links__contact=contact))
        )
    )
    return ErasureScope(
        tenant=tenant,
        contact=contact,
        addresses=tuple(email.email for email in emails)
        + tuple(str(phone.number) for phone in phones),
        own_property_ids=frozenset(link.property_id for link in links if link.others == 0),
        shared_link_ids=frozenset(link.pk for link in links if link.others > 0),
    )


def _new_values(declared: PersonalModel) -> dict:
    model = declared.model_class
    return {
        name: empty_value(model._meta.get_field(name)) if isinstance(rule, Blank) else rule.value
        for name, rule in declared.fields.items()
        if isinstance(rule, (Blank, Replace))
    }


def _erase_rows(
    declared: PersonalModel,
    scope: ErasureScope,
    history: dict[type[Model], set[int]],
    figures: Counter,
) -> None:
    """Carry out one declaration: note the rows' ids for their audit history, then delete the
    rows (their files first) or overwrite their erased fields."""
    model = declared.model_class
    rows = declared.rows_of(scope)
    if model in history:
        history[model] |= set(rows.values_list("pk", flat=True))
    if declared.delete:
        if declared.files:
            for row in rows:
                for name in declared.files:
                    getattr(row, name).delete(save=False)
                    figures["files_deleted"] += 1
        _, deleted = rows.delete()
        figures[declared.counted_as] += deleted.get(model._meta.label, 0)
        return
    values = _new_values(declared)
    rewrites = {
        name: rule.function for name, rule in declared.fields.items() if isinstance(rule, Rewrite)
    }
    if rewrites:
        for row in rows.only("pk", *rewrites).iterator(chunk_size=500):
            rewritten = {name: rewrite(getattr(row, name)) for name, rewrite in rewrites.items()}
            model._default_manager.filter(tenant=scope.tenant, pk=row.pk).update(
                **values, **rewritten
            )
            figures[declared.counted_as] += 1
    elif values:
        figures[declared.counted_as] += rows.update(**values)


def _erase_contact(declared: PersonalModel, contact: Contact) -> None:
    """The contact row itself is saved, as any edit of it is."""
    values = _new_values(declared)
    for name, value in values.items():
        setattr(contact, name, value)
    contact.save(update_fields=list(values))


@transaction.atomic
def contact_anonymise(
    *, tenant: Tenant, membership: Membership, contact: Contact, note: str = ""
) -> ErasureReport:
    """Erase the contact's personal data: every app's declarations (crm.privacy), in their order
    (see the module's docstring for what stays)."""
    if not may_erase(membership):
        raise PermissionError("Only managers and admins erase contacts.")
    if contact.tenant_id != tenant.pk:
        raise ValueError("The contact belongs to another tenant.")
    contact = Contact.objects.select_for_update().get(tenant=tenant, pk=contact.pk)
    now = timezone.now()
    scope = _erasure_scope(tenant, contact)
    audited = _audited_models()
    declarations = [declared for declared in personal_models() if not declared.deleted_with]
    history: dict[type[Model], set[int]] = {
        declared.model_class: set() for declared in declarations if declared.model_class in audited
    }
    figures: Counter = Counter()
    for declared in declarations:
        if declared.contact_path:
            _erase_rows(declared, scope, history, figures)
        else:
            history[Contact] = {contact.pk}
            _erase_contact(declared, contact)

    history_deleted = _history_delete(tenant, history, audited)

    request = (
        ErasureRequest.objects.select_for_update()
        .filter(tenant=tenant, contact=contact, status=ErasureStatus.OPEN)
        .first()
    ) or ErasureRequest(tenant=tenant, contact=contact, how=ErasureHow.STAFF, requested_at=now)
    request.status = ErasureStatus.DONE
    request.handled_by = membership.user
    request.handled_at = now
    request.note = " ".join(note.split())[:NOTE_MAX]
    request.save()
    publish(ContactErased(tenant=tenant, contact=contact))
    timeline_record(
        tenant=tenant,
        kind="contact.erased",
        summary=gettext_noop("Contact erased by %(who)s"),
        params={"who": str(membership.user)},
        actor=membership.user,
        contact=contact,
        detail={"erasure_request": request.pk},
    )
    figures["properties_erased"] = len(scope.own_property_ids)
    figures["properties_unlinked"] = len(scope.shared_link_ids)
    figures["history_rows_deleted"] = history_deleted
    return ErasureReport(
        contact_id=contact.pk, figures={name: figures[name] for name in report_figures()}
    )
