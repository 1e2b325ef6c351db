"""Lead intake for lead sources (Google Local Services, Angi, a website builder): a person's
details become a lead, through the web form's own intake (leads.services.capture.lead_intake).

Like the web form's, the email and phone a lead source sends are unverified: a match with a
known contact never lets the sender into that contact's portal."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from api.endpoints.contacts import parsed_phones, valid_emails
from api.lookups import named_in_body
from api.schemas import WRITE_ERRORS, Body, BodyInt
from crm.models import AddressSource, Language
from leads.selectors.configuration import lead_source_get, pipeline_get, pipelines_for_tenant
from leads.services.capture import lead_intake

router = Router()


class AddressIn(Body):
    address_line1: str = Field(min_length=1, max_length=200)
    city: str = Field("", max_length=100)
    state: str = Field("", max_length=64)
    postal_code: str = Field("", max_length=20)


class IntakeIn(Body):
    name: str = Field(min_length=1, max_length=200)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=32, description="E.164 (+13055550100) or national.")
    message: str = Field("", max_length=5000)
    address: AddressIn | None = None
    pipeline_id: BodyInt | None = Field(None, description="Empty: the team's first pipeline.")
    source_id: BodyInt | None = Field(
        None, description="The lead source (Settings → Lead sources): its cost and name."
    )
    language: Language | None = Field(
        None,
        description="What a new contact speaks, as a contact's language. Omitted: the default brand's "
        "language, else the team's. A known contact keeps theirs.",
    )


class IntakeOut(Schema):
    lead_id: int
    reference: str
    contact_id: int


@router.post("leads", response={201: IntakeOut, **WRITE_ERRORS}, summary="Send in a lead")
def intake_lead(request, payload: IntakeIn):
    """A lead for the person the email or phone matches, or a new contact; the addresses arrive
    unverified. Send an Idempotency-Key (e.g. the source's own lead id) so a retry makes one
    lead."""
    tenant = request.tenant
    if not payload.email and not payload.phone:
        raise ValidationError({"email": [_("Give an email address or a phone number.")]})
    emails = valid_emails([payload.email] if payload.email else [], field="email")
    phones = parsed_phones(
        [payload.phone] if payload.phone else [], region=tenant.country, field="phone"
    )
    pipeline_id, source_id = payload.pipeline_id, payload.source_id
    if pipeline_id:
        pipeline = named_in_body(
            lambda: pipeline_get(tenant=tenant, pipeline_id=pipeline_id), "pipeline_id"
        )
    else:
        first_pipeline = pipelines_for_tenant(tenant=tenant).first()
        if first_pipeline is None:
            raise ValidationError({"pipeline_id": [_("The team has no pipeline yet.")]})
        pipeline = first_pipeline
    source = (
        named_in_body(lambda: lead_source_get(tenant=tenant, source_id=source_id), "source_id")
        if source_id
        else None
    )
    lead = lead_intake(
        tenant=tenant,
        pipeline=pipeline,
        source=source,
        brand=None,
        name=payload.name,
        email=emails[0] if emails else "",
        phone=phones[0] if phones else None,
        message=payload.message,
        address=payload.address.dict() if payload.address else None,
        address_source=AddressSource.API,
        source_label=f"API: {source.name}" if source else "API",
        language=payload.language or "",
    )
    return Status(
        201, {"lead_id": lead.pk, "reference": lead.reference, "contact_id": lead.contact_id}
    )
