"""The portal's demo customer (called by seed_demo for Florida First Roofing).

customer@demo.test owns two properties with a job on each, at different stages: a re-roof in
production (quote accepted) and a porch leak with a quote waiting for an answer. The jobs are
replayed through the lead services at past moments. It runs before the comms engine's triggers
exist, so the history sends nothing; sign in at /portal/ and the link arrives in Settings → Outbox.
Their "Getting started" checklist is two of five done; their documents are in documents/demo.py.
"""

import datetime as dt
from decimal import Decimal

import phonenumbers
from django.utils import timezone
from django.utils.translation import gettext_noop

from crm.models import Contact, ContactEmail, Membership, Property, PropertyRole, Tenant, User
from crm.services.contacts import contact_create
from crm.services.properties import property_create
from crm.services.timeline import timeline_record
from documents.models import DocumentKind
from leads.models import Lead, Pipeline, Quote, QuoteStatus, Stage
from leads.services.activity import lead_record_touch
from leads.services.leads import lead_create
from leads.services.quotes import quote_save_draft
from leads.services.stages import lead_move_to_stage
from portal.models import DocumentRequest, JobInsurance, Onboarding, PortalAccess

DEMO_CUSTOMER_EMAIL = "customer@demo.test"
DEMO_TENANT = "demo"
PIPELINE = "Residential roofing"
OWNER_EMAIL = "rep@demo.test"


def seed_portal(tenant: Tenant) -> None:
    """Adds the demo customer once; a second run finds them and does nothing."""
    if tenant.slug != DEMO_TENANT:
        return
    if ContactEmail.objects.filter(tenant=tenant, email=DEMO_CUSTOMER_EMAIL).exists():
        return
    now = timezone.now()
    owner = Membership.objects.select_related("user").get(tenant=tenant, user__email=OWNER_EMAIL)
    pipeline = Pipeline.objects.get(tenant=tenant, name=PIPELINE)
    contact = contact_create(
        tenant=tenant,
        actor=None,
        first_name="Casey",
        last_name="Morgan",
        emails=[DEMO_CUSTOMER_EMAIL],
        phones=[phonenumbers.parse("+13055550188")],
        source="demo import",
    )
    home = _property(tenant, contact, "2150 SW 16th Ave", "Miami", "33145")
    rental = _property(tenant, contact, "418 Palermo Ave", "Coral Gables", "33134")

    def ago(days: float) -> dt.datetime:
        return now - dt.timedelta(days=days)

    reroof = _replay(
        tenant, contact, home, pipeline, owner, "Full roof replacement", 24800,
        [("Contacted", ago(25.9)), ("Inspection scheduled", ago(25)), ("Quote sent", ago(20)),
         ("Won", ago(17)), ("Scheduled", ago(15)), ("In production", ago(2))],
        created=ago(26),
    )  # fmt: skip
    _quote(tenant, owner.user, reroof, sent=ago(20), accepted=ago(17))
    leak = _replay(
        tenant, contact, rental, pipeline, owner, "Leak over the porch", 3900,
        [("Contacted", ago(5.9)), ("Inspection scheduled", ago(5)), ("Quote sent", ago(1))],
        created=ago(6),
    )  # fmt: skip
    _quote(tenant, owner.user, leak, sent=ago(1), accepted=None)
    access = PortalAccess.objects.create(
        tenant=tenant,
        contact=contact,
        email=DEMO_CUSTOMER_EMAIL,
        invited_at=ago(17),
        invited_by=owner.user,
        first_signed_in_at=ago(16.9),
        last_signed_in_at=ago(1),
    )
    _onboarding(tenant, access, owner, reroof, ago)


def _onboarding(tenant: Tenant, access: PortalAccess, owner: Membership, reroof: Lead, ago) -> None:
    """Casey's "Getting started" checklist, three of five done: details and properties confirmed,
    email and mobile verified (staff typed both), insurance answered for the re-roof
    but not the porch leak, and the claim letter asked for by the rep, not uploaded yet. One
    reminder went out two weeks ago."""
    Onboarding.objects.create(
        tenant=tenant,
        access=access,
        details_confirmed_at=ago(16.8),
        properties_confirmed_at=ago(16.8),
        reminders_sent=1,
        last_reminder_at=ago(14),
    )
    JobInsurance.objects.create(
        tenant=tenant, access=access, lead=reroof, is_claim=False, updated_at=ago(16.8)
    )
    DocumentRequest.objects.create(
        tenant=tenant,
        access=access,
        kind=DocumentKind.INSURANCE,
        note="The claim acknowledgement letter from your insurer, for the porch leak",
        requested_by=owner.user,
        requested_at=ago(1),
    )


def _property(tenant: Tenant, contact: Contact, street: str, city: str, postal: str) -> Property:
    return property_create(
        tenant=tenant,
        actor=None,
        contacts=[(contact, PropertyRole.OWNER)],
        address_line1=street,
        city=city,
        state="FL",
        postal_code=postal,
    )


def _replay(
    tenant: Tenant,
    contact: Contact,
    place: Property,
    pipeline: Pipeline,
    owner: Membership,
    title: str,
    value: int,
    moves: list[tuple[str, dt.datetime]],
    *,
    created: dt.datetime,
) -> Lead:
    stages = {stage.name: stage for stage in Stage.objects.filter(tenant=tenant, pipeline=pipeline)}
    lead = lead_create(
        tenant=tenant,
        actor=None,
        contact=contact,
        place=place,
        pipeline=pipeline,
        owner=owner,
        assign_automatically=False,
        title=title,
        estimated_value=Decimal(value),
        created_via="demo",
        notify_owner=False,
        announce=False,
        now=created,
    )
    lead_record_touch(
        tenant=tenant, lead=lead, channel="phone", at=created + dt.timedelta(minutes=12)
    )
    for stage_name, at in moves:
        lead = lead_move_to_stage(
            tenant=tenant, actor=owner.user, lead=lead, stage=stages[stage_name], now=at
        )
    return lead


def _quote(
    tenant: Tenant, actor: User, lead: Lead, *, sent: dt.datetime, accepted: dt.datetime | None
) -> None:
    """The job's quote as history: sent (and accepted) at those moments, on the customer's
    timeline, without emailing it now."""
    value = lead.estimated_value
    quote = quote_save_draft(
        tenant=tenant,
        actor=actor,
        lead=lead,
        valid_until=tenant.today() + dt.timedelta(days=30),
        title=lead.title,
        message="Thank you for having us out. Here is what we propose.",
        lines=[
            ("Materials", Decimal("1"), (value * Decimal("0.55")).quantize(Decimal("1"))),
            ("Labour", Decimal("1"), (value * Decimal("0.40")).quantize(Decimal("1"))),
            ("Permit and disposal", Decimal("1"), (value * Decimal("0.05")).quantize(Decimal("1"))),
        ],
    )
    Quote.objects.filter(tenant=tenant, pk=quote.pk).update(
        status=QuoteStatus.ACCEPTED if accepted else QuoteStatus.SENT,
        sent_at=sent,
        decided_at=accepted,
        decided_by_name=lead.contact.display_name if accepted else "",
    )
    timeline_record(
        tenant=tenant,
        kind="quote.sent",
        summary=gettext_noop("Quote %(reference)s sent to %(email)s"),
        params={"reference": quote.reference, "email": DEMO_CUSTOMER_EMAIL},
        lead=lead,
        customer_visible=True,
        occurred_at=sent,
    )
    if accepted:
        timeline_record(
            tenant=tenant,
            kind="quote.accepted",
            summary=gettext_noop("Quote %(reference)s accepted by %(name)s"),
            params={"reference": quote.reference, "name": lead.contact.display_name},
            lead=lead,
            customer_visible=True,
            occurred_at=accepted,
        )
