"""The "Getting started" checklist (/portal/welcome/, portal/selectors/onboarding.py) and, for
staff on the contact page, asking the customer for a document.

Each step of the page posts back to the page with `step`; a saved step redirects to the page
(its anchor), a refused one redraws it with the reasons and everything typed kept.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from crm.auth import client_ip
from crm.kit.links import contact_page
from crm.permissions import tenant_member_required
from crm.selectors.contacts import contact_get
from portal.auth import portal_customer_required
from portal.forms.onboarding import (
    CodeEntryForm,
    DetailsForm,
    DocumentRequestForm,
    address_forms,
    insurance_forms,
)
from portal.models import ChallengeChannel
from portal.selectors.onboarding import onboarding_progress
from portal.services import onboarding


def _saved(message: str, request, step: str):
    messages.success(request, message)
    return redirect(reverse("portal:onboarding") + f"#step-{step}")


def _send_code(request, customer, errors: dict):
    """Send a code to the address the customer chose: (the redirect, or None; throttled?)."""
    channel = request.POST.get("channel")
    if channel not in ChallengeChannel.values:
        return None, False
    try:
        address = onboarding.verification_code_send(
            customer=customer, channel=channel, client_ip=client_ip(request)
        )
    except ValidationError as refused:
        errors["verify"] = refused.messages[0]
        return None, refused.code == "throttled"
    message = _("We sent a code to %(address)s.") % {"address": address.display}
    return _saved(message, request, "verify"), False


def _check_code(request, customer, code_form):
    """Check the code the customer typed: (the redirect, or None; throttled?)."""
    try:
        proved = onboarding.verification_code_check(
            customer=customer, code=code_form.cleaned_data["code"], client_ip=client_ip(request)
        )
    except ValidationError as refused:
        code_form.add_error("code", refused.messages[0])
        return None, True
    if proved is not None:
        message = _("Thank you: %(address)s is verified.") % {"address": proved.display}
        return _saved(message, request, "verify"), False
    code_form.add_error(
        "code",
        _("That code is not right, or it has expired. Check the message, or ask for a new code."),
    )
    return None, False


def _save_details(request, customer, details):
    """Save the customer's contact details: the redirect, or None with the refusal on the form."""
    data = details.cleaned_data
    try:
        onboarding.onboarding_details_save(
            customer=customer,
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            phone=data["phone"],
            preferred_channel=data["preferred_channel"],
        )
    except ValidationError as refused:
        details.add_error(None, refused)
        return None
    return _saved(_("Your contact details are saved."), request, "details")


def _save_properties(request, customer, facts, places):
    """Save the addresses typed (or that there is no property): the redirect, or None while a
    form is refused."""
    if not facts.properties and request.POST.get("none"):
        onboarding.onboarding_properties_save(customer=customer, addresses={})
        return _saved(_("Noted: no property to add."), request, "property")
    if not all(form.is_valid() for form in places):
        return None
    onboarding.onboarding_properties_save(
        customer=customer,
        addresses={form.place.pk: form.cleaned_data for form in places if form.place},
        new_address=next((form.cleaned_data for form in places if form.place is None), None),
    )
    return _saved(_("Your property details are saved."), request, "property")


def _save_insurance(request, customer, insurance):
    """Save each job's insurance answers (the forms are valid): the redirect."""
    onboarding.onboarding_insurance_save(
        customer=customer,
        answers=[
            onboarding.InsuranceAnswer(
                lead=form.job,
                is_claim=form.cleaned_data["is_claim"],
                carrier=form.cleaned_data["carrier"],
                claim_number=form.cleaned_data["claim_number"],
            )
            for form in insurance
        ],
    )
    return _saved(_("Your insurance details are saved."), request, "insurance")


@require_http_methods(["GET", "POST"])
@portal_customer_required
def onboarding_page(request):
    customer = request.portal
    progress = onboarding_progress(customer=customer)
    facts = progress.facts
    step = request.POST.get("step", "") if request.method == "POST" else ""
    post = request.POST if request.method == "POST" else None

    def bound(name: str):
        return post if step == name else None

    details = DetailsForm(bound("details"), facts=facts, region=customer.tenant.country)
    code_form = CodeEntryForm(bound("verify-check"))
    places = address_forms(facts, bound("property"))
    insurance = insurance_forms(facts, bound("insurance"))
    errors = {}
    throttled = False

    if step == "details" and details.is_valid():
        response = _save_details(request, customer, details)
        if response is not None:
            return response
    elif step == "verify-send":
        response, throttled = _send_code(request, customer, errors)
        if response is not None:
            return response
    elif step == "verify-check" and code_form.is_valid():
        response, throttled = _check_code(request, customer, code_form)
        if response is not None:
            return response
    elif step == "property":
        response = _save_properties(request, customer, facts, places)
        if response is not None:
            return response
    elif step == "insurance" and all(form.is_valid() for form in insurance):
        return _save_insurance(request, customer, insurance)

    context = {
        "progress": progress,
        "facts": facts,
        "details_form": details,
        "code_form": code_form,
        "code_pending": any(row.code_hash for row in facts.rows),
        "address_forms": places,
        "insurance_forms": insurance,
        "errors": errors,
        "failed_step": step.split("-")[0],  # verify-send and verify-check are "verify"
    }
    status = 429 if throttled else 400 if request.method == "POST" else 200
    return render(request, "portal/onboarding.html", context, status=status)


@tenant_member_required
@require_POST
def staff_document_request(request, contact_pk: int):
    """The contact page's "Ask for a document": a step of the customer's checklist."""
    contact = contact_get(tenant=request.tenant, contact_id=contact_pk)
    form = DocumentRequestForm(request.POST)
    if form.is_valid():
        document_request = onboarding.document_request_create(
            tenant=request.tenant,
            actor=request.user,
            contact=contact,
            kind=form.cleaned_data["kind"],
            note=form.cleaned_data["note"],
        )
        messages.success(
            request,
            _("Asked %(name)s for %(kind)s in their portal checklist.")
            % {
                "name": contact.display_name,
                "kind": _(document_request.get_kind_display()).lower(),
            },
        )
    else:
        for problems in form.errors.values():
            messages.error(request, " ".join(problems))
    return redirect(contact_page(contact.pk) + "#contact-portal")
