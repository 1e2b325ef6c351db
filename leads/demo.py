"""The demo's pipelines, sources, assignment rules, lead form and leads (called by seed_demo).

Leads are replayed through the real services at past moments, so their stage visits, timelines
and aging colours look like a working week: some on time, some orange, some red, a few untouched.
"""

import dataclasses
import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

import phonenumbers
from django.utils import timezone

from crm.models import AddressSource, Contact, Membership, PropertyType, Tenant
from crm.services.contacts import contact_find_or_create
from crm.services.properties import property_create
from leads.models import (
    AmountKind,
    AssignmentRule,
    Lead,
    LeadCaptureForm,
    LeadSource,
    LeadType,
    LostReason,
    Payment,
    PaymentKind,
    PaymentMethod,
    Pipeline,
    Quote,
    QuoteStatus,
    Stage,
    TaxRate,
)
from leads.pipeline_templates import TEMPLATES, PipelineTemplate
from leads.services.activity import lead_record_touch
from leads.services.configuration import pipeline_create_from_template
from leads.services.leads import lead_create
from leads.services.priorities import lead_rescore
from leads.services.quotes import quote_save_draft
from leads.services.stages import lead_mark_lost, lead_move_to_stage

FLORIDA_SOURCES = [
    ("Web form", "0", 5),
    ("Phone call", "0", 5),
    ("Referral", "0", 10),
    ("Google Ads", "85", 0),
    ("Angi", "45", -5),
    ("Door knocking", "15", 0),
    ("Home show", "30", 0),
]
CHARGECARS_SOURCES = [("Website", "0", 5), ("Google Ads", "35", 0), ("Partner dealer", "50", 10)]

EXTRA_FLORIDA_PEOPLE = [
    ("Angela", "Price", "Hialeah", "33012"),
    ("Derek", "Holt", "Coral Springs", "33065"),
    ("Yolanda", "Reyes", "Miami", "33157"),
    ("Kevin", "Osei", "Tampa", "33611"),
    ("Priya", "Raman", "Orlando", "32835"),
    ("Frank", "Russo", "Boca Raton", "33431"),
    ("Leticia", "Moore", "Miami Gardens", "33056"),
    ("Sam", "Kowalski", "Clearwater", "33755"),
    ("Grace", "Liu", "Pembroke Pines", "33028"),
    ("Hector", "Alvarez", "Kendall", "33176"),
    ("Nora", "Fitzgerald", "St. Petersburg", "33704"),
    ("Omar", "Haddad", "Davie", "33314"),
    ("Tanya", "Brooks", "Valdosta", "31601"),
    ("Wes", "Pruitt", "Dothan", "36301"),
]
STREETS = [
    "Palm Ave",
    "Bayshore Dr",
    "Coral Way",
    "Oak St",
    "Sunset Blvd",
    "Magnolia Ln",
    "Pine Rd",
]


@dataclass(frozen=True)
class DemoLead:
    email: str  # the contact, found by email
    pipeline: str  # template key
    stage: str  # where it is now
    in_stage: dt.timedelta  # how long it has been there
    owner: str | None  # member email, or None for the managers' queue
    source: str
    value: int | None
    title: str
    touched: bool = True
    lost: str = ""


def days(n: float) -> dt.timedelta:
    return dt.timedelta(days=n)


def hours(n: float) -> dt.timedelta:
    return dt.timedelta(hours=n)


REP, REP2 = "rep@demo.test", "rep2@demo.test"
RES, COM, INS = "residential-roofing", "commercial-roofing", "insurance-claim"

FLORIDA_LEADS = [
    DemoLead("maria.gonzalez@example.com", RES, "Quote sent", days(2), REP, "Referral", 18500, "Tile roof replacement"),
    DemoLead("jwhitfield@example.net", RES, "Inspection scheduled", days(6), REP, "Google Ads", 12800, "Leak over the garage"),
    DemoLead("denise.carter@example.org", INS, "Adjuster meeting", days(4), REP, "Door knocking", 22000, "Hail damage claim"),
    DemoLead("rob.nguyen@example.com", RES, "New lead", hours(0.4), REP, "Web form", 9500, "Shingle repair", touched=False),
    DemoLead("fake:Angela", RES, "Contacted", days(1.5), REP, "Angi", 7400, "Gutter and fascia"),
    DemoLead("fake:Derek", RES, "In production", days(3), REP, "Referral", 26500, "Full re-roof"),
    DemoLead("fake:Yolanda", RES, "Scheduled", days(12), REP, "Home show", 15800, "Metal roof"),
    DemoLead("fake:Kevin", RES, "New lead", hours(5), None, "Google Ads", 8800, "Storm damage", touched=False),
    DemoLead("fake:Priya", RES, "Completed", days(1), REP, "Web form", 13200, "Flat roof section"),
    DemoLead("fake:Frank", RES, "Paid", days(1), REP, "Referral", 31000, "Tile roof, pool house"),
    DemoLead("fake:Leticia", RES, "Review requested", days(3), REP, "Phone call", 6900, "Roof repair"),
    DemoLead("fake:Sam", RES, "Quote sent", days(9), REP, "Angi", 11400, "Skylight and flashing", lost=LostReason.PRICE),
    DemoLead("fake:Grace", RES, "Inspection scheduled", days(1), REP, "Web form", 10100, "Roof inspection"),
    DemoLead("fake:Hector", INS, "Claim filed", days(12), REP, "Door knocking", 19700, "Wind damage claim"),
    DemoLead("fake:Nora", RES, "Contacted", days(4), REP2, "Google Ads", 9900, "Re-roof estimate", lost=LostReason.TOO_FAR_OUT),
    DemoLead("fake:Omar", RES, "Won", days(1), REP, "Referral", 17300, "Shingle re-roof"),
    DemoLead("fake:Tanya", RES, "Contacted", days(2), REP, "Angi", 8200, "Roof repair (GA)", lost=LostReason.OUT_OF_AREA),
    DemoLead("fake:Wes", RES, "New lead", hours(20), None, "Angi", 5400, "Solar panel install", touched=False, lost=LostReason.NOT_OUR_WORK),
]  # fmt: skip

COMMERCIAL_LEADS = [
    ("Coastal Property Group", COM, "Bid sent", days(8), REP2, "Referral", 145000, "Office park re-roof"),
    ("Bayfront Storage LLC", COM, "Site survey scheduled", days(2), REP2, "Google Ads", 68000, "Warehouse TPO"),
    ("Harbor Point HOA", COM, "Negotiation", days(18), REP2, "Phone call", 240000, "12 townhouse buildings"),
    ("Sunrise Medical Plaza", COM, "Permits", days(6), REP2, "Referral", 98000, "Clinic roof coating"),
    ("Gulfside Logistics", COM, "New lead", hours(3), REP2, "Web form", 52000, "Dock canopy", False),
]  # fmt: skip

CHARGECARS_LEADS = [
    DemoLead("sanne.devries@example.nl", "ev-charger-install", "Quote sent", days(2), "rep@chargecars.test", "Website", 1450, "Thuislader 11 kW"),
    DemoLead("daan.jansen@example.nl", "ev-charger-install", "Installation planned", days(4), "rep@chargecars.test", "Google Ads", 1890, "Laadpaal met zonnepanelen"),
    DemoLead("emma.bakker@example.nl", "ev-charger-install", "New lead", hours(2), None, "Partner dealer", 1290, "Laadpaal oprit", touched=False),
    DemoLead("lucas@visserlogistiek.example", "ev-charger-install", "Photos requested", days(6), "rep@chargecars.test", "Partner dealer", 24800, "12 laadpunten depot"),
    DemoLead("julia.smit@example.nl", "ev-charger-install", "Paid", days(2), "rep@chargecars.test", "Website", 1390, "Thuislader"),
]  # fmt: skip


def seed_leads(tenant: Tenant) -> None:
    """Everything the lead pages need in a demo tenant; adds only what is missing."""
    if Pipeline.objects.filter(tenant=tenant).exists():
        return
    _seed_tax_rates(tenant)
    if tenant.slug == "demo":
        _seed_florida(tenant)
    elif tenant.slug == "chargecars":
        _seed_chargecars(tenant)


# The taxes each demo business charges: Florida's sales tax, the Dutch BTW (21 %, 9 %).
DEMO_TAX_RATES = {
    "demo": [("Sales tax", "7", True)],
    "chargecars": [("BTW 21 %", "21", True), ("BTW 9 %", "9", False)],
}


def _seed_tax_rates(tenant: Tenant) -> None:
    for name, percent, is_default in DEMO_TAX_RATES.get(tenant.slug, []):
        TaxRate.objects.create(
            tenant=tenant, name=name, percent=Decimal(percent), is_default=is_default
        )


def _sources(tenant, rows) -> dict[str, LeadSource]:
    return {
        name: LeadSource.objects.create(
            tenant=tenant, name=name, default_cost=Decimal(cost), priority_points=points
        )
        for name, cost, points in rows
    }


def _members(tenant) -> dict[str, Membership]:
    return {
        m.user.email: m for m in Membership.objects.filter(tenant=tenant).select_related("user")
    }


def _seed_florida(tenant: Tenant) -> None:
    admin = Membership.objects.filter(tenant=tenant, role="admin").select_related("user").first()
    pipelines = {
        key: pipeline_create_from_template(tenant=tenant, actor=admin.user, template=TEMPLATES[key])
        for key in (RES, COM, INS)
    }
    sources = _sources(tenant, FLORIDA_SOURCES)
    members = _members(tenant)
    residential = AssignmentRule.objects.create(
        tenant=tenant, name="Residential jobs go to residential reps", position=0,
        lead_type=LeadType.RESIDENTIAL, require_availability=False,
    )  # fmt: skip
    residential.members.set([members[REP]])
    commercial = AssignmentRule.objects.create(
        tenant=tenant, name="Commercial jobs go to the commercial team", position=1,
        lead_type=LeadType.COMMERCIAL, require_availability=False,
    )  # fmt: skip
    commercial.members.set([members[REP2]])
    LeadCaptureForm.objects.create(
        tenant=tenant,
        name="Website: free estimate",
        pipeline=pipelines[RES],
        source=sources["Web form"],
        heading="Get your free roof estimate",
        thank_you_message="Thank you! A roofing advisor will call you within the hour.",
    )

    rng = random.Random(1042)  # noqa: S311  (the same demo every time; nothing secret)
    # A lead without an owner went through the rules when it came in, as a new one does today:
    # Kevin's Tampa roof waits in the managers' queue because nobody covers Tampa's homes, and
    # the lead page says so. (The rules check no working hours: the same outcome at any hour.)
    for spec in FLORIDA_LEADS:
        contact = _contact_for(tenant, spec.email, rng)
        _replay(tenant, spec, contact, pipelines[spec.pipeline], sources, members, rng, route=True)
    for company, key, stage, in_stage, owner, source, value, title, *rest in COMMERCIAL_LEADS:
        contact = _company_contact(tenant, company, rng)
        spec = DemoLead("", key, stage, in_stage, owner, source, value, title, *rest)
        _replay(tenant, spec, contact, pipelines[key], sources, members, rng, route=True)


# The Dutch business's pipeline speaks Dutch to its team too (its customer labels come from the
# template in the team's language, Dutch, with English and Spanish beside them).
DUTCH_STAGE_NAMES = {
    "New lead": "Nieuwe aanvraag",
    "Photos requested": "Foto's aangevraagd",
    "Quote sent": "Offerte verstuurd",
    "Order confirmed": "Opdracht bevestigd",
    "Materials ordered": "Materiaal besteld",
    "Installation planned": "Installatie gepland",
    "Installed": "Geïnstalleerd",
    "Paid": "Betaald",
    "Review requested": "Review gevraagd",
    "Lost": "Verloren",
}


def _in_dutch(template: PipelineTemplate) -> PipelineTemplate:
    return dataclasses.replace(
        template,
        description="Laadpalen bij mensen thuis: opname met foto's, offerte, installatie, "
        "aanmelding bij de netbeheerder.",
        stages=[
            dataclasses.replace(stage, name=DUTCH_STAGE_NAMES.get(stage.name, stage.name))
            for stage in template.stages
        ],
    )


def _seed_chargecars(tenant: Tenant) -> None:
    pipeline = pipeline_create_from_template(
        tenant=tenant,
        actor=None,
        template=_in_dutch(TEMPLATES["ev-charger-install"]),
        name="Laadpaal installatie",
    )
    sources = _sources(tenant, CHARGECARS_SOURCES)
    LeadCaptureForm.objects.create(
        tenant=tenant,
        name="Website: laadpaal aanvragen",
        pipeline=pipeline,
        source=sources["Website"],
        ask_for_address=True,
        heading="Vraag een laadpaal aan",
        thank_you_message="Bedankt! Een adviseur neemt binnen één werkdag contact met je op.",
    )
    members = _members(tenant)
    rng = random.Random(31)  # noqa: S311  (the same demo every time; nothing secret)
    for spec in CHARGECARS_LEADS:
        spec = dataclasses.replace(spec, stage=DUTCH_STAGE_NAMES[spec.stage])
        contact = Contact.objects.get(tenant=tenant, emails__email=spec.email)
        _replay(tenant, spec, contact, pipeline, sources, members, rng)


def _contact_for(tenant, email: str, rng: random.Random) -> Contact:
    if not email.startswith("fake:"):
        return Contact.objects.get(tenant=tenant, emails__email=email)
    first = email.removeprefix("fake:")
    _, last, city, postal = next(p for p in EXTRA_FLORIDA_PEOPLE if p[0] == first)
    state = {"316": "GA", "363": "AL"}.get(postal[:3], "FL")
    return _new_contact(tenant, first, last, "", city, state, postal, rng)


def _company_contact(tenant, company: str, rng: random.Random) -> Contact:
    city, postal = rng.choice([("Tampa", "33602"), ("Miami", "33131"), ("Orlando", "32801")])
    return _new_contact(tenant, "", "", company, city, "FL", postal, rng)


def _new_contact(tenant, first, last, company, city, state, postal, rng) -> Contact:
    handle = (f"{first}.{last}" if first else company.split()[0]).lower()
    digits = f"+1{rng.choice(['305', '813', '407', '954', '561'])}555{rng.randint(1000, 9999)}"
    contact = contact_find_or_create(
        tenant=tenant,
        actor=None,
        emails=[f"{handle}@example.com"],
        phones=[phonenumbers.parse(digits)],
        source="demo import",
        # The demo's people are the team's own entries: a demo customer may sign in.
        address_source=AddressSource.STAFF,
        first_name=first,
        last_name=last,
        company_name=company,
    ).contact
    property_create(
        tenant=tenant,
        actor=None,
        contacts=[(contact, "owner")],
        address_line1=f"{rng.randint(100, 9999)} {rng.choice(STREETS)}",
        city=city,
        state=state,
        postal_code=postal,
        property_type=PropertyType.COMMERCIAL if company else PropertyType.RESIDENTIAL,
    )
    return contact


def _replay(tenant, spec: DemoLead, contact, pipeline, sources, members, rng, route=False) -> Lead:
    """Create the lead in the past and walk it through its pipeline up to `spec.stage`."""
    now = timezone.now()
    stages = list(
        Stage.objects.filter(tenant=tenant, pipeline=pipeline, is_lost=False).order_by("position")
    )
    target = next(index for index, stage in enumerate(stages) if stage.name == spec.stage)
    entered_target = now - spec.in_stage
    # Earlier stages took from hours to a few days each, up to the current stage.
    step = days(rng.uniform(0.3, 2.4))
    created = entered_target - step * target
    owner = members.get(spec.owner) if spec.owner else None
    lead = lead_create(
        tenant=tenant,
        actor=None,
        contact=contact,
        place=contact.properties.first(),
        pipeline=pipeline,
        owner=owner,
        assign_automatically=route and owner is None,
        title=spec.title,
        estimated_value=Decimal(spec.value) if spec.value else None,
        source=sources[spec.source],
        created_via="demo",
        notify_owner=False,  # history, not news: the demo's bell starts with the welcome note
        announce=False,
        now=created,
    )
    if spec.touched:
        lead_record_touch(
            tenant=tenant, lead=lead, channel="phone", at=created + dt.timedelta(minutes=9)
        )
    for index in range(1, target + 1):
        lead.refresh_from_db()
        if lead.stage_id == stages[index].pk:
            continue
        lead = lead_move_to_stage(
            tenant=tenant,
            actor=owner.user if owner else None,
            lead=lead,
            stage=stages[index],
            now=created + step * index if index < target else entered_target,
        )
    _history_money(tenant, lead, stages[target], entered_target)
    if spec.lost:
        lead_mark_lost(
            tenant=tenant, actor=owner.user if owner else None, lead=lead, reason=spec.lost,
            note="Customer said so on the phone." if spec.lost != LostReason.OTHER else "Moved away",
        )  # fmt: skip
    lead.refresh_from_db()
    lead_rescore(tenant=tenant, lead=lead, now=now)
    return lead


# A demo quote's note and lines in the business's language: (message, line descriptions).
QUOTE_WORDING = {
    "en": (
        "Thank you for having us out. Here is what we propose.",
        ("Materials", "Labour", "Permit and disposal"),
    ),
    "nl": (
        "Bedankt voor de foto's en je tijd. Dit is ons voorstel.",
        ("Laadpaal en materiaal", "Installatie", "Aanmelding netbeheerder en afvoer"),
    ),
}


def _history_money(tenant, lead: Lead, stage: Stage, entered: dt.datetime) -> None:
    """Quotes and payments for leads that got that far (written as history, not sent now)."""
    quoted = stage.position >= 3 and lead.estimated_value
    if not quoted:
        return
    message, (materials, labour, permit) = QUOTE_WORDING.get(tenant.language, QUOTE_WORDING["en"])
    # The Dutch business's quotes carry BTW and a deposit; the roofer's history keeps the
    # figures its other demos (dashboards, the money loop) were written for.
    dutch = tenant.slug == "chargecars"
    tax = TaxRate.objects.filter(tenant=tenant, is_default=True).first() if dutch else None
    quote = quote_save_draft(
        tenant=tenant,
        actor=None,
        lead=lead,
        valid_until=tenant.today() + dt.timedelta(days=30),
        title=lead.title,
        message=message,
        lines=[
            (materials, Decimal("1"), (lead.estimated_value * Decimal("0.55")).quantize(Decimal("1")), tax),
            (labour, Decimal("1"), (lead.estimated_value * Decimal("0.40")).quantize(Decimal("1")), tax),
            (permit, Decimal("1"), (lead.estimated_value * Decimal("0.05")).quantize(Decimal("1")), None),
        ],
        deposit_kind=AmountKind.PERCENT if dutch else "",
        deposit_value=Decimal("30"),
    )  # fmt: skip
    won = stage.is_won or stage.phase != "sales"
    Quote.objects.filter(tenant=tenant, pk=quote.pk).update(
        status=QuoteStatus.ACCEPTED if won else QuoteStatus.SENT,
        sent_at=entered - days(2) if won else entered,
        decided_at=entered if won else None,
        decided_by_name=lead.contact.display_name if won else "",
    )
    if stage.phase == "after_care":
        Payment.objects.create(
            tenant=tenant,
            lead=lead,
            kind=PaymentKind.FINAL,
            amount=quote.total,
            method=PaymentMethod.CHECK,
            reference="Demo check",
            received_on=entered.date(),
        )
