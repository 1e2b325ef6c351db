"""The comms panel of a contact's page (/contacts/<id>/comms/), loaded by htmx after the page so
the contact page's own queries stay as they are: consent per channel, the contact's time zone and
update rhythm, a bounced address, and the latest messages. Writes go through
messaging.services.contact_comms."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.kit.links import contact_page
from crm.models import ConsentStatus, Contact
from crm.permissions import tenant_member_required
from messaging.forms.contact_comms import ContactCommsProfileForm, StaffConsentForm
from messaging.models import UpdateFrequency
from messaging.selectors import contacts as selectors
from messaging.services import contact_comms

PANEL = "comms/contacts/_panel.html"
PAGE = "comms/contacts/panel_page.html"


def _render_panel(request, contact: Contact, *, done: str = "", error: str = ""):
    panel = selectors.contact_comms_panel(tenant=request.tenant, contact=contact)
    profile = panel.profile
    context = {
        "panel": panel,
        "contact": contact,
        "can_change": selectors.may_change_contact_comms(
            tenant=request.tenant, membership=request.membership, contact=contact
        ),
        "is_admin": request.membership.is_admin,
        "profile_form": ContactCommsProfileForm(
            tenant=request.tenant,
            initial={
                "time_zone": profile.time_zone if profile else "",
                "update_frequency": (
                    profile.update_frequency if profile else UpdateFrequency.DEFAULT
                ),
            },
        ),
        "note_max": contact_comms.CONSENT_NOTE_MAX,
        "done": done,
        "error": error,
    }
    return render(request, PANEL if request.htmx else PAGE, context)


def _answer(request, contact: Contact, *, done: str, error: str):
    """htmx: the panel again with the outcome in it; a plain form post: back to the contact."""
    if request.htmx:
        response = _render_panel(request, contact, done="" if error else done, error=error)
        if not error:
            response["HX-Trigger"] = "contact-timeline-changed"  # the change is on the timeline
        return response
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect(contact_page(contact.pk))


def _first_error(form) -> str:
    return next(iter(form.errors.values()))[0]


def _ensure_may_change(request, contact: Contact) -> None:
    if not selectors.may_change_contact_comms(
        tenant=request.tenant, membership=request.membership, contact=contact
    ):
        raise PermissionDenied(
            "Only managers, admins and the rep working this contact's open lead can change this."
        )


@tenant_member_required
@require_GET
def contact_panel(request, contact_pk: int):
    contact = selectors.contact_get(tenant=request.tenant, contact_id=contact_pk)
    return _render_panel(request, contact)


@tenant_member_required
@require_POST
def contact_consent(request, contact_pk: int):
    contact = selectors.contact_get(tenant=request.tenant, contact_id=contact_pk)
    form = StaffConsentForm(request.POST)
    if not form.is_valid():
        return _answer(request, contact, done="", error=_first_error(form))
    data = form.cleaned_data
    # Anyone the customer tells "stop" may write it down; saying they agreed needs the right.
    if data["status"] == ConsentStatus.GRANTED:
        _ensure_may_change(request, contact)
    try:
        consent = contact_comms.contact_consent_record_by_staff(
            tenant=request.tenant, actor=request.user, contact=contact, **data
        )
    except ValidationError as error:
        return _answer(request, contact, done="", error=" ".join(error.messages))
    done = _("%(channel)s consent recorded as “%(status)s”.") % {
        "channel": _(consent.get_channel_display()),
        "status": consent.get_status_display().lower(),
    }
    return _answer(request, contact, done=done, error="")


@tenant_member_required
@require_POST
def contact_profile(request, contact_pk: int):
    contact = selectors.contact_get(tenant=request.tenant, contact_id=contact_pk)
    _ensure_may_change(request, contact)
    form = ContactCommsProfileForm(request.POST, tenant=request.tenant)
    if not form.is_valid():
        return _answer(request, contact, done="", error=_first_error(form))
    try:
        contact_comms.contact_comms_profile_update(
            tenant=request.tenant, actor=request.user, contact=contact, **form.cleaned_data
        )
    except ValidationError as error:
        return _answer(request, contact, done="", error=" ".join(error.messages))
    return _answer(request, contact, done=_("Messaging preferences saved."), error="")


@tenant_member_required
@require_POST
def contact_bounce_clear(request, contact_pk: int):
    contact = selectors.contact_get(tenant=request.tenant, contact_id=contact_pk)
    _ensure_may_change(request, contact)
    try:
        contact_comms.contact_bounce_clear(
            tenant=request.tenant, actor=request.user, contact=contact
        )
    except ValidationError as error:
        return _answer(request, contact, done="", error=" ".join(error.messages))
    return _answer(
        request, contact, done=_("Bounce cleared: email may go to the address again."), error=""
    )
