"""The demo's ready-made sequences (called by seed_demo inside the tenant's context): the two
examples of the follow-ups issue, with the message templates they send.

Adds only what is missing: a sequence that already exists under its name is kept as the admin
left it, and a template found by its key keeps its wording (missing wording is added).
"""

from dataclasses import dataclass

from automation.models import Sequence, StepKind
from automation.services.sequence_editing import sequence_save, sequence_step_save
from crm.models import Language, Tenant
from followups.services.followups import follow_up_type_get
from messaging.demo_templates import HTML_SIGN_OFF, SIGN_OFF, DemoTemplate, Wording
from messaging.models import MessageChannel, MessageTemplate, TemplateVariant
from messaging.services.configuration_templates import message_template_save, template_variant_save

EMAIL, SMS = MessageChannel.EMAIL, MessageChannel.SMS

TEMPLATES = (
    DemoTemplate(
        key="document-checklist",
        name="Document checklist",
        description="Onboarding: the papers to gather, sent a few days after signing.",
        wordings=(
            Wording(
                EMAIL,
                subject="Your document checklist"
                "{% if order_number %} for {{ order_number }}{% endif %}",
                text="""Hi {{ first_name }},

To keep your file moving, here is what we need from you. Scans or clear phone photos are fine:

- A copy of your passport (every page with a stamp)
- Proof of address from the last three months
- Your signed engagement letter
- Any letters you have received from the authorities

{% if portal_link %}Upload them in your customer portal: {{ portal_link }}

{% endif %}Questions about any of them? Just reply to this email.

"""
                + SIGN_OFF,
                html="""<p>Hi {{ first_name }},</p>
<p>To keep your file moving, here is what we need from you. Scans or clear phone photos are \
fine:</p>
<ul><li>A copy of your passport (every page with a stamp)</li>
<li>Proof of address from the last three months</li>
<li>Your signed engagement letter</li>
<li>Any letters you have received from the authorities</li></ul>
{% if portal_link %}<p><a href="{{ portal_link }}">Upload them in your customer portal</a>.</p>\
{% endif %}
<p>Questions about any of them? Just reply to this email.</p>
"""
                + HTML_SIGN_OFF,
            ),
        ),
    ),
    DemoTemplate(
        key="payment-reminder",
        name="Payment reminder",
        description="A friendly note a few days after the invoice went out.",
        wordings=(
            Wording(
                EMAIL,
                subject="A reminder about your invoice"
                "{% if order_number %} for {{ order_number }}{% endif %}",
                text="""Hi {{ first_name }},

A quick reminder that the invoice for {{ job_title|lower|default:"your job" }}\
{% if order_number %} ({{ order_number }}){% endif %} is still open. If you have already \
paid, thank you, and please ignore this note.

{% if portal_link %}The invoice and the ways to pay are in your customer portal: {{ portal_link }}

{% endif %}"""
                + SIGN_OFF,
            ),
        ),
    ),
    DemoTemplate(
        key="payment-overdue",
        name="Payment overdue",
        description="The second reminder: the invoice is a week overdue.",
        wordings=(
            Wording(
                EMAIL,
                subject="Your invoice{% if order_number %} for {{ order_number }}{% endif %} "
                "is overdue",
                text="""Hi {{ first_name }},

Our records show the invoice for {{ order_number|default:"your job" }} is now a week \
overdue. Could you settle it in the next few days, or reply to let us know if something about \
it is not right?

{% if portal_link %}Pay or download the invoice here: {{ portal_link }}

{% endif %}"""
                + SIGN_OFF,
            ),
            Wording(
                SMS,
                text="Hi {{ first_name }}, {{ brand_name }} here: the invoice for "
                "{{ order_number|default:'your job' }} is a week overdue. "
                "{% if portal_link %}Pay here: {{ portal_link }} {% endif %}"
                "Questions? Just reply.",
            ),
        ),
    ),
)


DUTCH_SIGN_OFF = """Met vriendelijke groet,
{% if owner_name %}{{ owner_name }}
{% endif %}{{ sender_name }}"""

# The Dutch demo installs EV chargers: its templates and sequences in Dutch and about the job.
TEMPLATES_NL = (
    DemoTemplate(
        key="document-checklist",
        name="Checklist voor de installatie",
        description="Na de opdracht: wat we nodig hebben om de laadpaal te installeren.",
        wordings=(
            Wording(
                EMAIL,
                subject="Wat we nodig hebben voor je laadpaal"
                "{% if order_number %} ({{ order_number }}){% endif %}",
                text="""Hoi {{ first_name }},

Om de installatie van je laadpaal goed voor te bereiden, vragen we je om het volgende. Duidelijke
foto's met je telefoon zijn prima:

- Een foto van de meterkast, met de deur open
- Een foto van de plek waar de laadpaal komt
- De afstand van de meterkast tot die plek (ongeveer)
- Bij een appartement: de toestemming van de VvE

{% if portal_link %}Je kunt ze uploaden in je klantportaal: {{ portal_link }}

{% endif %}Vragen? Beantwoord gewoon deze e-mail.

"""
                + DUTCH_SIGN_OFF,
                language=Language.DUTCH,
            ),
        ),
    ),
    DemoTemplate(
        key="payment-reminder",
        name="Betalingsherinnering",
        description="Een vriendelijke herinnering een paar dagen na de factuur.",
        wordings=(
            Wording(
                EMAIL,
                subject="Herinnering: je factuur"
                "{% if order_number %} voor {{ order_number }}{% endif %}",
                text="""Hoi {{ first_name }},

Een korte herinnering: de factuur voor {{ job_title|default:"de installatie" }}\
{% if order_number %} ({{ order_number }}){% endif %} staat nog open. Heb je al betaald? Dank je
wel, dan kun je dit bericht negeren.

{% if portal_link %}De factuur en de manieren om te betalen staan in je klantportaal: \
{{ portal_link }}

{% endif %}"""
                + DUTCH_SIGN_OFF,
                language=Language.DUTCH,
            ),
        ),
    ),
    DemoTemplate(
        key="payment-overdue",
        name="Betaling te laat",
        description="De tweede herinnering: de factuur is een week over de termijn.",
        wordings=(
            Wording(
                EMAIL,
                subject="Je factuur{% if order_number %} voor {{ order_number }}{% endif %} "
                "is over de termijn",
                text="""Hoi {{ first_name }},

De factuur voor {{ order_number|default:"de installatie" }} is nu een week over de termijn.
Wil je hem de komende dagen betalen, of laat je ons weten als er iets niet klopt?

{% if portal_link %}Betalen of de factuur downloaden: {{ portal_link }}

{% endif %}"""
                + DUTCH_SIGN_OFF,
                language=Language.DUTCH,
            ),
            Wording(
                SMS,
                text="Hoi {{ first_name }}, hier {{ brand_name }}: de factuur voor "
                "{{ order_number|default:'de installatie' }} is een week over de termijn. "
                "{% if portal_link %}Betalen: {{ portal_link }} {% endif %}"
                "Vragen? Stuur gewoon een bericht terug.",
                language=Language.DUTCH,
            ),
        ),
    ),
)


@dataclass(frozen=True)
class Step:
    day: int
    kind: str
    subject: str = ""
    follow_up_type: str = ""  # a follow-up type key
    template: str = ""  # a template key
    channels: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemoSequence:
    name: str
    description: str
    steps: tuple[Step, ...]


SEQUENCES = (
    DemoSequence(
        "New client onboarding",
        "From the signed contract to a submitted file: a welcome call, the document checklist, "
        "a check that it came in, a status call.",
        (
            Step(2, StepKind.TASK, "Welcome call: walk them through the next steps", "call"),
            Step(5, StepKind.MESSAGE, template="document-checklist", channels=(EMAIL,)),
            Step(7, StepKind.TASK, "Check the documents were submitted", "document_review"),
            Step(14, StepKind.TASK, "Status call: where their file stands", "status_check"),
        ),
    ),
    DemoSequence(
        "Payment reminders",
        "An invoice still open after the job: two reminders, a call, then a manager steps in.",
        (
            Step(3, StepKind.MESSAGE, template="payment-reminder", channels=(EMAIL,)),
            Step(7, StepKind.MESSAGE, template="payment-overdue", channels=(EMAIL, SMS)),
            Step(10, StepKind.TASK, "Call about the unpaid invoice", "payment"),
            Step(
                14,
                StepKind.ESCALATE,
                "Unpaid after two weeks: a manager calls the customer",
                "payment",
            ),
        ),
    ),
)


SEQUENCES_NL = (
    DemoSequence(
        "Nieuwe klant: naar de installatie",
        "Van de getekende offerte naar een geplande installatie: een welkomstgesprek, de "
        "checklist, een controle van de foto's, de schouw.",
        (
            Step(2, StepKind.TASK, "Welkomstgesprek: de volgende stappen doorlopen", "call"),
            Step(5, StepKind.MESSAGE, template="document-checklist", channels=(EMAIL,)),
            Step(7, StepKind.TASK, "Foto's van de meterkast en de plek controleren", "document_review"),
            Step(14, StepKind.TASK, "Schouw plannen of de installatiedatum bevestigen", "status_check"),
        ),
    ),
    DemoSequence(
        "Betalingsherinneringen",
        "Een factuur die na de installatie open staat: twee herinneringen, een telefoontje, "
        "dan belt een manager.",
        (
            Step(3, StepKind.MESSAGE, template="payment-reminder", channels=(EMAIL,)),
            Step(7, StepKind.MESSAGE, template="payment-overdue", channels=(EMAIL, SMS)),
            Step(10, StepKind.TASK, "Bellen over de openstaande factuur", "payment"),
            Step(
                14,
                StepKind.ESCALATE,
                "Na twee weken niet betaald: een manager belt de klant",
                "payment",
            ),
        ),
    ),
)  # fmt: skip


def _dutch(tenant: Tenant) -> bool:
    return tenant.language == Language.DUTCH


def _seed_templates(tenant: Tenant) -> dict[str, MessageTemplate]:
    existing = {row.key: row for row in MessageTemplate.objects.filter(tenant=tenant)}
    seeded = {}
    for demo in TEMPLATES_NL if _dutch(tenant) else TEMPLATES:
        template = existing.get(demo.key) or message_template_save(
            tenant=tenant,
            actor=None,
            key=demo.key,
            name=demo.name,
            description=demo.description,
            purpose=demo.purpose,
        )
        written = set(
            TemplateVariant.objects.filter(
                tenant=tenant, template=template, brand__isnull=True
            ).values_list("channel", "language")
        )
        for wording in demo.wordings:
            if (wording.channel, wording.language) in written:
                continue
            template_variant_save(
                tenant=tenant,
                actor=None,
                template=template,
                channel=wording.channel,
                language=wording.language,
                subject=wording.subject,
                body_text=wording.text,
                body_html=wording.html,
            )
        seeded[demo.key] = template
    return seeded


def seed_sequences(tenant: Tenant) -> list[Sequence]:
    """The demo sequences of `tenant`, created with their templates if missing."""
    templates = _seed_templates(tenant)
    existing = {sequence.name: sequence for sequence in Sequence.objects.filter(tenant=tenant)}
    seeded = []
    for demo in SEQUENCES_NL if _dutch(tenant) else SEQUENCES:
        sequence = existing.get(demo.name)
        if sequence is None:
            sequence = sequence_save(
                tenant=tenant, actor=None, name=demo.name, description=demo.description
            )
            for step in demo.steps:
                sequence_step_save(
                    tenant=tenant,
                    actor=None,
                    sequence=sequence,
                    day_offset=step.day,
                    kind=step.kind,
                    template=templates.get(step.template),
                    channels=step.channels,
                    follow_up_type=follow_up_type_get(tenant=tenant, key=step.follow_up_type)
                    if step.follow_up_type
                    else None,
                    subject=step.subject,
                )
        seeded.append(sequence)
    return seeded
