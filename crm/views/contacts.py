"""crm's own actions on a contact: add one, confirm or reject an address it arrived with.

The contact list and the contact page show other apps' panels too: shell.views.contacts.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from crm.forms import ContactForm
from crm.permissions import tenant_member_required
from crm.selectors.contacts import contact_get
from crm.services import contacts as contact_services
from crm.services.contacts import address_text, contact_address_confirm, contact_address_reject


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
        messages.success(request, f"{contact.display_name} added.")
        return redirect("contacts:detail", contact_pk=contact.pk)
    return render(request, "crm/contacts/form.html", {"form": form})


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
    return redirect("contacts:detail", contact_pk=contact.pk)


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
