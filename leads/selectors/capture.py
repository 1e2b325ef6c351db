"""Reads of the lead capture form: the tenant and form a public link names, and the language a
lead from outside arrives in."""

import secrets

from crm.kit.signed_tokens import signed_token_read
from crm.models import Brand, Tenant
from crm.selectors.brands import sending_brand
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


def intake_language(*, tenant: Tenant, brand: Brand | None, language: str = "") -> str:
    """What a new contact from outside speaks, and the web form's page with them: `language` (the
    form's own, or the one the API's intake was given), else that of the brand that answers the
    lead (`brand`, else the default brand), else the team's."""
    if language:
        return language
    answering = sending_brand(tenant=tenant, brand=brand)
    return (answering.language if answering else "") or tenant.language
