"""Ready-made pipelines an admin can start from (and the demo uses). Data, not code paths."""

from dataclasses import dataclass, field

from leads.models import DelayUnit, LeadEvent, LeadType, Phase

H, BD = DelayUnit.HOURS, DelayUnit.BUSINESS_DAYS


# The templates' customer labels in the other languages Threadline speaks: a pipeline made from
# a template greets each customer in their own language from the first day.
TRANSLATED_LABELS: dict[str, dict[str, str]] = {
    "Request received": {"nl": "Aanvraag ontvangen", "es": "Solicitud recibida"},
    "We reached you": {"nl": "We hebben contact gehad", "es": "Ya hablamos con usted"},
    "Inspection booked": {"nl": "Inspectie gepland", "es": "Inspección programada"},
    "Quote ready": {"nl": "Offerte klaar", "es": "Presupuesto listo"},
    "Quote accepted": {"nl": "Offerte geaccepteerd", "es": "Presupuesto aceptado"},
    "Work scheduled": {"nl": "Werk ingepland", "es": "Trabajo programado"},
    "Work in progress": {"nl": "Werk in uitvoering", "es": "Trabajo en curso"},
    "Work completed": {"nl": "Werk afgerond", "es": "Trabajo terminado"},
    "Paid in full": {"nl": "Volledig betaald", "es": "Pagado en su totalidad"},
    "Thank you": {"nl": "Bedankt", "es": "Gracias"},
    "Closed": {"nl": "Afgesloten", "es": "Cerrado"},
    "Site survey booked": {"nl": "Locatiebezoek gepland", "es": "Visita al sitio programada"},
    "Survey done": {"nl": "Locatiebezoek gedaan", "es": "Visita realizada"},
    "Preparing your proposal": {"nl": "We maken je voorstel", "es": "Preparando su propuesta"},
    "Proposal sent": {"nl": "Voorstel verstuurd", "es": "Propuesta enviada"},
    "Reviewing the proposal": {"nl": "Voorstel in bespreking", "es": "Revisando la propuesta"},
    "Proposal accepted": {"nl": "Voorstel geaccepteerd", "es": "Propuesta aceptada"},
    "Permits": {"nl": "Vergunningen", "es": "Permisos"},
    "Final inspection": {"nl": "Eindinspectie", "es": "Inspección final"},
    "Invoice sent": {"nl": "Factuur verstuurd", "es": "Factura enviada"},
    "Damage inspection": {"nl": "Schade-inspectie", "es": "Inspección de daños"},
    "Claim filed with your insurer": {
        "nl": "Claim ingediend bij je verzekeraar",
        "es": "Reclamo presentado a su aseguradora",
    },
    "Adjuster visit": {"nl": "Bezoek van de expert", "es": "Visita del ajustador"},
    "Claim approved": {"nl": "Claim goedgekeurd", "es": "Reclamo aprobado"},
    "Insurer supplement": {"nl": "Aanvulling verzekeraar", "es": "Suplemento de la aseguradora"},
    "Photos requested": {"nl": "Foto's aangevraagd", "es": "Fotos solicitadas"},
    "Quote sent": {"nl": "Offerte verstuurd", "es": "Presupuesto enviado"},
    "Order confirmed": {"nl": "Opdracht bevestigd", "es": "Pedido confirmado"},
    "Materials ordered": {"nl": "Materiaal besteld", "es": "Materiales pedidos"},
    "Installation planned": {"nl": "Installatie gepland", "es": "Instalación programada"},
    "Installed": {"nl": "Geïnstalleerd", "es": "Instalado"},
    "Paid": {"nl": "Betaald", "es": "Pagado"},
}


@dataclass(frozen=True)
class StageSpec:
    name: str
    customer_label: str = ""  # in English; TRANSLATED_LABELS holds its other languages
    phase: str = Phase.SALES
    orange_after: int | None = None
    red_after: int | None = None
    delay_unit: str = BD
    is_won: bool = False
    is_lost: bool = False
    is_terminal: bool = False
    show_in_portal: bool = True
    moves_on: str = ""

    def customer_labels(self) -> dict[str, str]:
        """{language: label} in every language the template has words for."""
        if not self.customer_label:
            return {}
        return {"en": self.customer_label, **TRANSLATED_LABELS.get(self.customer_label, {})}


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
        StageSpec("New lead", "Request received", orange_after=4, red_after=24, delay_unit=H),
        StageSpec(
            "Photos requested",
            "Photos requested",
            orange_after=2,
            red_after=5,
            moves_on=LeadEvent.FIRST_TOUCH,
        ),
        StageSpec(
            "Quote sent",
            "Quote sent",
            orange_after=3,
            red_after=7,
            moves_on=LeadEvent.QUOTE_SENT,
        ),
        StageSpec(
            "Order confirmed",
            "Order confirmed",
            orange_after=2,
            red_after=5,
            is_won=True,
            moves_on=LeadEvent.QUOTE_ACCEPTED,
        ),
        StageSpec(
            "Materials ordered", "Materials ordered", Phase.PRODUCTION, orange_after=5, red_after=10
        ),
        StageSpec(
            "Installation planned",
            "Installation planned",
            Phase.PRODUCTION,
            orange_after=10,
            red_after=20,
        ),
        StageSpec("Installed", "Installed", Phase.PRODUCTION, orange_after=3, red_after=7),
        StageSpec(
            "Paid",
            "Paid",
            Phase.AFTER_CARE,
            orange_after=10,
            red_after=20,
            moves_on=LeadEvent.PAID_IN_FULL,
        ),
        StageSpec("Review requested", "Thank you", Phase.AFTER_CARE, is_terminal=True),
        LOST,
    ],
)

TEMPLATES = {
    t.key: t for t in (RESIDENTIAL_ROOFING, COMMERCIAL_ROOFING, INSURANCE_CLAIM, EV_CHARGER_INSTALL)
}
