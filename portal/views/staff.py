from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.kit.links import contact_page
from crm.permissions import tenant_member_required
from crm.selectors.contacts import contact_get
from leads.selectors.brands import contact_job_get
from portal.services.sign_in import portal_invite


@tenant_member_required
@require_POST
def contact_invite(request, contact_pk: int):
    """The contact page's "Invite to portal": a link into the portal by email (else SMS)."""
    contact = contact_get(tenant=request.tenant, contact_id=contact_pk)
    # The job the invitation is about (its brand sends it); without one, their latest job's.
    lead = contact_job_get(tenant=request.tenant, contact=contact, lead_id=request.POST.get("lead"))
    try:
        address = portal_invite(
            tenant=request.tenant, actor=request.user, contact=contact, lead=lead
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request, _("Portal invitation sent to %(address)s.") % {"address": address.display}
        )
    return redirect(contact_page(contact.pk))
