"""crm's part of the demo (run by `manage.py seed_demo`, the demo app): the two tenants, their
teams and brands, and their contacts with consent and properties. Safe to run again: it adds only
what is missing."""

import io
from dataclasses import dataclass

import phonenumbers
from django.utils.translation import gettext_noop
from PIL import Image, ImageDraw

from crm.models import (
    Brand,
    Channel,
    ConsentStatus,
    ContactEmail,
    Expertise,
    Language,
    Membership,
    Notification,
    PropertyRole,
    PropertyType,
    Role,
    Tenant,
    User,
)
from crm.services.consent import consent_record
from crm.services.contacts import contact_create
from crm.services.notifications import notification_create
from crm.services.properties import property_create, property_link_contact
from crm.services.workspace import brand_save

REP_EMAIL = "rep@demo.test"
DEMO_PASSWORD = "threadline-demo"  # noqa: S105  (documented demo login, never a real account)

FLORIDA_WEEK = {
    "mon": [["07:30", "17:30"]],
    "tue": [["07:30", "17:30"]],
    "wed": [["07:30", "17:30"]],
    "thu": [["07:30", "17:30"]],
    "fri": [["07:30", "16:00"]],
    "sat": [["08:00", "12:00"]],
    "sun": [],
}
DUTCH_WEEK = {
    "mon": [["08:30", "17:00"]],
    "tue": [["08:30", "17:00"]],
    "wed": [["08:30", "17:00"]],
    "thu": [["08:30", "17:00"]],
    "fri": [["08:30", "17:00"]],
    "sat": [],
    "sun": [],
}


@dataclass(frozen=True)
class DemoContact:
    first_name: str
    last_name: str
    email: str
    phone: str
    address: tuple[str, str, str, str]  # street, city, state/province, postal code
    channel: str = Channel.EMAIL
    language: str = Language.ENGLISH
    company: str = ""
    brand_slug: str = ""
    extra_addresses: tuple = ()


FLORIDA_CONTACTS = [
    DemoContact(
        "Maria",
        "Gonzalez",
        "maria.gonzalez@example.com",
        "+13055550101",
        ("1420 SW 22nd Terrace", "Miami", "FL", "33145"),
        Channel.SMS,
        Language.SPANISH,
    ),
    DemoContact(
        "James",
        "Whitfield",
        "jwhitfield@example.net",
        "+18135550102",
        ("508 S Hyde Park Ave", "Tampa", "FL", "33606"),
    ),
    DemoContact(
        "Denise",
        "Carter",
        "denise.carter@example.org",
        "+14075550103",
        ("2731 Edgewater Dr", "Orlando", "FL", "32804"),
        Channel.SMS,
    ),
    DemoContact(
        "Robert",
        "Nguyen",
        "rob.nguyen@example.com",
        "+19545550104",
        ("811 SE 7th St", "Fort Lauderdale", "FL", "33301"),
    ),
    DemoContact(
        "Patricia",
        "Olsen",
        "pat.olsen@example.com",
        "+17275550105",
        ("4450 Gulf Blvd", "St. Pete Beach", "FL", "33706"),
    ),
    DemoContact(
        "Luis",
        "Herrera",
        "luis.herrera@example.com",
        "+13055550106",
        ("9301 SW 56th St", "Miami", "FL", "33165"),
        Channel.WHATSAPP,
        Language.SPANISH,
    ),
    DemoContact(
        "Angela",
        "Brooks",
        "abrooks@example.net",
        "+19045550107",
        ("1650 Riverside Ave", "Jacksonville", "FL", "32204"),
    ),
    DemoContact(
        "Thomas",
        "Reilly",
        "tom.reilly@example.com",
        "+12395550108",
        ("3980 Gulf Shore Blvd N", "Naples", "FL", "34103"),
    ),
    DemoContact(
        "Karen",
        "Mitchell",
        "karen@sunbeltproperties.example",
        "+13055550109",
        ("200 S Biscayne Blvd, Suite 1400", "Miami", "FL", "33131"),
        company="Sunbelt Property Management",
        extra_addresses=(
            ("1100 Brickell Bay Dr", "Miami", "FL", "33131"),
            ("7500 NW 25th St", "Doral", "FL", "33122"),
            ("3250 Grand Ave", "Coconut Grove", "FL", "33133"),
        ),
    ),
    DemoContact(
        "Samuel",
        "Okafor",
        "samuel.okafor@example.com",
        "+14075550110",
        ("1207 Lake Baldwin Ln", "Orlando", "FL", "32814"),
    ),
    DemoContact(
        "Emily",
        "Vasquez",
        "emily.vasquez@example.org",
        "+18135550111",
        ("6102 N Central Ave", "Tampa", "FL", "33604"),
        Channel.SMS,
    ),
    DemoContact(
        "Frank",
        "DeLuca",
        "frank@delucaplumbing.example",
        "+15615550112",
        ("330 Clematis St", "West Palm Beach", "FL", "33401"),
        company="DeLuca Plumbing & Supply",
    ),
    DemoContact(
        "Grace",
        "Thompson",
        "grace.thompson@example.com",
        "+13525550113",
        ("1520 NW 13th St", "Gainesville", "FL", "32601"),
    ),
    DemoContact(
        "Hector",
        "Alvarez",
        "hector.alvarez@example.net",
        "+17865550114",
        ("15420 SW 136th St", "Miami", "FL", "33196"),
        Channel.WHATSAPP,
        Language.SPANISH,
    ),
    DemoContact(
        "Diane",
        "Foster",
        "diane.foster@example.com",
        "+18505550115",
        ("2314 Centerville Rd", "Tallahassee", "FL", "32308"),
    ),
    DemoContact(
        "Walter",
        "Price",
        "walter.price@example.org",
        "+19125550116",
        ("14 E Jones St", "Savannah", "GA", "31401"),
    ),
]

CHARGECARS_CONTACTS = [
    DemoContact("Sanne", "de Vries", "sanne.devries@example.nl", "+31612345601",
                ("Prinsengracht 263", "Amsterdam", "NH", "1016 GV"), Channel.WHATSAPP,
                Language.DUTCH, brand_slug="chargecars"),
    DemoContact("Daan", "Jansen", "daan.jansen@example.nl", "+31612345602",
                ("Oudegracht 158", "Utrecht", "UT", "3511 AZ"), Channel.EMAIL,
                Language.DUTCH, brand_slug="chargecars"),
    DemoContact("Emma", "Bakker", "emma.bakker@example.nl", "+31612345603",
                ("Witte de Withstraat 50", "Rotterdam", "ZH", "3012 BR"), Channel.SMS,
                Language.DUTCH, brand_slug="laderthuis"),
    DemoContact("Lucas", "Visser", "lucas@visserlogistiek.example", "+31612345604",
                ("Industrieweg 12", "Eindhoven", "NB", "5627 BR"), Channel.EMAIL,
                Language.DUTCH, company="Visser Logistiek B.V.", brand_slug="chargecars"),
    DemoContact("Julia", "Smit", "julia.smit@example.nl", "+31612345605",
                ("Grote Markt 21", "Groningen", "GR", "9711 LV"), Channel.WHATSAPP,
                Language.DUTCH, brand_slug="laderthuis"),
    DemoContact("Noah", "Meijer", "noah.meijer@example.com", "+31612345606",
                ("Laan van Meerdervoort 340", "Den Haag", "ZH", "2563 AE"), Channel.EMAIL,
                Language.ENGLISH, brand_slug="laderthuis"),
]  # fmt: skip


def florida_first_roofing_tenant() -> Tenant:
    return _tenant(
        "demo",
        name="Florida First Roofing",
        time_zone="America/New_York",
        currency="USD",
        country="US",
        home_state="FL",
        business_hours=FLORIDA_WEEK,
    )


def seed_florida_first_roofing(tenant: Tenant) -> None:
    """The roofer's team, its brand and its contacts (inside the tenant's context)."""
    admin = _member(tenant, "admin@demo.test", "Alicia Moreno", Role.ADMIN, title="Owner")
    _member(tenant, "manager@demo.test", "Marcus Bell", Role.MANAGER, title="Sales manager")
    _member(
        tenant,
        REP_EMAIL,
        "Rosa Delgado",
        Role.REP,
        title="Residential sales rep",
        expertise=Expertise.RESIDENTIAL,
        territories=["Miami", "Fort Lauderdale", "330", "331", "333"],
        capacity=40,
        weekly_availability=FLORIDA_WEEK,
    )
    _member(tenant, "rep2@demo.test", "Tyler Brooks", Role.REP,
            title="Commercial sales rep", expertise=Expertise.COMMERCIAL,
            territories=["Tampa", "Orlando", "336", "337", "328"], capacity=25,
            weekly_availability=FLORIDA_WEEK)  # fmt: skip
    brand = _brand(
        tenant,
        admin,
        "florida-first",
        name="Florida First Roofing",
        sender_name="Florida First Roofing",
        sender_email="hello@floridafirstroofing.example",
        reply_to_email="office@floridafirstroofing.example",
        sms_number="+13055550100",
        website="https://floridafirstroofing.example",
        is_default=True,
        logo=_logo((190, 60, 30), (240, 150, 40)),
    )
    _contacts(tenant, FLORIDA_CONTACTS, {"": brand}, "US")


def seed_welcome_notification(tenant: Tenant) -> None:
    """The roofer's rep finds one notification in the bell."""
    rep = User.objects.get(email=REP_EMAIL)
    if not Notification.objects.filter(tenant=tenant, recipient=rep).exists():
        notification_create(
            tenant=tenant,
            recipient=rep,
            title=gettext_noop("Welcome to Threadline"),
            title_params={},
            body=gettext_noop("Your contacts and their properties are under Contacts."),
            body_params={},
            url="/contacts/",
        )


def chargecars_tenant() -> Tenant:
    return _tenant(
        "chargecars",
        name="ChargeCars",
        time_zone="Europe/Amsterdam",
        currency="EUR",
        country="NL",
        home_state="",
        business_hours=DUTCH_WEEK,
        language=Language.DUTCH,
    )


def seed_chargecars(tenant: Tenant) -> None:
    """The charger installer's team, its two brands and its contacts (inside its context)."""
    admin = _member(tenant, "admin@chargecars.test", "Pieter van Dijk", Role.ADMIN,
                    title="Operations lead")  # fmt: skip
    # One person in two tenants, to show the tenant switcher. She reads English in both (her own
    # language); the Dutch team reads their team's, Dutch.
    _member(tenant, "admin@demo.test", "Alicia Moreno", Role.MANAGER,
            title="Advisor")  # fmt: skip
    User.objects.filter(email="admin@demo.test", language="").update(language=Language.ENGLISH)
    brands = {
        "chargecars": _brand(
            tenant, admin, "chargecars", name="ChargeCars", sender_name="ChargeCars",
            sender_email="service@chargecars.example", sms_number="+31201234567",
            website="https://chargecars.example", is_default=True,
            logo=_logo((20, 60, 140), (40, 170, 90)),
        ),
        "laderthuis": _brand(
            tenant, admin, "laderthuis", name="LaderThuis", sender_name="LaderThuis",
            sender_email="info@laderthuis.example", sms_number="+31201234568",
            website="https://laderthuis.example",
            logo=_logo((90, 40, 130), (230, 180, 30)),
        ),
    }  # fmt: skip
    _member(tenant, "rep@chargecars.test", "Sanne Visser", Role.REP,
            title="Installatieadviseur", weekly_availability=DUTCH_WEEK)  # fmt: skip
    _contacts(tenant, CHARGECARS_CONTACTS, brands, "NL")


def _tenant(slug: str, **defaults) -> Tenant:
    tenant, _ = Tenant.objects.get_or_create(slug=slug, defaults=defaults)
    return tenant


def _member(tenant, email, full_name, role, **profile) -> Membership:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD, full_name=full_name)
    membership, _ = Membership.objects.get_or_create(
        tenant=tenant, user=user, defaults={"role": role, **profile}
    )
    return membership


def _logo(roof: tuple[int, int, int], base: tuple[int, int, int]) -> bytes:
    """A small wordless mark for a demo brand: a roof over a bar, in the brand's two colours."""
    image = Image.new("RGBA", (96, 64), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.polygon([(6, 36), (48, 4), (90, 36)], fill=(*roof, 255))
    draw.rectangle([(18, 40), (78, 58)], fill=(*base, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _brand(tenant, admin, slug, **values) -> Brand:
    brand = Brand.objects.filter(tenant=tenant, slug=slug).first()
    return brand or brand_save(tenant=tenant, actor=admin.user, slug=slug, **values)


def _contacts(tenant, people: list[DemoContact], brands: dict, region: str) -> None:
    for person in people:
        if ContactEmail.objects.filter(tenant=tenant, email=person.email).exists():
            continue
        contact = contact_create(
            tenant=tenant,
            actor=None,
            first_name=person.first_name,
            last_name=person.last_name,
            company_name=person.company,
            emails=[person.email],
            phones=[phonenumbers.parse(person.phone, region)],
            preferred_channel=person.channel,
            language=person.language,
            brand=brands.get(person.brand_slug),
            source="demo import",
        )
        consent_record(
            tenant=tenant,
            contact=contact,
            channel=person.channel,
            status=ConsentStatus.GRANTED,
            source="web form",
        )
        country = "NL" if region == "NL" else "US"
        for index, (street, city, state, postal) in enumerate(
            (person.address, *person.extra_addresses)
        ):
            place = property_create(
                tenant=tenant,
                actor=None,
                address_line1=street,
                city=city,
                state=state,
                postal_code=postal,
                country=country,
                property_type=(
                    PropertyType.COMMERCIAL if person.company else PropertyType.RESIDENTIAL
                ),
            )
            role = PropertyRole.MANAGER if person.company and index else PropertyRole.OWNER
            property_link_contact(
                tenant=tenant, actor=None, place=place, contact=contact, role=role
            )
