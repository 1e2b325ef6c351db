"""The contact page's "Erasure" card (/contacts/<id>/erasure/), loaded by htmx after the page:
the contact's erasure requests, and for managers and admins "Erase this contact" (with a typed
confirmation) and "Decline the request". Writes go through crm.services.erasure."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.kit.links import contact_page
from crm.models import Contact, ErasureRequest
from crm.permissions import may_erase, tenant_member_required
from crm.services.erasure import NOTE_MAX, contact_anonymise, erasure_request_decline

PANEL = "crm/_contact_erasure_panel.html"
PAGE = "crm/contact_erasure_page.html"
CONFIRM_WORD = "ERASE"


def _contact(request, contact_pk: int) -> Contact:
    return get_object_or_404(Contact.objects.filter(tenant=request.tenant), pk=contact_pk)


def _render(request, contact: Contact, *, errors: dict | None = None, data=None):
    requests = list(
        ErasureRequest.objects.filter(tenant=request.tenant, contact=contact)
        .select_related("handled_by")
        .order_by("-requested_at", "-id")[:10]
    )
    context = {
        "contact": contact,
        "requests": requests,
        "open_request": next((r for r in requests if r.status == "open"), None),
        "may_erase": may_erase(request.membership),
        "is_erased": any(r.status == "done" for r in requests),
        "confirm_word": CONFIRM_WORD,
        "errors": errors or {},
        "data": data or {},
    }
    template = PANEL if request.htmx else PAGE
    # Errors answer 200: htmx swaps only successful responses into the card.
    return render(request, template, context)


def _ensure_may_erase(request) -> None:
    if not may_erase(request.membership):
        raise PermissionDenied("Only managers and admins handle erasure.")


@tenant_member_required
@require_GET
def contact_erasure(request, contact_pk: int):
    return _render(request, _contact(request, contact_pk))


@tenant_member_required
@require_POST
def contact_erase(request, contact_pk: int):
    _ensure_may_erase(request)
    contact = _contact(request, contact_pk)
    data = {"confirm": request.POST.get("confirm", ""), "note": request.POST.get("note", "")}
    if data["confirm"].strip().upper() != CONFIRM_WORD:
        errors = {
            "confirm": _("Type %(word)s to confirm: the erasure cannot be undone.")
            % {"word": CONFIRM_WORD}
        }
        return _render(request, contact, errors=errors, data=data)
    if len(data["note"]) > NOTE_MAX:
        errors = {"note": _("Keep the note to %(max)s characters.") % {"max": NOTE_MAX}}
        return _render(request, contact, errors=errors, data=data)
    contact_anonymise(
        tenant=request.tenant, membership=request.membership, contact=contact, note=data["note"]
    )
    messages.success(request, _("Contact erased. Their jobs' figures stay in the reports."))
    if request.htmx:
        response = _render(request, contact)
        response["HX-Refresh"] = "true"  # every card of the page showed their data
        return response
    return redirect(contact_page(contact.pk))


@tenant_member_required
@require_POST
def contact_erasure_decline(request, contact_pk: int):
    _ensure_may_erase(request)
    contact = _contact(request, contact_pk)
    data = {"decline_note": request.POST.get("note", "")}
    try:
        erasure_request_decline(
            tenant=request.tenant,
            membership=request.membership,
            contact=contact,
            note=data["decline_note"],
        )
    except ValidationError as error:
        errors = {"decline_note": " ".join(error.messages)}
        return _render(request, contact, errors=errors, data=data)
    messages.success(request, _("Erasure request declined."))
    if request.htmx:
        return _render(request, contact)
    return redirect(contact_page(contact.pk))
