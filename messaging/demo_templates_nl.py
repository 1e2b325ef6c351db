"""The demo templates' wording for a business whose language is Dutch (the ChargeCars demo): a
Dutch customer gets Dutch messages, with dates as a Dutch reader writes them ("maandag 2 maart om
09:00", rendered in their language by messaging.variables.as_the_contact_reads)."""

from crm.models import Language
from messaging.models import MessageChannel

EMAIL, SMS, WHATSAPP = MessageChannel.EMAIL, MessageChannel.SMS, MessageChannel.WHATSAPP
DUTCH = Language.DUTCH

SIGN_OFF = """{% if owner_name %}{{ owner_name }}
{% endif %}{{ sender_name }}{% if brand_phone %}
{{ brand_phone }}{% endif %}"""

UNSUBSCRIBE_TEXT = """
--
Liever geen berichten als deze? Afmelden: {{ unsubscribe_link }}"""

WHEN = '{{ appointment_at|date:"l j F" }} om {{ appointment_at|time:"H:i" }}'
WHEN_SHORT = '{{ appointment_at|date:"D j M" }} om {{ appointment_at|time:"H:i" }}'

# template key -> ((channel, subject, text), …)
DUTCH_WORDINGS = {
    "new-lead-ack": (
        (
            EMAIL,
            "Bedankt voor je aanvraag, {{ first_name }}",
            """Hallo {{ first_name }},

Bedankt voor je aanvraag bij {{ brand_name }}. We hebben hem goed ontvangen \
({{ order_number }}) en een van onze adviseurs neemt binnen één werkdag contact met je op.

Om je een goede offerte te kunnen sturen, vragen we je een paar foto's: van je meterkast \
(met de hoofdschakelaar en de groepen) en van de plek waar de laadpaal moet komen. Je kunt ze \
gewoon als antwoord op deze e-mail sturen.
{% if portal_link %}
In je klantenportaal volg je je aanvraag, stuur je foto's en stel je het team je vragen \
(inloggen met dit e-mailadres): {{ portal_link }}
{% endif %}
Tot snel,
"""
            + SIGN_OFF,
        ),
        (
            SMS,
            "",
            "Hallo {{ first_name }}, bedankt voor je aanvraag bij {{ brand_name }} "
            "({{ order_number }}). We nemen binnen 1 werkdag contact met je op.",
        ),
        (
            WHATSAPP,
            "",
            "Hallo {{ first_name }}, bedankt voor je aanvraag bij {{ brand_name }} "
            "({{ order_number }})! We nemen binnen één werkdag contact met je op. Stuur hier "
            "alvast een foto van je meterkast en van de plek voor de laadpaal.",
        ),
    ),
    "quote-sent": (
        (
            EMAIL,
            "Je offerte {{ quote_reference }} van {{ brand_name }}",
            """Hallo {{ first_name }},

Je offerte voor {{ job_title|lower|default:"de laadpaal" }} staat klaar: {{ quote_total }}.

Bekijk hem en ga akkoord wanneer het je uitkomt:
{{ quote_link }}

Vragen over een regel in de offerte? Beantwoord deze e-mail of bel ons gerust.

"""
            + SIGN_OFF,
        ),
        (
            SMS,
            "",
            "Hallo {{ first_name }}, je offerte van {{ brand_name }} staat klaar "
            "({{ quote_total }}). Bekijk en accepteer hem hier: {{ quote_link }}",
        ),
    ),
    "quote-follow-up": (
        (
            EMAIL,
            "Nog vragen over je offerte, {{ first_name }}?",
            """Hallo {{ first_name }},

Even een berichtje over de offerte die we je stuurden ({{ quote_reference }}). Is er iets \
onduidelijk, of wil je een ander type laadpaal of een andere planning? Dan passen we hem \
graag aan.

Akkoord geven kan online, wanneer je er klaar voor bent:
{{ quote_link }}

Geen haast; laat ons gewoon weten hoe je erover denkt.

"""
            + SIGN_OFF,
        ),
        (
            SMS,
            "",
            "Hallo {{ first_name }}, nog vragen over je offerte van {{ brand_name }}? "
            "Stuur gerust een berichtje. Online akkoord geven: {{ quote_link }}",
        ),
    ),
    "appointment-confirmation": (
        (
            EMAIL,
            "Je afspraak staat: " + WHEN,
            """Hallo {{ first_name }},

Alles staat klaar: we komen op """
            + WHEN
            + """.

Handig voor die dag:
- Zorg dat de meterkast en de plek van de laadpaal goed bereikbaar zijn.
- De stroom gaat ongeveer een half uur uit tijdens de aansluiting.
- Heb je een wifi-netwerk bij de oprit? Houd het wachtwoord bij de hand.

Past het tijdstip toch niet? Beantwoord dan deze e-mail.

"""
            + SIGN_OFF,
        ),
        (
            SMS,
            "",
            "Hallo {{ first_name }}, je afspraak met {{ brand_name }} staat op "
            + WHEN_SHORT
            + ". Wil je hem verzetten? Stuur ons een berichtje.",
        ),
    ),
    "appointment-reminder": (
        (
            EMAIL,
            "Herinnering: we komen " + WHEN,
            """Hallo {{ first_name }},

Een korte herinnering: {{ owner_name|default:"onze monteur" }} van {{ brand_name }} komt \
op """
            + WHEN
            + """.

Komt het toch niet uit? Beantwoord deze e-mail, dan zoeken we samen een ander moment.

"""
            + SIGN_OFF,
        ),
        (
            SMS,
            "",
            "Herinnering van {{ brand_name }}: we komen " + WHEN_SHORT + ". Verzetten? "
            "Stuur ons een berichtje.",
        ),
        (
            WHATSAPP,
            "",
            "Hallo {{ first_name }}, een herinnering van {{ brand_name }}: we komen " + WHEN + ". "
            "Komt het niet uit? Laat het ons hier weten.",
        ),
    ),
    "job-completed": (
        (
            EMAIL,
            "Je laadpaal is klaar. Bedankt!",
            """Hallo {{ first_name }},

Je laadpaal is geïnstalleerd en getest ({{ order_number }}). Bedankt dat je voor \
{{ brand_name }} hebt gekozen!

Een paar tips:
- De handleiding en het keuringsrapport vind je in je klantenportaal{% if portal_link %}: \
{{ portal_link }}{% endif %}.
- Laadt de auto niet? Kijk eerst of de groep in de meterkast aan staat en bel ons anders gerust.

Goede ritten gewenst,
"""
            + SIGN_OFF,
        ),
        (
            SMS,
            "",
            "Hallo {{ first_name }}, je laadpaal is klaar en getest. Bedankt voor je vertrouwen "
            "in {{ brand_name }}! Vragen? Stuur ons een berichtje.",
        ),
    ),
    "satisfaction-survey": (
        (
            EMAIL,
            "Hoe hebben we het gedaan, {{ first_name }}?",
            """Hallo {{ first_name }},

Het is ongeveer een week geleden dat we je laadpaal hebben opgeleverd. Hoe hebben we het gedaan?

Antwoord gewoon met een cijfer van 1 (niet tevreden) tot 5 (zou ons aan de buren aanraden), en \
alles wat je verder kwijt wilt. De eigenaar leest elk antwoord; zo worden we beter.

Bedankt,
{{ sender_name }}
""",
        ),
        (
            SMS,
            "",
            "{{ brand_name }}: hoe hebben we het gedaan, {{ first_name }}? Antwoord met 1-5 "
            "(5 = top). Antwoord STOP om je af te melden.",
        ),
    ),
    "review-request": (
        (
            EMAIL,
            "Heb je een minuutje voor {{ brand_name }}?",
            """Hallo {{ first_name }},

Hopelijk laadt je auto inmiddels zonder zorgen. Wil je anderen vertellen hoe het ging? Een \
korte review helpt ons enorm, en andere rijders kiezen zo makkelijker een installateur.

Alvast bedankt!

"""
            + SIGN_OFF
            + UNSUBSCRIBE_TEXT,
        ),
        (
            SMS,
            "",
            "Hallo {{ first_name }}, hoe bevalt je laadpaal? Een korte review van "
            "{{ brand_name }} helpt ons enorm. Bedankt! Antwoord STOP om je af te melden.",
        ),
    ),
    "on-hold": (
        (
            EMAIL,
            "Je klus {{ order_number }} staat voorlopig stil",
            """Hallo {{ first_name }},

Zoals besproken zetten we je {{ job_title|lower|default:"klus" }} ({{ order_number }}) voorlopig \
stil. Er gaat niets verloren: je offerte, foto's en notities blijven bewaard.

Wil je weer verder, of verandert er iets aan jouw kant (netbeheerder, vergunning, planning)? \
Beantwoord dan gewoon deze e-mail, dan pakken we het weer op.

"""
            + SIGN_OFF,
        ),
        (
            SMS,
            "",
            "Hallo {{ first_name }}, zoals besproken staat je klus {{ order_number }} voorlopig "
            "stil. Stuur ons hier een berichtje als je weer verder wilt.",
        ),
    ),
    "sorry-to-see-you-go": (
        (
            EMAIL,
            "Bedankt dat je {{ brand_name }} hebt overwogen",
            """Hallo {{ first_name }},

We begrijpen dat je niet met ons verder gaat\
{% if job_title %} voor de {{ job_title|lower }}{% endif %}, en dat is helemaal goed. Bedankt \
voor de tijd die je ons gaf.

Veranderen je plannen, of wil je later nog eens een second opinion? We zijn een telefoontje \
verwijderd. Je schouwnotities blijven bewaard, dus we hoeven niet opnieuw te beginnen.

Het beste,
"""
            + SIGN_OFF,
        ),
    ),
    "annual-check-up": (
        (
            EMAIL,
            "Tijd voor je gratis jaarlijkse controle van je laadpaal",
            """Hallo {{ first_name }},

Je laadpaal hangt nu ongeveer een jaar. We komen graag langs voor een gratis controle: we \
testen de aardlekbeveiliging, kijken de bekabeling en de stekker na en zetten de nieuwste \
software op de paal. Je krijgt foto's van wat we vinden.

Laat ons weten welke dagen je uitkomen, dan plannen we het in.

"""
            + SIGN_OFF
            + UNSUBSCRIBE_TEXT,
        ),
        (
            SMS,
            "",
            "Hallo {{ first_name }}, hier {{ brand_name }}. Je laadpaal hangt nu een jaar: zin in "
            "een gratis controle? Antwoord JA. Antwoord STOP om je af te melden.",
        ),
    ),
    "biweekly-update": (
        (
            EMAIL,
            "Stand van zaken {{ order_number }}: {{ stage_label }}",
            """Hallo {{ first_name }},

Even een update over je klus {{ order_number }}{% if job_title %} ({{ job_title }}){% endif %}: \
{{ stage_label }}.
{% if recent_updates %}
Wat er sinds de vorige keer gebeurd is:
{% for update in recent_updates %}- {{ update }}
{% endfor %}{% endif %}{% if next_step %}
Volgende stap: {{ next_step }}.
{% endif %}{% if portal_link %}
Alles lees je ook in je klantenportaal: {{ portal_link }}
{% endif %}
"""
            + SIGN_OFF,
        ),
        (
            SMS,
            "",
            "{{ brand_name }}: update over {{ order_number }}: {{ stage_label }}."
            "{% if next_step %} Volgende stap: {{ next_step }}.{% endif %}"
            "{% if portal_link %} Details: {{ portal_link }}{% endif %}",
        ),
        (
            WHATSAPP,
            "",
            """Hallo {{ first_name }}, een update over je klus {{ order_number }}: \
{{ stage_label }}.{% if next_step %}

Volgende stap: {{ next_step }}.{% endif %}

{% if portal_link %}Volg alles in je portaal: {{ portal_link }}{% endif %}""",
        ),
    ),
}


# The templates' names and descriptions for the Dutch demo (an EV-charger installer).
DUTCH_NAMES = {
    "new-lead-ack": ("Bevestiging nieuwe aanvraag", "Direct na een nieuwe aanvraag."),
    "quote-sent": ("Offerte verstuurd", "Bij de offerte: de link om hem te lezen, te accepteren of af te wijzen."),
    "quote-follow-up": ("Offerte opvolgen", "Een vriendelijke herinnering een paar dagen na de offerte."),
    "appointment-confirmation": ("Afspraakbevestiging", "Bevestigt een geplande schouw of installatie."),
    "appointment-reminder": ("Afspraakherinnering", "De dag voor het bezoek."),
    "job-completed": ("Bedankt na de installatie", "Als de laadpaal werkt en alles is opgeruimd."),
    "satisfaction-survey": ("Tevredenheidsvraag", "Een week na de installatie: hoe hebben we het gedaan?"),
    "review-request": ("Reviewverzoek", "Voor tevreden klanten: een review helpt de volgende laadpaalkoper."),
    "on-hold": ("Melding: project gepauzeerd", "Als een installatie wacht (op de netbeheerder, de VvE of de klant)."),
    "sorry-to-see-you-go": ("Jammer dat je afziet", "Als een klant besluit niet door te gaan."),
    "annual-check-up": ("Jaarlijkse controle", "Een jaar na de installatie: een gratis controle van de laadpaal."),
    "biweekly-update": ("Tweewekelijkse update", "Elke twee weken zolang de installatie loopt: waar we staan en wat er komt."),
}  # fmt: skip
