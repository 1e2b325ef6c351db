"""Ready-made pipelines an admin can start from (and the demo uses). Data, not code paths."""

from dataclasses import dataclass, field

from leads.models import DelayUnit, LeadEvent, LeadType, Phase

H, BD = DelayUnit.HOURS, DelayUnit.BUSINESS_DAYS


@dataclass(frozen=True)
class StageSpec:
    name: str
    customer_label: str = ""
    phase: str = Phase.SALES
    orange_after: int | None = None
    red_after: int | None = None
    delay_unit: str = BD
    is_won: bool = False
    is_lost: bool = False
    is_terminal: bool = False
    show_in_portal: bool = True
    moves_on: str = ""


@dataclass(frozen=True)
class PipelineTemplate:
    key: str
    name: str
    lead_type: str
    description: str
    stages: list[StageSpec] = field(default_factory=list)


LOST = StageSpec(
    "Lost", "Closed", Phase.SALES, is_lost=True, is_terminal=True, show_in_portal=False
)

RESIDENTIAL_ROOFING = PipelineTemplate(
    key="residential-roofing",
    name="Residential roofing",
    lead_type=LeadType.RESIDENTIAL,
    description="Homeowner re-roofs and repairs, from first call to the review.",
    stages=[
        StageSpec("New lead", "Request received", orange_after=1, red_after=4, delay_unit=H),
        StageSpec(
            "Contacted",
            "We reached you",
            orange_after=1,
            red_after=2,
            moves_on=LeadEvent.FIRST_TOUCH,
        ),
        StageSpec("Inspection scheduled", "Inspection booked", orange_after=3, red_after=5),
        StageSpec(
            "Quote sent", "Quote ready", orange_after=3, red_after=7, moves_on=LeadEvent.QUOTE_SENT
        ),
        StageSpec(
            "Won",
            "Quote accepted",
            orange_after=2,
            red_after=5,
            is_won=True,
            moves_on=LeadEvent.QUOTE_ACCEPTED,
        ),
        StageSpec("Scheduled", "Work scheduled", Phase.PRODUCTION, orange_after=10, red_after=20),
        StageSpec(
            "In production", "Work in progress", Phase.PRODUCTION, orange_after=5, red_after=10
        ),
        StageSpec("Completed", "Work completed", Phase.PRODUCTION, orange_after=3, red_after=10),
        StageSpec(
            "Paid",
            "Paid in full",
            Phase.AFTER_CARE,
            orange_after=2,
            red_after=5,
            moves_on=LeadEvent.PAID_IN_FULL,
        ),
        StageSpec("Review requested", "Thank you", Phase.AFTER_CARE, is_terminal=True),
        LOST,
    ],
)

COMMERCIAL_ROOFING = PipelineTemplate(
    key="commercial-roofing",
    name="Commercial roofing",
    lead_type=LeadType.COMMERCIAL,
    description="Property managers and businesses: site surveys, bids and phased work.",
    stages=[
        StageSpec("New lead", "Request received", orange_after=2, red_after=8, delay_unit=H),
        StageSpec(
            "Contacted",
            "We reached you",
            orange_after=1,
            red_after=3,
            moves_on=LeadEvent.FIRST_TOUCH,
        ),
        StageSpec("Site survey scheduled", "Site survey booked", orange_after=5, red_after=10),
        StageSpec("Survey completed", "Survey done", orange_after=3, red_after=7),
        StageSpec("Bid in preparation", "Preparing your proposal", orange_after=5, red_after=10),
        StageSpec(
            "Bid sent", "Proposal sent", orange_after=5, red_after=15, moves_on=LeadEvent.QUOTE_SENT
        ),
        StageSpec("Negotiation", "Reviewing the proposal", orange_after=5, red_after=15),
        StageSpec(
            "Won",
            "Proposal accepted",
            orange_after=3,
            red_after=7,
            is_won=True,
            moves_on=LeadEvent.QUOTE_ACCEPTED,
        ),
        StageSpec("Permits", "Permits", Phase.PRODUCTION, orange_after=10, red_after=20),
        StageSpec("Scheduled", "Work scheduled", Phase.PRODUCTION, orange_after=10, red_after=20),
        StageSpec(
            "In production", "Work in progress", Phase.PRODUCTION, orange_after=10, red_after=20
        ),
        StageSpec(
            "Final inspection", "Final inspection", Phase.PRODUCTION, orange_after=3, red_after=7
        ),
        StageSpec("Completed", "Work completed", Phase.PRODUCTION, orange_after=5, red_after=10),
        StageSpec(
            "Invoiced",
            "Invoice sent",
            Phase.AFTER_CARE,
            orange_after=15,
            red_after=30,
        ),
        StageSpec(
            "Paid",
            "Paid in full",
            Phase.AFTER_CARE,
            orange_after=2,
            red_after=5,
            moves_on=LeadEvent.PAID_IN_FULL,
        ),
        StageSpec("Review requested", "Thank you", Phase.AFTER_CARE, is_terminal=True),
        LOST,
    ],
)

INSURANCE_CLAIM = PipelineTemplate(
    key="insurance-claim",
    name="Insurance claim",
    lead_type=LeadType.RESIDENTIAL,
    description="Storm damage paid by the homeowner's insurer: adjuster meetings and supplements.",
    stages=[
        StageSpec("New lead", "Request received", orange_after=1, red_after=4, delay_unit=H),
        StageSpec(
            "Contacted",
            "We reached you",
            orange_after=1,
            red_after=2,
            moves_on=LeadEvent.FIRST_TOUCH,
        ),
        StageSpec("Inspection", "Damage inspection", orange_after=3, red_after=5),
        StageSpec("Claim filed", "Claim filed with your insurer", orange_after=5, red_after=10),
        StageSpec("Adjuster meeting", "Adjuster visit", orange_after=10, red_after=20),
        StageSpec(
            "Approved",
            "Claim approved",
            orange_after=3,
            red_after=7,
            is_won=True,
            moves_on=LeadEvent.QUOTE_ACCEPTED,
        ),
        StageSpec(
            "In production", "Work in progress", Phase.PRODUCTION, orange_after=10, red_after=20
        ),
        StageSpec(
            "Supplement", "Insurer supplement", Phase.PRODUCTION, orange_after=10, red_after=30
        ),
        StageSpec(
            "Paid",
            "Paid in full",
            Phase.AFTER_CARE,
            orange_after=5,
            red_after=15,
            moves_on=LeadEvent.PAID_IN_FULL,
        ),
        StageSpec("Review requested", "Thank you", Phase.AFTER_CARE, is_terminal=True),
        LOST,
    ],
)

EV_CHARGER_INSTALL = PipelineTemplate(
    key="ev-charger-install",
    name="Charger installation",
    lead_type=LeadType.RESIDENTIAL,
    description="Home charger installations: survey by photo, quote, install, grid registration.",
    stages=[
        StageSpec("New lead", "Aanvraag ontvangen", orange_after=4, red_after=24, delay_unit=H),
        StageSpec(
            "Photos requested",
            "Foto's aangevraagd",
            orange_after=2,
            red_after=5,
            moves_on=LeadEvent.FIRST_TOUCH,
        ),
        StageSpec(
            "Quote sent",
            "Offerte verstuurd",
            orange_after=3,
            red_after=7,
            moves_on=LeadEvent.QUOTE_SENT,
        ),
        StageSpec(
            "Order confirmed",
            "Opdracht bevestigd",
            orange_after=2,
            red_after=5,
            is_won=True,
            moves_on=LeadEvent.QUOTE_ACCEPTED,
        ),
        StageSpec(
            "Materials ordered", "Materiaal besteld", Phase.PRODUCTION, orange_after=5, red_after=10
        ),
        StageSpec(
            "Installation planned",
            "Installatie gepland",
            Phase.PRODUCTION,
            orange_after=10,
            red_after=20,
        ),
        StageSpec("Installed", "Geïnstalleerd", Phase.PRODUCTION, orange_after=3, red_after=7),
        StageSpec(
            "Paid",
            "Betaald",
            Phase.AFTER_CARE,
            orange_after=10,
            red_after=20,
            moves_on=LeadEvent.PAID_IN_FULL,
        ),
        StageSpec("Review requested", "Bedankt", Phase.AFTER_CARE, is_terminal=True),
        LOST,
    ],
)

TEMPLATES = {
    t.key: t for t in (RESIDENTIAL_ROOFING, COMMERCIAL_ROOFING, INSURANCE_CLAIM, EV_CHARGER_INSTALL)
}
