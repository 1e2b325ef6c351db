"""The message templates a new business starts with (and `make dev` shows): what a roofer or any
field-service team says from the first enquiry to the yearly check-up, ready to be reworded.

Safe to run again: a template is found by its key and only missing wording is added, so an
admin's edits stay. Runs inside the tenant's context, like every service.
"""

from dataclasses import dataclass

from crm.models import Language, Tenant, User
from messaging.demo_templates_nl import DUTCH_NAMES, DUTCH_WORDINGS
from messaging.models import MessageChannel, MessageTemplate, Purpose, TemplateVariant
from messaging.services.configuration_templates import message_template_save, template_variant_save

EMAIL, SMS, WHATSAPP = MessageChannel.EMAIL, MessageChannel.SMS, MessageChannel.WHATSAPP
ENGLISH, SPANISH = Language.ENGLISH, Language.SPANISH


@dataclass(frozen=True)
class Wording:
    channel: str
    text: str
    subject: str = ""
    html: str = ""
    language: str = ENGLISH
    whatsapp_content_sid: str = ""  # set: approved by WhatsApp


@dataclass(frozen=True)
class DemoTemplate:
    key: str
    name: str
    description: str
    wordings: tuple[Wording, ...]
    purpose: str = Purpose.TRANSACTIONAL


SIGN_OFF = """{% if owner_name %}{{ owner_name }}
{% endif %}{{ sender_name }}{% if brand_phone %}
{{ brand_phone }}{% endif %}"""

HTML_SIGN_OFF = """<p>{% if owner_name %}{{ owner_name }}<br>{% endif %}{{ sender_name }}\
{% if brand_phone %}<br>{{ brand_phone }}{% endif %}</p>"""

UNSUBSCRIBE_TEXT = """
--
Rather not get these? Unsubscribe: {{ unsubscribe_link }}"""

UNSUBSCRIBE_HTML = """<p><small>Rather not get these? \
<a href="{{ unsubscribe_link }}">Unsubscribe</a>.</small></p>"""

APPOINTMENT_WHEN = '{{ appointment_at|date:"l, F j" }} at {{ appointment_at|time:"g:i A" }}'
APPOINTMENT_WHEN_SHORT = '{{ appointment_at|date:"D n/j" }} at {{ appointment_at|time:"g:i A" }}'
# A message renders in its contact's language (messaging.variables.as_the_contact_reads): the day
# and month names come out in Spanish ("lunes 2 de marzo").
APPOINTMENT_WHEN_ES = (
    '{{ appointment_at|date:"l j \\d\\e F" }} a las {{ appointment_at|time:"H:i" }}'
)

DEMO_TEMPLATES = (
    DemoTemplate(
        key="new-lead-ack",
        name="New lead acknowledgement",
        description="Sent right after a new enquiry comes in.",
        wordings=(
            Wording(
                EMAIL,
                subject="Thanks for reaching out, {{ first_name }}",
                text="""Hi {{ first_name }},

Thanks for getting in touch with {{ brand_name }}. We've got your request \
({{ order_number }}) and someone from our team will call you within one business day to \
talk it through and, if it helps, set up a free inspection.

Anything you'd like us to know before then? Just reply to this email.
{% if portal_link %}
You can also follow your request, send us photos and message the team in your customer portal
(sign in with this email address): {{ portal_link }}
{% endif %}
Talk soon,
"""
                + SIGN_OFF,
                html="""<p>Hi {{ first_name }},</p>
<p>Thanks for getting in touch with {{ brand_name }}. We've got your request \
(<strong>{{ order_number }}</strong>) and someone from our team will call you within one \
business day to talk it through and, if it helps, set up a free inspection.</p>
<p>Anything you'd like us to know before then? Just reply to this email.</p>
{% if portal_link %}<p>You can also follow your request, send us photos and message the team in \
<a href="{{ portal_link }}">your customer portal</a> (sign in with this email address).</p>{% endif %}
<p>Talk soon,</p>
"""
                + HTML_SIGN_OFF,
            ),
            Wording(
                SMS,
                text="Hi {{ first_name }}, thanks for contacting {{ brand_name }}! We got your "
                "request ({{ order_number }}) and will call you within 1 business day.",
            ),
            Wording(
                WHATSAPP,
                text="Hi {{ first_name }}, thanks for contacting {{ brand_name }}! We got your "
                "request ({{ order_number }}) and will get back to you within one business day. "
                "Feel free to send us photos of the roof here in the meantime.",
            ),
            Wording(
                EMAIL,
                language=SPANISH,
                subject="Gracias por escribirnos, {{ first_name }}",
                text="""Hola {{ first_name }}:

Gracias por contactar a {{ brand_name }}. Recibimos su solicitud ({{ order_number }}) y \
alguien de nuestro equipo le llamará en un día hábil para conversar y, si lo desea, programar \
una inspección gratuita.

¿Hay algo que debamos saber antes? Solo responda a este correo.

Saludos cordiales,
"""
                + SIGN_OFF,
            ),
            Wording(
                SMS,
                language=SPANISH,
                text="Hola {{ first_name }}, gracias por contactar a {{ brand_name }}. Recibimos "
                "su solicitud ({{ order_number }}) y le llamaremos pronto.",
            ),
        ),
    ),
    DemoTemplate(
        key="quote-sent",
        name="Quote sent",
        description="Goes with the quote: the link to read, accept or decline it.",
        wordings=(
            Wording(
                EMAIL,
                subject="Your quote {{ quote_reference }} from {{ brand_name }}",
                text="""Hi {{ first_name }},

Thanks again for having us out. Your quote for the \
{{ job_title|lower|default:"work we discussed" }} is ready: {{ quote_total }}.

Read it, and accept it when you're ready, here:
{{ quote_link }}

Questions about any line? Reply here or give us a call; happy to walk you through it.

"""
                + SIGN_OFF,
                html="""<p>Hi {{ first_name }},</p>
<p>Thanks again for having us out. Your quote for the \
{{ job_title|lower|default:"work we discussed" }} is ready: <strong>{{ quote_total }}</strong>.</p>
<p><a href="{{ quote_link }}">Read and accept your quote {{ quote_reference }}</a></p>
<p>Questions about any line? Reply here or give us a call; happy to walk you through it.</p>
"""
                + HTML_SIGN_OFF,
            ),
            Wording(
                SMS,
                text="Hi {{ first_name }}, your quote from {{ brand_name }} is ready "
                "({{ quote_total }}). View and accept it here: {{ quote_link }}",
            ),
        ),
    ),
    DemoTemplate(
        key="quote-follow-up",
        name="Quote follow-up",
        description="A friendly nudge a few days after the quote went out.",
        wordings=(
            Wording(
                EMAIL,
                subject="Any questions about your quote, {{ first_name }}?",
                text="""Hi {{ first_name }},

Just checking in on the quote we sent for your \
{{ job_title|lower|default:"project" }} ({{ quote_reference }}). If anything is unclear, or \
you'd like to look at other materials or a different timeline, we're glad to adjust it.

You can accept it online whenever you're ready:
{{ quote_link }}

No pressure at all; just reply and let us know where you stand.

"""
                + SIGN_OFF,
            ),
            Wording(
                SMS,
                text="Hi {{ first_name }}, just checking in on your quote from {{ brand_name }}. "
                "Any questions? Reply here. Accept online: {{ quote_link }}",
            ),
        ),
    ),
    DemoTemplate(
        key="appointment-confirmation",
        name="Appointment confirmation",
        description="Confirms a booked inspection or installation visit.",
        wordings=(
            Wording(
                EMAIL,
                subject="You're booked: " + APPOINTMENT_WHEN,
                text="""Hi {{ first_name }},

You're all set. We'll see you on """
                + APPOINTMENT_WHEN
                + """.

A few things that help on the day:
- Please make sure we can get to the side of the house and the driveway.
- Pets inside, if you can.
- You don't need to be home for a roof inspection, but we're happy to walk you through \
what we find.

Need to change the time? Just reply to this email.

"""
                + SIGN_OFF,
            ),
            Wording(
                SMS,
                text="Hi {{ first_name }}, you're booked with {{ brand_name }} on "
                + APPOINTMENT_WHEN_SHORT
                + ". Reply here if you need to change it.",
            ),
        ),
    ),
    DemoTemplate(
        key="appointment-reminder",
        name="Appointment reminder",
        description="The day before the visit.",
        wordings=(
            Wording(
                EMAIL,
                subject="Reminder: we'll see you " + APPOINTMENT_WHEN,
                text="""Hi {{ first_name }},

A quick reminder that {{ owner_name|default:"our crew" }} from {{ brand_name }} will be \
with you on """
                + APPOINTMENT_WHEN
                + """.

If the time no longer works, just reply and we'll find another one.

"""
                + SIGN_OFF,
            ),
            Wording(
                SMS,
                text="Reminder from {{ brand_name }}: we'll see you "
                + APPOINTMENT_WHEN_SHORT
                + ". Need to reschedule? Just reply to this text.",
            ),
            Wording(
                WHATSAPP,
                text="Hi {{ first_name }}, a reminder from {{ brand_name }}: we'll see you on "
                + APPOINTMENT_WHEN
                + ". Need another time? Just reply here.",
                whatsapp_content_sid="HX6f1c2a9e4b7d48f0a3c5e9b1d2f4a6c8",
            ),
            Wording(
                EMAIL,
                language=SPANISH,
                subject="Recordatorio de su cita: " + APPOINTMENT_WHEN_ES,
                text="""Hola {{ first_name }}:

Le recordamos que {{ owner_name|default:"nuestro equipo" }} de {{ brand_name }} le visitará \
el """
                + APPOINTMENT_WHEN_ES
                + """.

Si la hora ya no le conviene, responda a este correo y buscamos otra.

"""
                + SIGN_OFF,
            ),
            Wording(
                SMS,
                language=SPANISH,
                text="Recordatorio de {{ brand_name }}: le visitaremos el "
                + APPOINTMENT_WHEN_ES
                + ". Para cambiar la cita, responda a este mensaje.",
            ),
            Wording(
                WHATSAPP,
                language=SPANISH,
                text="Hola {{ first_name }}, le recordamos su cita con {{ brand_name }} el "
                + APPOINTMENT_WHEN_ES
                + ". Si necesita otra hora, responda aquí.",
                whatsapp_content_sid="HX0b9e7d3c5a1f4e2d8c6b4a2e0f9d7c5b",
            ),
        ),
    ),
    DemoTemplate(
        key="job-completed",
        name="Job completed thank-you",
        description="When the job is done and the site is clean.",
        wordings=(
            Wording(
                EMAIL,
                subject="Your {{ job_title|lower|default:'job' }} is done. Thank you!",
                text="""Hi {{ first_name }},

We've finished your {{ job_title|lower|default:"job" }} ({{ order_number }}) and wanted to \
say thank you for trusting us with your home.

{% if portal_link %}Your warranty papers, photos and the final invoice are in your customer portal:
{{ portal_link }}

{% endif %}If anything doesn't look right, or you spot a nail we missed, call us and we'll be back out.

With thanks,
"""
                + SIGN_OFF,
                html="""<p>Hi {{ first_name }},</p>
<p>We've finished your {{ job_title|lower|default:"job" }} ({{ order_number }}) and wanted to \
say thank you for trusting us with your home.</p>
{% if portal_link %}<p>Your warranty papers, photos and the final invoice are in \
<a href="{{ portal_link }}">your customer portal</a>.</p>{% endif %}
<p>If anything doesn't look right, or you spot a nail we missed, call us and we'll be back \
out.</p>
<p>With thanks,</p>
"""
                + HTML_SIGN_OFF,
            ),
            Wording(
                SMS,
                text="Hi {{ first_name }}, your job with {{ brand_name }} is complete. Thank you! "
                "{% if portal_link %}Warranty and photos: {{ portal_link }}{% endif %}",
            ),
        ),
    ),
    DemoTemplate(
        key="satisfaction-survey",
        name="Satisfaction survey",
        description="A week after the job: how did we do?",
        # About the job the customer bought: a service message, not marketing.
        wordings=(
            Wording(
                EMAIL,
                subject="How did we do, {{ first_name }}?",
                text="""Hi {{ first_name }},

It's been about a week since we finished your job. How did we do?

Just reply with a number from 1 (not happy) to 5 (would recommend us to a neighbor), and \
anything you'd like to add. Every answer is read by the owner, and it's how we get better.

Thank you,
{{ sender_name }}
""",
            ),
            Wording(
                SMS,
                text="{{ brand_name }}: how did we do on your job, {{ first_name }}? Reply 1-5 "
                "(5 = great). Reply STOP to opt out.",
            ),
        ),
    ),
    DemoTemplate(
        key="review-request",
        name="Review request",
        description="For happy customers: a review helps the next homeowner find us.",
        purpose=Purpose.MARKETING,
        wordings=(
            Wording(
                EMAIL,
                subject="Could you spare a minute for {{ brand_name }}?",
                text="""Hi {{ first_name }},

Thank you again for choosing us. Most of our work comes from neighbors telling neighbors, so \
a short review on Google means a lot to a small team like ours.

Search for "{{ brand_name }}" on Google and click "Write a review"; two sentences are plenty.

Thanks so much,
"""
                + SIGN_OFF
                + UNSUBSCRIBE_TEXT,
                html="""<p>Hi {{ first_name }},</p>
<p>Thank you again for choosing us. Most of our work comes from neighbors telling neighbors, \
so a short review on Google means a lot to a small team like ours.</p>
<p>Search for <strong>{{ brand_name }}</strong> on Google and click \
<em>Write a review</em>; two sentences are plenty.</p>
<p>Thanks so much,</p>
"""
                + HTML_SIGN_OFF
                + UNSUBSCRIBE_HTML,
            ),
            Wording(
                SMS,
                text="Thanks again for choosing {{ brand_name }}, {{ first_name }}! A short Google "
                "review would mean a lot to us. Reply STOP to opt out.",
            ),
        ),
    ),
    DemoTemplate(
        key="on-hold",
        name="On-hold notice",
        description="When a job is paused (waiting on insurance, permits or the customer).",
        wordings=(
            Wording(
                EMAIL,
                subject="Your job {{ order_number }} is on hold for now",
                text="""Hi {{ first_name }},

As we discussed, we've put your {{ job_title|lower|default:"job" }} ({{ order_number }}) on \
hold for now. Nothing is lost: your quote, photos and notes stay on file.

When you're ready to pick it back up, or if anything changes on your side (insurance, permits, \
timing), just reply to this email and we'll take it from there.

"""
                + SIGN_OFF,
            ),
            Wording(
                SMS,
                text="Hi {{ first_name }}, we've put your job {{ order_number }} on hold as "
                "discussed. Reply here when you're ready to pick it back up.",
            ),
        ),
    ),
    DemoTemplate(
        key="sorry-to-see-you-go",
        name="Sorry to see you go",
        description="When a customer decides not to go ahead.",
        wordings=(
            Wording(
                EMAIL,
                subject="Thanks for considering {{ brand_name }}",
                text="""Hi {{ first_name }},

We understand you've decided not to go ahead with us\
{% if job_title %} on the {{ job_title|lower }}{% endif %}, and that's completely fine. Thank you \
for the time you gave us.

If your plans change, or you'd just like a second opinion down the road, we're a phone call \
away. Your inspection notes stay on file, so we won't have to start from scratch.

All the best,
"""
                + SIGN_OFF,
            ),
        ),
    ),
    DemoTemplate(
        key="annual-check-up",
        name="Annual check-up",
        description="A year after the job: offer a free check-up before storm season.",
        purpose=Purpose.MARKETING,
        wordings=(
            Wording(
                EMAIL,
                subject="Time for your free yearly roof check-up",
                text="""Hi {{ first_name }},

It's been about a year since we worked on your home. Before storm season, we'd like to come \
by for a free check-up: we look for lifted shingles, worn flashing and clogged gutters, and \
send you photos of what we find.

Reply with a couple of days that suit you and we'll book it in.

"""
                + SIGN_OFF
                + UNSUBSCRIBE_TEXT,
            ),
            Wording(
                SMS,
                text="Hi {{ first_name }}, it's {{ brand_name }}. It's been a year since your job: "
                "want a free roof check-up before storm season? Reply YES. "
                "Reply STOP to opt out.",
            ),
        ),
    ),
    DemoTemplate(
        key="biweekly-update",
        name="Bi-weekly update",
        description="Every two weeks while a job is open: where it stands and what comes next.",
        wordings=(
            Wording(
                EMAIL,
                subject="Update on your job {{ order_number }}: {{ stage_label }}",
                text="""Hi {{ first_name }},

Here's where your {{ job_title|lower|default:"job" }} stands: {{ stage_label }}.
{% if recent_updates %}
Since our last update:
{% for update in recent_updates %}- {{ update }}
{% endfor %}{% endif %}{% if next_step %}
Next up: {{ next_step }}.
{% endif %}{% if portal_link %}
You can follow every step, see documents and message us in your portal:
{{ portal_link }}
{% endif %}
"""
                + SIGN_OFF,
                html="""<p>Hi {{ first_name }},</p>
<p>Here's where your {{ job_title|lower|default:"job" }} stands: \
<strong>{{ stage_label }}</strong>.</p>
{% if recent_updates %}<p>Since our last update:</p>
<ul>{% for update in recent_updates %}<li>{{ update }}</li>{% endfor %}</ul>{% endif %}
{% if next_step %}<p>Next up: {{ next_step }}.</p>{% endif %}
{% if portal_link %}<p>You can follow every step, see documents and message us in \
<a href="{{ portal_link }}">your portal</a>.</p>{% endif %}
"""
                + HTML_SIGN_OFF,
            ),
            Wording(
                SMS,
                text="{{ brand_name }} update on {{ order_number }}: {{ stage_label }}."
                "{% if next_step %} Next: {{ next_step }}.{% endif %}"
                "{% if portal_link %} Details: {{ portal_link }}{% endif %}",
            ),
            Wording(
                WHATSAPP,
                text="""Hi {{ first_name }}, an update on your job {{ order_number }}: \
{{ stage_label }}.{% if recent_updates %}
{% for update in recent_updates %}
- {{ update }}{% endfor %}{% endif %}{% if next_step %}

Next up: {{ next_step }}.{% endif %}

{% if portal_link %}Follow along in your portal: {{ portal_link }}{% endif %}""",
            ),
        ),
    ),
)


def _has_wording(template: MessageTemplate, wording: Wording) -> bool:
    return TemplateVariant.objects.filter(
        tenant_id=template.tenant_id,
        template=template,
        channel=wording.channel,
        language=wording.language,
        brand__isnull=True,
    ).exists()


def _wordings(tenant: Tenant, demo: DemoTemplate) -> tuple[Wording, ...]:
    """The template's wordings; for a business whose language is Dutch (an EV-charger installer,
    not the roofer the English ones speak of) its Dutch ones only, where it has them."""
    if tenant.language != Language.DUTCH:
        return demo.wordings
    dutch = tuple(
        Wording(channel, text, subject=subject, language=Language.DUTCH)
        for channel, subject, text in DUTCH_WORDINGS.get(demo.key, ())
    )
    return dutch or demo.wordings


def seed_templates(*, tenant: Tenant, actor: User | None = None) -> dict[str, MessageTemplate]:
    """The demo templates of `tenant`, keyed by template key: created if missing, with only
    their missing wording added."""
    seeded = {}
    existing = {row.key: row for row in MessageTemplate.objects.filter(tenant=tenant)}
    for demo in DEMO_TEMPLATES:
        name, description = (
            DUTCH_NAMES.get(demo.key, (demo.name, demo.description))
            if tenant.language == Language.DUTCH
            else (demo.name, demo.description)
        )
        template = existing.get(demo.key) or message_template_save(
            tenant=tenant,
            actor=actor,
            key=demo.key,
            name=name,
            description=description,
            purpose=demo.purpose,
        )
        for wording in _wordings(tenant, demo):
            if _has_wording(template, wording):
                continue
            template_variant_save(
                tenant=tenant,
                actor=actor,
                template=template,
                channel=wording.channel,
                language=wording.language,
                subject=wording.subject,
                body_text=wording.text,
                body_html=wording.html,
                whatsapp_approved=bool(wording.whatsapp_content_sid),
                whatsapp_content_sid=wording.whatsapp_content_sid,
            )
        seeded[demo.key] = template
    return seeded
