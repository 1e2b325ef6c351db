"""Reads of the lead capture form: the tenant and form a public link names."""

import secrets

from crm.kit.signed_tokens import signed_token_read
from crm.models import Tenant
from crm.tenancy import tenant_context
from leads.capture_links import CAPTURE_FORM_SALT
from leads.models import LeadCaptureForm


def capture_form_resolve(token: str) -> tuple[Tenant, LeadCaptureForm] | None:
    """The tenant and active form a public link names; None for a link we did not sign, an old
    key, or a form that was switched off."""
    link = signed_token_read(
        token,
        salt=CAPTURE_FORM_SALT,
        read=lambda payload: (int(payload["t"]), int(payload["f"]), str(payload["k"])),
    )
    if link is None:
        return None
    tenant_id, form_id, key = link
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None:
        return None
    with tenant_context(tenant):
        capture_form = (
            LeadCaptureForm.objects.filter(tenant=tenant, pk=form_id, is_active=True)
            .select_related("pipeline", "source", "brand")
            .first()
        )
    if capture_form is None or not secrets.compare_digest(capture_form.key, key):
        return None
    return tenant, capture_form
