"""crm's own actions on a contact: add one, confirm or reject an address it arrived with.

The contact list and the contact page show other apps' panels too: shell.views.contacts.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.forms import ContactEditForm, ContactEmailFormSet, ContactForm, ContactPhoneFormSet
from crm.kit.access import manager_required
from crm.kit.links import contact_page
from crm.permissions import MANAGERS, tenant_member_required
from crm.selectors import contacts as contact_selectors
from crm.selectors.contacts import contact_get
from crm.services import contacts as contact_services
from crm.services.contacts import (
    AddressEdit,
    address_text,
    contact_address_confirm,
    contact_address_reject,
    contact_update,
)
from crm.services.merge import contact_merge


@tenant_member_required
@require_http_methods(["GET", "POST"])
def contact_create(request):
    form = ContactForm(request.POST or None, tenant=request.tenant)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        contact = contact_services.contact_create(
            tenant=request.tenant,
            actor=request.user,
            first_name=data["first_name"],
            last_name=data["last_name"],
            company_name=data["company_name"],
            emails=[data["email"]] if data["email"] else [],
            phones=[data["phone"]] if data["phone"] else [],
            preferred_channel=data["preferred_channel"],
            language=data["language"],
            brand=data["brand"],
        )
        messages.success(
            request, _("%(display_name)s added.") % {"display_name": contact.display_name}
        )
        return redirect(contact_page(contact.pk))
    return render(request, "crm/contacts/form.html", {"form": form})


@tenant_member_required
@require_http_methods(["GET", "POST"])
def contact_edit(request, contact_pk: int):
    """Change a contact's name, preferences, emails and phones (crm.services.contacts.contact_update)."""
    contact = contact_get(tenant=request.tenant, contact_id=contact_pk)
    data = request.POST if request.method == "POST" else None
    emails = list(contact.emails.all())
    phones = list(contact.phones.all())
    form = ContactEditForm(
        data,
        initial={
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "company_name": contact.company_name,
            "preferred_channel": contact.preferred_channel,
            "language": contact.language,
        },
    )
    email_rows = ContactEmailFormSet(
        data,
        prefix="emails",
        initial=[{"address_id": e.pk, "email": e.email} for e in emails],
    )
    phone_rows = ContactPhoneFormSet(
        data,
        prefix="phones",
        initial=[{"address_id": p.pk, "number": p.number, "kind": p.kind} for p in phones],
        form_kwargs={"region": request.tenant.country},
    )
    if data is not None and form.is_valid() and email_rows.is_valid() and phone_rows.is_valid():
        details = {name: form.cleaned_data[name] for name in contact_services.CONTACT_DETAILS}
        try:
            changes = contact_update(
                tenant=request.tenant,
                actor=request.user,
                contact=contact,
                emails=_address_edits(email_rows, "email", form.cleaned_data["primary_email"]),
                phones=_address_edits(phone_rows, "number", form.cleaned_data["primary_phone"]),
                **details,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if changes:
                messages.success(request, _("%(name)s updated.") % {"name": contact.display_name})
            _tell_about_twins(request, contact)
            return redirect(contact_page(contact.pk))
    primary: dict[str, int | None] = {
        "email": next((i for i, e in enumerate(emails) if e.is_primary), 0),
        "phone": next((i for i, p in enumerate(phones) if p.is_primary), 0),
    }
    if data is not None:
        primary = {
            "email": _row_index(data.get("primary_email")),
            "phone": _row_index(data.get("primary_phone")),
        }
    context = {
        "contact": contact,
        "form": form,
        "email_rows": email_rows,
        "phone_rows": phone_rows,
        "primary": primary,
        "email_pairs": _pairs(email_rows, emails),
        "phone_pairs": _pairs(phone_rows, phones),
    }
    return render(request, "crm/contacts/edit.html", context)


def _tell_about_twins(request, contact) -> None:
    """Another contact with one of these addresses is probably the same person: say so, with
    the way to merge them for those who may."""
    twins = [
        twin
        for twin in contact_selectors.contacts_with_addresses(
            tenant=request.tenant,
            emails=contact.emails.values_list("email", flat=True),
            phones=contact.phones.values_list("number", flat=True),
        )
        if twin.pk != contact.pk
    ]
    if not twins:
        return
    names = ", ".join(twin.display_name for twin in twins[:3])
    if request.membership.role in MANAGERS:
        messages.info(
            request,
            _("%(names)s has an address of this contact too: if it is the same person, use Merge.")
            % {"names": names},
        )
    else:
        messages.info(
            request,
            _("%(names)s has an address of this contact too: a manager can merge them.")
            % {"names": names},
        )


def _pairs(rows, addresses) -> list[tuple]:
    """Each row of a formset with the address it shows (None for a new one)."""
    by_id = {address.pk: address for address in addresses}
    return [
        (index, row, by_id.get(_row_index(row["address_id"].value())))
        for index, row in enumerate(rows.forms)
    ]


def _row_index(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


def _address_edits(rows, field: str, primary: str) -> list[AddressEdit]:
    edits = []
    for index, row in enumerate(rows.forms):
        data = row.cleaned_data
        if not data:
            continue
        edits.append(
            AddressEdit(
                address_id=data.get("address_id"),
                value=data.get(field) or "",
                is_primary=str(index) == primary,
                kind=data.get("kind", ""),
                remove=bool(data.get("DELETE")),
            )
        )
    return edits


def _address_review(request, contact_pk: int, kind: str, address_pk: int, service, done):
    contact = contact_get(tenant=request.tenant, contact_id=contact_pk)
    try:
        address = service(
            tenant=request.tenant,
            actor=request.user,
            contact=contact,
            kind=kind,
            address_id=address_pk,
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, done % {"address": address_text(address)})
    return redirect(contact_page(contact.pk))


CONFIRMED = _("%(address)s confirmed: it can now sign in to the customer portal.")
REJECTED = _("%(address)s rejected and removed from this contact.")


@tenant_member_required
@require_POST
def contact_email_confirm(request, contact_pk: int, contact_email_pk: int):
    """An unverified email is the contact's own: from now on it signs in to the portal."""
    confirm = contact_address_confirm
    return _address_review(request, contact_pk, "email", contact_email_pk, confirm, CONFIRMED)


@tenant_member_required
@require_POST
def contact_email_reject(request, contact_pk: int, contact_email_pk: int):
    """An unverified email is not the contact's: it is taken off the contact."""
    reject = contact_address_reject
    return _address_review(request, contact_pk, "email", contact_email_pk, reject, REJECTED)


@tenant_member_required
@require_POST
def contact_phone_confirm(request, contact_pk: int, contact_phone_pk: int):
    confirm = contact_address_confirm
    return _address_review(request, contact_pk, "phone", contact_phone_pk, confirm, CONFIRMED)


@tenant_member_required
@require_POST
def contact_phone_reject(request, contact_pk: int, contact_phone_pk: int):
    reject = contact_address_reject
    return _address_review(request, contact_pk, "phone", contact_phone_pk, reject, REJECTED)


@manager_required
@require_GET
def contact_merge_choose(request, contact_pk: int):
    """Which contact is the same person as this one: the likely duplicates (a shared address,
    the same name), or any contact found by name or email."""
    contact = contact_get(tenant=request.tenant, contact_id=contact_pk)
    query = request.GET.get("q", "").strip()
    found = []
    if query:
        page = contact_selectors.contact_list(tenant=request.tenant, search=query)
        found = [other for other in page.items if other.pk != contact.pk]
    context = {
        "contact": contact,
        "query": query,
        "found": found,
        "candidates": contact_selectors.duplicate_candidates(
            tenant=request.tenant, contact=contact
        ),
    }
    return render(request, "crm/contacts/merge_choose.html", context)


@manager_required
@require_http_methods(["GET", "POST"])
def contact_merge_confirm(request, contact_pk: int, other_pk: int):
    """Both contacts side by side; the manager picks the one to keep and merges the other in."""
    contact = contact_get(tenant=request.tenant, contact_id=contact_pk)
    other = contact_get(tenant=request.tenant, contact_id=other_pk)
    pair = {contact.pk: contact, other.pk: other}
    if request.method == "POST":
        keep = request.POST.get("keep", "")
        survivor = pair.get(int(keep)) if keep.isdigit() else None
        if survivor is None:
            messages.error(request, _("Choose the contact to keep."))
        else:
            merged = other if survivor is contact else contact
            try:
                report = contact_merge(
                    tenant=request.tenant,
                    actor=request.user,
                    role=request.membership.role,
                    survivor=survivor,
                    merged=merged,
                )
            except ValidationError as error:
                messages.error(request, error.messages[0])
            else:
                messages.success(
                    request,
                    _("%(merged)s merged into %(survivor)s.")
                    % {"merged": report.merged_name, "survivor": survivor.display_name},
                )
                return redirect(contact_page(survivor.pk))
    sides = [
        {
            "contact": shown,
            "counts": contact_selectors.merge_counts(tenant=request.tenant, contact=shown),
        }
        for shown in (contact, other)
    ]
    # The older contact is offered as the one to keep: it usually has the history.
    keep = min((contact, other), key=lambda shown: (shown.created_at, shown.pk))
    return render(
        request,
        "crm/contacts/merge_confirm.html",
        {"contact": contact, "other": other, "sides": sides, "keep": keep},
    )
