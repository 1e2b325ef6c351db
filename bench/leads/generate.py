"""Fill a tenant with a realistic volume of leads for the lead-list and dashboard benchmarks.

    python bench/leads/generate.py --leads 1000000 --tenant bench-big
    python bench/leads/generate.py --leads 50000 --tenant bench-small

Run it through `scripts/devenv.py run --` so DATABASE_URL / REDIS_URL and the app role are set up
(see bench/README.md). The small set-up (tenant, team, brand, pipelines from the templates, lead
sources) goes through the ORM and the services as the app role, inside the tenant's context. The
volume (contacts with an email and a phone, properties, leads with their search document and
priority score, and every lead's stage-visit history) is written with set-based SQL on the owner
connection, in one transaction: a failed run leaves no half-written leads behind.

The owner owns the tables, so row-level security does not filter its writes (the tables are not
FORCE ROW LEVEL SECURITY); the run ends by reading the rows back as the app role inside
tenant_context, which is what a request sees.
"""

import argparse
import functools
import os
import random
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

BENCH_PASSWORD = "threadline-bench"  # noqa: S105  (documented login of generated bench users)
SEED = 0.42


def words(text: str) -> list[str]:
    return text.split()


# Leads per pipeline template, in order; the share of leads each pipeline gets.
PIPELINES = [("residential-roofing", 0.55), ("insurance-claim", 0.25), ("commercial-roofing", 0.20)]

# name, default cost, priority points, share of leads (the rest have no source)
SOURCES = [
    ("Google Ads", "85.00", 10, 0.22),
    ("Website form", "15.00", 5, 0.18),
    ("Facebook Ads", "45.00", 0, 0.15),
    ("Referral", "0.00", 20, 0.12),
    ("HomeAdvisor", "60.00", -5, 0.10),
    ("Angi", "55.00", -5, 0.08),
    ("Door knocking", "25.00", 0, 0.07),
    ("Yard signs", "10.00", 5, 0.05),
]

TEAM = [
    ("admin", "Morgan Ellis", "admin", "both"),
    ("manager1", "Dana Whitaker", "manager", "both"),
    ("manager2", "Chris Alvarez", "manager", "both"),
    *[(f"rep{i:02d}", name, "rep", "residential") for i, name in enumerate(
        ["Avery Brooks", "Jordan Price", "Taylor Nguyen", "Riley Patel", "Casey Morgan",
         "Jamie Foster", "Quinn Ramirez", "Drew Sullivan", "Skyler Hayes"], start=1)],
    *[(f"rep{i:02d}", name, "rep", "commercial") for i, name in enumerate(
        ["Parker Lowe", "Reese Coleman", "Emerson Shaw"], start=10)],
]  # fmt: skip

FIRST_NAMES = words("""james mary robert patricia john jennifer michael linda david elizabeth william
barbara richard susan joseph jessica thomas sarah charles karen christopher lisa daniel nancy
matthew betty anthony margaret mark sandra donald ashley steven kimberly paul emily andrew donna
joshua michelle kenneth carol kevin amanda brian dorothy george melissa timothy deborah ronald
stephanie edward rebecca jason sharon jeffrey laura ryan cynthia jacob kathleen gary amy nicholas
angela eric shirley jonathan anna stephen brenda larry pamela justin emma scott nicole brandon
helen benjamin samantha samuel katherine gregory christine alexander debra frank rachel patrick
carolyn raymond janet jack catherine dennis maria jerry heather tyler diane aaron ruth jose julie
adam olivia nathan joyce henry virginia douglas victoria zachary kelly peter lauren kyle christina
ethan joan walter evelyn noah judith jeremy megan christian andrea keith cheryl roger hannah terry
jacqueline gerald martha harold gloria sean teresa austin ann carl sara arthur madison lawrence
frances dylan kathryn jesse janice jordan jean bryan abigail billy alice joe judy bruce sophia
gabriel grace logan denise albert amber willie doris alan marilyn juan danielle wayne beverly
elijah isabella randy theresa roy diana vincent natalie ralph brittany eugene charlotte russell
marie bobby kayla mason alexis philip lori luis camila carlos lucia miguel valentina""")

LAST_NAMES = words("""smith johnson williams brown jones garcia miller davis rodriguez martinez
hernandez lopez gonzalez wilson anderson thomas taylor moore jackson martin lee perez thompson
white harris sanchez clark ramirez lewis robinson walker young allen king wright scott torres
nguyen hill flores green adams nelson baker hall rivera campbell mitchell carter roberts gomez
phillips evans turner diaz parker cruz edwards collins reyes stewart morris morales murphy cook
rogers gutierrez ortiz morgan cooper peterson bailey reed kelly howard ramos kim cox ward
richardson watson brooks chavez wood james bennett gray mendoza ruiz hughes price alvarez castillo
sanders patel myers long ross foster jimenez powell jenkins perry russell sullivan bell coleman
butler henderson barnes gonzales fisher vasquez simmons romero jordan patterson alexander hamilton
graham reynolds griffin wallace moreno west cole hayes bryant herrera gibson ellis tran medina
aguilar stevens murray ford castro marshall owens harrison fernandez mcdonald woods washington
kennedy wells vargas henry chen freeman webb tucker guzman burns crawford olson simpson porter
hunter gordon mendez silva shaw snyder mason dixon munoz hunt hicks holmes palmer wagner black
robertson boyd rose stone salazar fox warren mills meyer rice schmidt garza daniels ferguson
nichols stephens soto weaver ryan gardner payne grant dunn kelley spencer hawkins arnold pierce
vazquez hansen peters santos hart bradley knight elliott cunningham duncan armstrong hudson
carroll lane riley andrews alvarado ray delgado berry perkins hoffman johnston matthews pena
richards contreras willis carpenter lawrence sandoval""")

COMPANY_SUFFIXES = ["Properties", "Holdings", "Property Management", "Realty", "Plaza LLC",
                    "Storage", "Logistics", "Medical Center", "Church", "Apartments"]  # fmt: skip

STREETS = words("""Oak Maple Pine Cedar Palm Elm Magnolia Cypress Bay Lake Park Ocean Gulf Coral
Sunset Harbor River Hillcrest Orange Lemon Mango Banyan Flamingo Pelican Heron Osprey Dolphin
Seagrape Hibiscus Jasmine Orchid Willow Birch Laurel Poinciana Biscayne Atlantic Riverside
Sandpiper Tarpon Manatee""")
STREET_SUFFIXES = ["St", "Ave", "Dr", "Blvd", "Ln", "Ct", "Terrace", "Way", "Rd", "Pl", "Cir"]

# city, state, postal-code prefix, area code
CITIES = [
    ("Miami", "FL", "331", "305"), ("Miami", "FL", "331", "786"), ("Hialeah", "FL", "330", "305"),
    ("Fort Lauderdale", "FL", "333", "954"), ("Hollywood", "FL", "330", "954"),
    ("West Palm Beach", "FL", "334", "561"), ("Boca Raton", "FL", "334", "561"),
    ("Orlando", "FL", "328", "407"), ("Kissimmee", "FL", "347", "407"),
    ("Melbourne", "FL", "329", "321"), ("Tampa", "FL", "336", "813"), ("Brandon", "FL", "335", "813"),
    ("St. Petersburg", "FL", "337", "727"), ("Clearwater", "FL", "337", "727"),
    ("Sarasota", "FL", "342", "941"), ("Fort Myers", "FL", "339", "239"), ("Naples", "FL", "341", "239"),
    ("Jacksonville", "FL", "322", "904"), ("Tallahassee", "FL", "323", "850"),
    ("Pensacola", "FL", "325", "850"), ("Gainesville", "FL", "326", "352"),
    ("Ocala", "FL", "344", "352"), ("Lakeland", "FL", "338", "863"),
    ("Port St. Lucie", "FL", "349", "772"), ("Daytona Beach", "FL", "321", "386"),
]  # fmt: skip
OUT_OF_STATE_CITIES = [
    ("Savannah", "GA", "314", "912"), ("Valdosta", "GA", "316", "229"),
    ("Mobile", "AL", "366", "251"), ("Dothan", "AL", "363", "334"),
    ("Charleston", "SC", "294", "843"),
]  # fmt: skip

EMAIL_DOMAINS = [("gmail.com", 35), ("yahoo.com", 14), ("outlook.com", 10), ("hotmail.com", 8),
                 ("icloud.com", 8), ("aol.com", 4), ("comcast.net", 5), ("att.net", 4),
                 ("bellsouth.net", 4), ("proton.me", 2), ("msn.com", 2),
                 ("example.org", 4)]  # fmt: skip

TITLES = {
    "residential-roofing": ["Roof replacement", "Leak repair", "Shingle repair", "Roof inspection",
                            "Gutter replacement", "Tile roof repair", "Metal roof quote",
                            "Skylight leak", "Flat roof section", "Soffit and fascia"],
    "insurance-claim": ["Hurricane damage", "Hail damage claim", "Wind damage", "Storm leak",
                        "Fallen tree damage", "Water intrusion claim", "Missing shingles after storm"],
    "commercial-roofing": ["Flat roof coating", "TPO replacement", "Warehouse re-roof",
                           "Annual maintenance contract", "Roof drain repair", "HVAC curb leak",
                           "Modified bitumen repair", "Multi-building survey"],
}  # fmt: skip

LOST_REASONS = [("price", 0.25), ("no_response", 0.30), ("competitor", 0.20),
                ("too_far_out", 0.08), ("out_of_area", 0.07), ("not_our_work", 0.06),
                ("other", 0.04)]  # fmt: skip

# Tables that get the volume, and the sequence of each whose ids the plan hands out in advance.
BULK_TABLES = ["crm_contact", "crm_contactemail", "crm_contactphone", "crm_property",
               "crm_propertycontact", "leads_lead", "leads_stagevisit"]  # fmt: skip


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=1_000_000, help="how many leads (1,000,000)")
    parser.add_argument("--tenant", default="bench-big", help="tenant slug (bench-big)")
    parser.add_argument("--name", default="", help="tenant name (from the slug)")
    parser.add_argument(
        "--reset", action="store_true", help="delete the tenant and its bench users first"
    )
    parser.add_argument("--database-url", help="owner URL of the bench database (DATABASE_URL)")
    parser.add_argument("--seed", type=float, default=SEED, help="random seed in [-1, 1]")
    return parser.parse_args()


def setup_django(database_url: str | None) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


class Clock:
    """Prints each step with its duration, and the total at the end."""

    def __init__(self):
        self.started = time.perf_counter()

    @contextmanager
    def step(self, label: str):
        start = time.perf_counter()
        print(f"  {label} …", end="", flush=True)
        yield
        print(f" {time.perf_counter() - start:.1f} s", flush=True)

    def total(self) -> float:
        return time.perf_counter() - self.started


def member_email(slug: str, handle: str) -> str:
    return f"{handle}@{slug}.bench.test"


# --- Reset --------------------------------------------------------------------------------------


def reset_tenant(slug: str, clock: Clock) -> None:
    """Delete the tenant, every row it owns (audit events included) and its bench users."""
    from django.apps import apps
    from django.db import connections, models, transaction

    from crm.models import Tenant

    tenant = Tenant.objects.filter(slug=slug).first()
    owner = connections["owner"]
    with transaction.atomic(using="owner"), owner.cursor() as cursor:
        quiet_triggers(cursor)
        if tenant is not None:
            cursor.execute(
                "SELECT table_name FROM information_schema.columns "
                "WHERE table_schema = 'public' AND column_name = 'tenant_id'"
            )
            tables = [row[0] for row in cursor.fetchall()]
            with clock.step(f"deleting tenant {slug} from {len(tables)} tables"):
                for model in apps.get_models(include_auto_created=True):
                    # Many-to-many tables have no tenant column: go through their owning side.
                    if not model._meta.auto_created:
                        continue
                    source = model._meta.auto_created
                    column = next(
                        f.column
                        for f in model._meta.fields
                        if f.is_relation and f.related_model is source
                    )
                    if "tenant_id" in {f.column for f in source._meta.fields}:
                        # Table and column names come from model metadata; the tenant is a parameter.
                        cursor.execute(
                            f"DELETE FROM {model._meta.db_table} WHERE {column} IN "  # noqa: S608  # nosec B608
                            f"(SELECT id FROM {source._meta.db_table} WHERE tenant_id = %s)",
                            [tenant.pk],
                        )
                for table in tables:
                    # A quoted table name from model metadata; the tenant is a parameter.
                    cursor.execute(
                        f"DELETE FROM {owner.ops.quote_name(table)} WHERE tenant_id = %s",  # noqa: S608  # nosec B608
                        [tenant.pk],
                    )
                # Platform rows that name the tenant otherwise (an inbound domain's claim): the
                # triggers are quiet, so nothing cascades, and a claim left behind refused the
                # next run's tenant its own address.
                for model in apps.get_models():
                    for field in model._meta.fields:
                        if (
                            field.is_relation
                            and field.related_model is Tenant
                            and field.column != "tenant_id"
                            and field.remote_field.on_delete is models.CASCADE
                        ):
                            cursor.execute(
                                f"DELETE FROM {model._meta.db_table} WHERE {field.column} = %s",  # noqa: S608  # nosec B608
                                [tenant.pk],
                            )
                cursor.execute("DELETE FROM crm_tenant WHERE id = %s", [tenant.pk])
        cursor.execute(
            "DELETE FROM crm_user WHERE email LIKE %s", [f"%@{slug}.bench.test".replace("_", r"\_")]
        )


def quiet_triggers(cursor) -> str:
    """Skip the audit-trail triggers for the bulk rows (a million history rows would only slow
    the run); a superuser owner also skips the foreign-key checks, which hold by construction."""
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    if cursor.fetchone()[0]:
        cursor.execute("SET LOCAL session_replication_role = replica")
        mode = "triggers and foreign-key checks off (superuser owner)"
    else:
        mode = "audit triggers off, foreign keys checked"
    cursor.execute(
        "SELECT coalesce(string_agg(DISTINCT tgname, ','), '') FROM pg_trigger "
        "WHERE NOT tgisinternal AND tgname LIKE 'pgtrigger%'"
    )
    names = cursor.fetchone()[0]
    cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", ["{" + names + "}"])
    return mode


# --- The small set-up, through the services -----------------------------------------------------


@functools.cache
def bench_password_hash() -> str:
    from django.contrib.auth.hashers import make_password

    return make_password(BENCH_PASSWORD)


def create_tenant(slug: str, name: str):
    """Tenant, team, default brand, the three pipelines and the lead sources, as the app does."""
    from decimal import Decimal

    from django.db import transaction

    from crm.models import Membership, Tenant, User
    from crm.services.workspace import brand_save
    from crm.tenancy import tenant_context
    from leads.models import LeadSource
    from leads.pipeline_templates import TEMPLATES
    from leads.services.configuration import pipeline_create_from_template

    with transaction.atomic():
        tenant = Tenant.objects.create(
            slug=slug,
            name=name,
            time_zone="America/New_York",
            currency="USD",
            country="US",
            home_state="FL",
        )
        with tenant_context(tenant):
            members = {}
            for handle, full_name, role, expertise in TEAM:
                user = User.objects.create_user(
                    email=member_email(slug, handle), password=None, full_name=full_name
                )
                members[handle] = Membership.objects.create(
                    tenant=tenant, user=user, role=role, expertise=expertise
                )
            # One argon2 hash for the whole team: hashing is slow on purpose (half a second each).
            User.objects.filter(pk__in=[m.user_id for m in members.values()]).update(
                password=bench_password_hash()
            )
            admin = members["admin"].user
            brand_save(
                tenant=tenant,
                actor=admin,
                name=name,
                slug="main",
                sender_name=name,
                sender_email=f"hello@{slug}.bench.test",
                is_default=True,
            )
            for key, _share in PIPELINES:
                pipeline_create_from_template(tenant=tenant, actor=admin, template=TEMPLATES[key])
            for source_name, cost, points, _share in SOURCES:
                LeadSource.objects.create(
                    tenant=tenant,
                    name=source_name,
                    default_cost=Decimal(cost),
                    priority_points=points,
                )
    return tenant


# --- The volume, in SQL -------------------------------------------------------------------------


def stage_rows(tenant, now) -> list[tuple]:
    """Per stage: pipeline index, order along the path, kind, and its aging cutoffs at `now`."""
    from crm.tenancy import tenant_context
    from leads.aging import StageCutoffs
    from leads.models import Pipeline, Stage

    rows = []
    with tenant_context(tenant):
        pipelines = {p.pk: p for p in Pipeline.objects.filter(tenant=tenant)}
        order = {pk: index for index, pk in enumerate(sorted(pipelines, key=lambda pk: pk))}
        path_position: dict[int, int] = {}
        won_seen: set[int] = set()
        for stage in Stage.objects.filter(tenant=tenant).order_by("pipeline_id", "position", "id"):
            if stage.is_lost:
                kind, position = "lost", None
            else:
                if stage.is_won:
                    won_seen.add(stage.pipeline_id)
                kind = "won" if stage.pipeline_id in won_seen else "open"
                position = path_position.get(stage.pipeline_id, 0)
                path_position[stage.pipeline_id] = position + 1
            cut = StageCutoffs.for_stage(tenant, stage, now)
            rows.append(
                (
                    order[stage.pipeline_id],
                    stage.pipeline_id,
                    stage.pk,
                    position,
                    kind,
                    stage.is_terminal,
                    cut.orange,
                    cut.red,
                )
            )
    return rows


PLAN_SQL = """
CREATE TEMP TABLE bench_base AS
SELECT n,
       -- three years of leads, growing: the density rises linearly from 1/3 to 1 of today's
       %(now)s::timestamptz - interval '1095 days' * (1.5 - sqrt(0.25 + 2 * random())) AS created_at,
       random() AS u_status, random() AS u_pipeline, random() AS u_owner, random() AS u_source,
       random() AS u_stage, random() AS u_time, random() AS u_time2, random() AS u_touch,
       random() AS u_value, random() AS u_value2, random() AS u_place, random() AS u_misc,
       random() AS u_type, random() AS u_reason, random() AS u_follow, random() AS u_first,
       random() AS u_last, random() AS u_company, random() AS u_email, random() AS u_domain,
       random() AS u_channel, random() AS u_city, random() AS u_street, random() AS u_phone,
       random() AS u_title, random() AS u_cost
FROM generate_series(1, %(leads)s) AS n;

CREATE TEMP TABLE bench_plan AS
WITH ordered AS (
    SELECT b.*,
           CASE WHEN b.u_pipeline < %(share0)s THEN 0
                WHEN b.u_pipeline < %(share1)s THEN 1 ELSE 2 END AS pipeline_index,
           %(now)s::timestamptz - b.created_at AS age
    FROM bench_base b ORDER BY b.created_at, b.n
), numbered AS (
    SELECT o.*,
           nextval(pg_get_serial_sequence('leads_lead', 'id')) AS lead_id,
           nextval(pg_get_serial_sequence('crm_contact', 'id')) AS contact_id,
           %(first_number)s + row_number() OVER (ORDER BY o.created_at, o.n) AS number,
           CASE WHEN o.age < interval '14 days' THEN
                    CASE WHEN o.u_status < 0.85 THEN 'open' WHEN o.u_status < 0.90 THEN 'won'
                         ELSE 'lost' END
                WHEN o.age < interval '90 days' THEN
                    CASE WHEN o.u_status < 0.45 THEN 'open' WHEN o.u_status < 0.70 THEN 'won'
                         ELSE 'lost' END
                ELSE CASE WHEN o.u_status < 0.12 THEN 'open' WHEN o.u_status < 0.56 THEN 'won'
                          ELSE 'lost' END
           END AS status
    FROM ordered o
), staged AS (
    SELECT nb.*, p.pipeline_id, p.template, p.lead_type AS pipeline_type, p.lost_stage_id,
           CASE nb.status
               WHEN 'open' THEN floor(p.open_stages * power(nb.u_stage, 1.3))::int
               WHEN 'won' THEN
                   CASE WHEN nb.age > interval '180 days' AND nb.u_stage < 0.9
                        THEN p.open_stages + p.won_stages - 1
                        ELSE p.open_stages + floor(p.won_stages * nb.u_stage)::int END
               ELSE floor(p.open_stages * nb.u_stage)::int
           END AS path_position
    FROM numbered nb JOIN bench_pipeline p ON p.pipeline_index = nb.pipeline_index
)
SELECT s.*,
       CASE WHEN s.u_place < (CASE WHEN s.pipeline_type = 'commercial' THEN 0.95 ELSE 0.75 END)
            THEN nextval(pg_get_serial_sequence('crm_property', 'id')) END AS property_id,
       CASE WHEN s.pipeline_type = 'residential' AND s.u_type < 0.03 THEN 'commercial'
            ELSE s.pipeline_type END AS lead_type
FROM staged s ORDER BY s.lead_id;

CREATE TEMP TABLE bench_lead AS
WITH timed AS (
    SELECT p.*,
           CASE WHEN p.status = 'open' AND p.path_position = 0 THEN NULL
                WHEN p.status = 'lost' AND p.path_position = 0 AND p.u_touch < 0.5 THEN NULL
                ELSE least(p.created_at + interval '1 minute' * (2 + 2880 * power(p.u_touch, 4)),
                           %(now)s::timestamptz)
           END AS first_touch_at,
           CASE WHEN p.status = 'won'
                THEN p.created_at + least(p.age * 0.8, interval '1 day' * (2 + 45 * p.u_time))
           END AS won_at
    FROM bench_plan p
), entered AS (
    SELECT t.*,
           CASE
               WHEN t.status = 'open' AND t.path_position = 0 THEN t.created_at
               WHEN t.status = 'open' THEN
                   greatest(t.first_touch_at, %(now)s::timestamptz - t.age * power(t.u_time, 2))
               WHEN t.status = 'won' AND t.path_position = bp.open_stages THEN t.won_at
               WHEN t.status = 'won' AND t.path_position = bp.open_stages + bp.won_stages - 1 THEN
                   t.won_at + least((%(now)s::timestamptz - t.won_at) * 0.9,
                                    interval '1 day' * (20 + 100 * t.u_time2))
               WHEN t.status = 'won' THEN
                   t.won_at + (%(now)s::timestamptz - t.won_at) * (1 - power(t.u_time2, 2))
               ELSE t.created_at + least(t.age, interval '1 hour'
                                         + interval '1 day' * 60 * power(t.u_time, 2))
           END AS stage_entered_at
    FROM timed t JOIN bench_pipeline bp ON bp.pipeline_index = t.pipeline_index
), placed AS (
    SELECT e.*,
           CASE WHEN e.status = 'lost' THEN e.lost_stage_id ELSE st.stage_id END AS stage_id,
           CASE WHEN e.status = 'lost' THEN true ELSE st.is_terminal END AS is_terminal,
           st.orange_cut, st.red_cut,
           m.membership_id AS owner_id, m.user_id AS owner_user_id,
           src.source_id, src.priority_points AS source_points,
           round(coalesce(src.default_cost, 0) * (0.7 + 0.6 * e.u_cost)::numeric, 2) AS cost,
           fn.name AS first_name, ln.name AS last_name,
           c.city, c.state, c.postal_prefix, c.area_code
    FROM entered e
    LEFT JOIN bench_stage st
           ON st.pipeline_index = e.pipeline_index AND st.path_position = e.path_position
    LEFT JOIN bench_member m ON m.slot = CASE
           WHEN e.u_owner < 0.02 THEN NULL
           WHEN e.u_owner < 0.05 THEN 'manager' || (1 + floor(e.u_owner * 1000)::int %% 2)
           WHEN e.pipeline_type = 'commercial'
                THEN 'commercial' || (1 + floor(3 * (e.u_owner - 0.05) / 0.95)::int)
           ELSE 'residential' || (1 + floor(9 * power((e.u_owner - 0.05) / 0.95, 1.25))::int)
           END
    LEFT JOIN bench_source src ON e.u_source >= src.low AND e.u_source < src.high
    JOIN bench_word fn ON fn.list = 'first' AND fn.position = floor(e.u_first * %(first_count)s)
    JOIN bench_word ln ON ln.list = 'last' AND ln.position = floor(e.u_last * %(last_count)s)
    JOIN bench_city c ON c.position = CASE
           WHEN e.u_city < 0.92 THEN floor(e.u_city / 0.92 * %(city_count)s)::int
           ELSE %(city_count)s + floor((e.u_city - 0.92) / 0.08 * %(out_count)s)::int END
)
SELECT pl.*,
       CASE WHEN pl.lead_type = 'commercial' AND pl.u_company < 0.85
            THEN initcap(pl.last_name) || ' ' || (%(company_suffixes)s::text[])[
                 1 + floor(pl.u_company / 0.85 * cardinality(%(company_suffixes)s::text[]))::int]
            ELSE '' END AS company_name,
       CASE WHEN pl.u_email < 0.5 THEN pl.first_name || '.' || pl.last_name || (pl.n %% 1000)
            WHEN pl.u_email < 0.8 THEN left(pl.first_name, 1) || pl.last_name || (pl.n %% 10000)
            ELSE pl.first_name || pl.last_name || (pl.n %% 100) END
       || '@' || (%(domains)s::text[])[1 + floor(pl.u_domain * cardinality(%(domains)s::text[]))::int]
       AS email,
       pl.area_code || (200 + floor(pl.u_phone * 800)::int)
       || lpad((floor(pl.u_phone * 8000000)::int %% 10000)::text, 4, '0') AS national_phone,
       (100 + floor(pl.u_street * 9900)::int) || ' '
       || (%(streets)s::text[])[1 + floor(pl.u_street * 1000)::int %% cardinality(%(streets)s::text[])]
       || ' ' || (%(street_suffixes)s::text[])[
            1 + floor(pl.u_street * 100000)::int %% cardinality(%(street_suffixes)s::text[])]
       AS address_line1,
       pl.postal_prefix || lpad((floor(pl.u_street * 1000000)::int %% 100)::text, 2, '0')
       AS postal_code,
       (%(titles)s::text[])[pl.pipeline_index + 1][
            1 + floor(pl.u_title * (%(title_counts)s::int[])[pl.pipeline_index + 1])::int]
       AS title
FROM placed pl;
"""

LEAD_VALUES_SQL = """
CREATE TEMP TABLE bench_row AS
SELECT v.*,
       -- the same parts as leads.scoring.score_parts, at the generator's `now`
       CASE WHEN v.status = 'lost' OR v.is_terminal THEN 0 ELSE
             CASE WHEN v.red_cut IS NOT NULL AND v.stage_entered_at <= v.red_cut THEN 30
                  WHEN v.orange_cut IS NOT NULL AND v.stage_entered_at <= v.orange_cut THEN 15
                  ELSE 0 END
           + CASE WHEN v.status = 'open' AND v.first_touch_at IS NULL
                       AND %(now)s::timestamptz - v.created_at >= %(untouched_after)s
                  THEN 20 ELSE 0 END
           + CASE v.location WHEN 'in_state' THEN 10 WHEN 'out_of_state' THEN -10 ELSE 0 END
           + CASE WHEN v.lead_type = 'commercial' THEN 15 ELSE 0 END
           + coalesce(v.source_points, 0)
           + CASE WHEN v.estimated_value IS NULL THEN 0
                  ELSE least(floor(v.estimated_value / 1000), 25)::int END
       END AS priority_score
FROM (
    SELECT l.*,
           CASE WHEN l.property_id IS NULL THEN 'unknown'
                WHEN l.state = %(home_state)s THEN 'in_state' ELSE 'out_of_state' END
           AS location,
           CASE WHEN l.u_value < 0.08 THEN NULL
                WHEN l.template = 'commercial-roofing'
                     THEN round((15000 + 385000 * power(l.u_value2, 3))::numeric, -2)
                WHEN l.template = 'insurance-claim'
                     THEN round((6000 + 34000 * power(l.u_value2, 2))::numeric, -2)
                ELSE round((4000 + 22000 * power(l.u_value2, 2))::numeric, -2) END
           AS estimated_value,
           coalesce(r.reason, '') AS lost_reason,
           CASE WHEN l.status = 'lost' OR l.is_terminal THEN l.stage_entered_at END AS closed_at
    FROM bench_lead l
    LEFT JOIN bench_reason r
           ON l.status = 'lost' AND l.u_reason >= r.low AND l.u_reason < r.high
) v
"""

INSERT_SQL = {
    "contacts": """
        INSERT INTO crm_contact (id, tenant_id, first_name, last_name, company_name, brand_id,
            preferred_channel, language, needs_review, is_vip, created_at, updated_at)
        SELECT contact_id, %(tenant)s, initcap(first_name), initcap(last_name), company_name,
            %(brand)s,
            CASE WHEN u_channel < 0.6 THEN 'email' WHEN u_channel < 0.9 THEN 'sms'
                 WHEN u_channel < 0.95 THEN 'whatsapp' ELSE 'phone' END,
            CASE WHEN first_name IN ('maria', 'jose', 'juan', 'luis', 'carlos', 'miguel',
                                     'camila', 'lucia', 'valentina')
                      OR last_name IN ('garcia', 'rodriguez', 'martinez', 'hernandez', 'lopez',
                                       'gonzalez', 'perez', 'sanchez', 'ramirez', 'torres')
                 THEN 'es' ELSE 'en' END,
            false, false, created_at, created_at
        FROM bench_row ORDER BY contact_id""",
    "emails": """
        INSERT INTO crm_contactemail (tenant_id, contact_id, email, is_primary, created_at, source,
            verified_at, verified_how)
        SELECT %(tenant)s, contact_id, email, true, created_at, 'staff', created_at, 'staff'
        FROM bench_row ORDER BY contact_id""",
    "phones": """
        INSERT INTO crm_contactphone (tenant_id, contact_id, number, kind, is_primary, created_at,
            source, verified_at, verified_how)
        SELECT %(tenant)s, contact_id, '+1' || national_phone,
            CASE WHEN u_phone * 10 - floor(u_phone * 10) < 0.8 THEN 'mobile' ELSE 'landline' END,
            true, created_at, 'staff', created_at, 'staff'
        FROM bench_row ORDER BY contact_id""",
    "properties": """
        INSERT INTO crm_property (id, tenant_id, address_line1, address_line2, city, state,
            postal_code, country, property_type, notes, created_at)
        SELECT property_id, %(tenant)s, address_line1, '', city, state, postal_code, 'US',
            lead_type, '', created_at
        FROM bench_row WHERE property_id IS NOT NULL ORDER BY property_id""",
    "property links": """
        INSERT INTO crm_propertycontact (tenant_id, property_id, contact_id, role)
        SELECT %(tenant)s, property_id, contact_id,
            CASE WHEN lead_type = 'commercial' THEN 'manager' ELSE 'owner' END
        FROM bench_row WHERE property_id IS NOT NULL ORDER BY property_id""",
    "leads (with search documents)": """
        INSERT INTO leads_lead (id, tenant_id, number, title, contact_id, property_id, brand_id,
            pipeline_id, stage_id, owner_id, lead_type, estimated_value, source_id, cost,
            location, priority_score, status, lost_reason, lost_note, created_at, updated_at,
            stage_entered_at, first_touch_at, last_activity_at, next_follow_up_at, won_at,
            closed_at, untouched_alerts_sent, assignment_decision, search_vector)
        SELECT lead_id, %(tenant)s, number, title, contact_id, property_id, %(brand)s,
            pipeline_id, stage_id, owner_id, lead_type, estimated_value, source_id, cost,
            location, priority_score, status, lost_reason,
            CASE WHEN lost_reason = 'other' THEN 'Decided to wait until next year' ELSE '' END,
            created_at, greatest(stage_entered_at, first_touch_at), stage_entered_at,
            first_touch_at, greatest(stage_entered_at, first_touch_at),
            CASE WHEN status = 'open' AND u_follow < 0.6
                 THEN %(now)s::timestamptz + interval '1 hour' * (-72 + 408 * u_follow) END,
            won_at, closed_at,
            CASE WHEN status <> 'open' OR first_touch_at IS NOT NULL THEN 0
                 WHEN age >= interval '60 minutes' THEN 2
                 WHEN age >= interval '15 minutes' THEN 1 ELSE 0 END,
            '{}'::jsonb,
            -- leads.services.leads.lead_search_document: lower-cased words of the reference,
            -- number, names, company, title, email and its local part, phone digits (E.164,
            -- national, last 7, last 4) and the address, in that order
            to_tsvector('simple', btrim(regexp_replace(lower(concat_ws(' ',
                'L-' || number, number::text, first_name, last_name, company_name, title,
                email, split_part(email, '@', 1),
                '1' || national_phone, national_phone, right(national_phone, 7),
                right(national_phone, 4),
                CASE WHEN property_id IS NOT NULL
                     THEN concat_ws(' ', address_line1, city, state, postal_code) END
            )), '\\W+', ' ', 'g')))
        FROM bench_row ORDER BY lead_id""",
    "stage visits (full history)": """
        WITH path AS (
            SELECT r.lead_id, r.created_at, r.stage_entered_at, r.owner_user_id, r.status,
                   r.lost_stage_id,
                   r.path_position AS last_position,
                   CASE WHEN r.status = 'lost' THEN r.path_position + 1
                        ELSE r.path_position END AS steps,
                   r.pipeline_index
            FROM bench_row r
        ), visit AS (
            SELECT p.lead_id, st.stage_id, st.path_position AS step, p.steps, p.created_at,
                   p.stage_entered_at, p.owner_user_id
            FROM path p JOIN bench_stage st ON st.pipeline_index = p.pipeline_index
                 AND st.path_position <= p.last_position
            UNION ALL
            SELECT p.lead_id, p.lost_stage_id, p.steps, p.steps, p.created_at,
                   p.stage_entered_at, p.owner_user_id
            FROM path p WHERE p.status = 'lost'
        )
        INSERT INTO leads_stagevisit (tenant_id, lead_id, stage_id, entered_at, left_at,
            entered_by_id, left_by_id)
        SELECT %(tenant)s, lead_id, stage_id,
            CASE WHEN steps = 0 THEN created_at
                 ELSE created_at + (stage_entered_at - created_at) * step / steps END,
            CASE WHEN step < steps
                 THEN created_at + (stage_entered_at - created_at) * (step + 1) / steps END,
            CASE WHEN step > 0 THEN owner_user_id END,
            CASE WHEN step < steps THEN owner_user_id END
        FROM visit ORDER BY lead_id, step""",
}


def weighted(pairs: list[tuple[str, int]]) -> list[str]:
    """A list in which each value appears as often as its weight (uniform picks are weighted)."""
    return [value for value, weight in pairs for _ in range(weight)]


def load_lookup_tables(cursor, tenant, now) -> dict:
    """Small temp tables the plan joins: pipelines, stages, team slots, sources, names, cities."""
    return write_lookup_tables(cursor, lookup_rows(tenant, now))


def lookup_rows(tenant, now) -> dict:
    """What the lookup tables hold, read once through the ORM (workers write them per session)."""
    from crm.models import Membership
    from crm.tenancy import tenant_context
    from leads.models import LeadSource, Pipeline

    with tenant_context(tenant):
        pipelines = sorted(Pipeline.objects.filter(tenant=tenant), key=lambda p: p.pk)
        members = list(Membership.objects.filter(tenant=tenant).order_by("pk"))
        sources = {s.name: s for s in LeadSource.objects.filter(tenant=tenant)}
    return {
        "stages": stage_rows(tenant, now),
        "pipelines": [(p.pk, p.lead_type) for p in pipelines],
        "members": [(m.pk, m.user_id, m.role, m.expertise) for m in members],
        "sources": {name: (s.pk, s.default_cost, s.priority_points) for name, s in sources.items()},
    }


def write_lookup_tables(cursor, rows: dict) -> dict:
    """Create the lookup temp tables in this session; returns the plan's parameters."""
    stages = rows["stages"]
    cursor.execute(
        "CREATE TEMP TABLE bench_stage (pipeline_index int, pipeline_id bigint, stage_id bigint,"
        " path_position int, kind text, is_terminal bool, orange_cut timestamptz,"
        " red_cut timestamptz)"
    )
    cursor.executemany("INSERT INTO bench_stage VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", stages)
    cursor.execute(
        "CREATE TEMP TABLE bench_pipeline (pipeline_index int, pipeline_id bigint, template text,"
        " lead_type text, open_stages int, won_stages int, lost_stage_id bigint)"
    )
    for index, ((key, _share), (pipeline_id, lead_type)) in enumerate(
        zip(PIPELINES, rows["pipelines"], strict=True)
    ):
        kinds = [row[4] for row in stages if row[1] == pipeline_id]
        lost = next(row[2] for row in stages if row[1] == pipeline_id and row[4] == "lost")
        cursor.execute(
            "INSERT INTO bench_pipeline VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [index, pipeline_id, key, lead_type, kinds.count("open"), kinds.count("won"), lost],
        )
    cursor.execute(
        "CREATE TEMP TABLE bench_member (slot text, membership_id bigint, user_id bigint)"
    )
    counters: dict[str, int] = {}
    for membership_id, user_id, role, expertise in rows["members"]:
        if role == "admin":
            continue
        group = "manager" if role == "manager" else expertise
        counters[group] = counters.get(group, 0) + 1
        cursor.execute(
            "INSERT INTO bench_member VALUES (%s, %s, %s)",
            [f"{group}{counters[group]}", membership_id, user_id],
        )
    cursor.execute(
        "CREATE TEMP TABLE bench_source (source_id bigint, default_cost numeric,"
        " priority_points int, low float8, high float8)"
    )
    low = 0.0
    for name, _cost, _points, share in SOURCES:
        source_id, default_cost, priority_points = rows["sources"][name]
        cursor.execute(
            "INSERT INTO bench_source VALUES (%s, %s, %s, %s, %s)",
            [source_id, default_cost, priority_points, low, low + share],
        )
        low += share
    cursor.execute("CREATE TEMP TABLE bench_reason (reason text, low float8, high float8)")
    low = 0.0
    for reason, share in LOST_REASONS:
        high = 1.01 if reason == LOST_REASONS[-1][0] else low + share
        cursor.execute("INSERT INTO bench_reason VALUES (%s, %s, %s)", [reason, low, high])
        low += share
    cursor.execute("CREATE TEMP TABLE bench_word (list text, position int, name text)")
    for list_name, words in (("first", FIRST_NAMES), ("last", LAST_NAMES)):
        cursor.executemany(
            "INSERT INTO bench_word VALUES (%s, %s, %s)",
            [(list_name, position, word) for position, word in enumerate(words)],
        )
    cursor.execute(
        "CREATE TEMP TABLE bench_city (position int, city text, state text, postal_prefix text,"
        " area_code text)"
    )
    cursor.executemany(
        "INSERT INTO bench_city VALUES (%s, %s, %s, %s, %s)",
        [(position, *city) for position, city in enumerate(CITIES + OUT_OF_STATE_CITIES)],
    )
    cursor.execute("ANALYZE bench_stage, bench_pipeline, bench_member, bench_source, bench_word")
    longest = max(len(titles) for titles in TITLES.values())
    titles = [TITLES[key] + [""] * (longest - len(TITLES[key])) for key, _share in PIPELINES]
    return {
        "share0": PIPELINES[0][1],
        "share1": PIPELINES[0][1] + PIPELINES[1][1],
        "first_count": len(FIRST_NAMES),
        "last_count": len(LAST_NAMES),
        "city_count": len(CITIES),
        "out_count": len(OUT_OF_STATE_CITIES),
        "company_suffixes": COMPANY_SUFFIXES,
        "domains": weighted(EMAIL_DOMAINS),
        "streets": STREETS,
        "street_suffixes": STREET_SUFFIXES,
        "titles": titles,
        "title_counts": [len(TITLES[key]) for key, _share in PIPELINES],
    }


def secondary_indexes(cursor, tables: list[str]) -> list[tuple[str, str]]:
    """(name, definition) of the indexes of `tables` that back no constraint."""
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        [tables],
    )
    return cursor.fetchall()


def write_volume(tenant, leads: int, seed: float, now, clock: Clock) -> int:
    """Write the leads and everything they point at; returns the number before the first lead."""
    from django.db import connections, transaction

    from crm.models import Brand
    from crm.tenancy import tenant_context
    from leads.models import LeadCounter
    from leads.selectors.settings import lead_settings_get, untouched_after

    with tenant_context(tenant):
        brand = Brand.objects.get(tenant=tenant, is_default=True)
        counter = LeadCounter.objects.filter(tenant=tenant).first()
        wait = untouched_after(lead_settings_get(tenant=tenant))
    first_number = counter.last_number if counter else 1000

    owner = connections["owner"]
    with transaction.atomic(using="owner"), owner.cursor() as cursor:
        print(f"  {quiet_triggers(cursor)}")
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL synchronous_commit = off")
        # Compiling these one-off statements costs more than it saves.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SELECT setseed(%s)", [seed])
        with clock.step("lookup tables"):
            params = load_lookup_tables(cursor, tenant, now)
        params.update(
            now=now,
            leads=leads,
            first_number=first_number,
            home_state=tenant.home_state,
            untouched_after=wait,
            tenant=tenant.pk,
            brand=brand.pk,
        )
        with clock.step(f"planning {leads:,} leads"):
            for statement in PLAN_SQL.split(";\n\n"):
                cursor.execute(statement, params)
        with clock.step("values and priority scores"):
            cursor.execute(LEAD_VALUES_SQL, params)

        # A load this size into tables that are smaller: build their indexes after the load.
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'leads_lead'::regclass")
        rebuild = leads >= max(cursor.fetchone()[0], 0)
        indexes = secondary_indexes(cursor, BULK_TABLES) if rebuild else []
        if indexes:
            with clock.step(f"dropping {len(indexes)} secondary indexes for the load"):
                for name, _definition in indexes:
                    cursor.execute(f"DROP INDEX {name}")
        for label, statement in INSERT_SQL.items():
            with clock.step(label):
                cursor.execute(statement, params)
        if indexes:
            with clock.step(f"rebuilding {len(indexes)} indexes"):
                for _name, definition in indexes:
                    cursor.execute(definition)
        cursor.execute(
            "INSERT INTO leads_leadcounter (tenant_id, last_number) VALUES (%s, %s) "
            "ON CONFLICT (tenant_id) DO UPDATE SET last_number = EXCLUDED.last_number",
            [tenant.pk, first_number + leads],
        )
        cursor.execute(
            "DROP TABLE bench_base, bench_plan, bench_lead, bench_row, bench_stage, "
            "bench_pipeline, bench_member, bench_source, bench_reason, bench_word, bench_city"
        )
    # VACUUM sets the visibility map and hint bits, as autovacuum would have by the time a real
    # tenant reaches this size; ANALYZE covers the small tables too (pipelines, stages, members),
    # which autovacuum never analyzes while they stay under its 50-row threshold.
    with clock.step("VACUUM and ANALYZE"), owner.cursor() as cursor:
        for table in BULK_TABLES:
            cursor.execute(f"VACUUM {table}")
        cursor.execute("ANALYZE")
    return first_number


# --- Checks, as the app role --------------------------------------------------------------------


def mark_scores_current(tenant, now) -> None:
    """The generated priority scores are those of `now` (LEAD_VALUES_SQL): record that the
    priority sweep last ran then, as in an installation whose sweep has run every five minutes.
    Left unset, its first run rescored every lead that aged in the last 30 days (65,000 at a
    million leads: 58 s of the load test's worker in its first level)."""
    from crm.tenancy import tenant_context
    from leads.models import LeadSettings

    with tenant_context(tenant):
        LeadSettings.objects.update_or_create(
            tenant=tenant, defaults={"priority_refreshed_at": now}
        )


def check_as_app(tenant, now, leads: int, first_number: int) -> None:
    """Read the rows back as the app role (row-level security on) and compare a sample with
    what the application computes: the search document and the priority score."""
    from django.db import connection, transaction
    from django.db.models import Count

    from crm.models import Tenant
    from crm.tenancy import tenant_context
    from leads.models import Lead
    from leads.scoring import priority_score, score_parts
    from leads.selectors.lists import lead_queryset
    from leads.selectors.settings import lead_settings_get, untouched_after
    from leads.services.leads import lead_search_document

    with transaction.atomic(), tenant_context(tenant):
        seen = Lead.objects.filter(tenant=tenant).count()
        print(f"  the app role sees {seen:,} leads of {tenant.slug} in its context")
        if seen < leads:
            raise SystemExit("The app role does not see every generated lead: check the grants.")
        by_status = dict(
            Lead.objects.filter(tenant=tenant).values_list("status").annotate(n=Count("id"))
        )
        print("  by status: " + ", ".join(f"{k} {v:,}" for k, v in sorted(by_status.items())))
        numbers = random.Random(SEED).sample(
            range(first_number + 1, first_number + leads + 1), min(leads, 200)
        )
        sample = list(
            lead_queryset(tenant=tenant)
            .filter(number__in=numbers)
            .prefetch_related("contact__emails", "contact__phones")
        )
        wait = untouched_after(lead_settings_get(tenant=tenant))
        wrong_documents = wrong_scores = 0
        with connection.cursor() as cursor:
            for lead in sample:
                cursor.execute(
                    "SELECT search_vector = to_tsvector('simple', %s) FROM leads_lead "
                    "WHERE tenant_id = %s AND id = %s",
                    [lead_search_document(lead), tenant.pk, lead.pk],
                )
                wrong_documents += not cursor.fetchone()[0]
                parts = score_parts(lead, tenant=tenant, now=now, untouched_after=wait)
                wrong_scores += priority_score(parts) != lead.priority_score
        print(
            f"  sample of {len(sample)}: {len(sample) - wrong_documents} search documents and "
            f"{len(sample) - wrong_scores} priority scores match the application's"
        )
        if wrong_documents or wrong_scores:
            raise SystemExit("The generated leads differ from what the application computes.")
    other = Tenant.objects.exclude(pk=tenant.pk).first()
    if other is not None:
        with transaction.atomic(), tenant_context(other):
            leaked = Lead.unscoped.filter(tenant=tenant).count()
        print(f"  in tenant {other.slug}'s context the app role sees {leaked} of them")
        if leaked:
            raise SystemExit("Row-level security let another tenant see these leads.")


def main() -> None:
    args = parse_args()
    setup_django(args.database_url)
    from django.utils import timezone

    from crm.models import Tenant

    if not 0 < args.leads <= 20_000_000:
        raise SystemExit("--leads must be between 1 and 20,000,000.")
    clock = Clock()
    print(f"Generating {args.leads:,} leads in tenant {args.tenant}")
    if Tenant.objects.filter(slug=args.tenant).exists() and not args.reset:
        raise SystemExit(
            f"Tenant {args.tenant} already exists: pass --reset to delete it and generate "
            "it again, or pick another --tenant."
        )
    if args.reset:
        reset_tenant(args.tenant, clock)
    now = timezone.now().replace(microsecond=0)
    name = args.name or f"{args.tenant.replace('-', ' ').title()} Roofing"
    with clock.step("tenant, team, brand, pipelines and sources (services)"):
        tenant = create_tenant(args.tenant, name)
    first_number = write_volume(tenant, args.leads, args.seed, now, clock)
    mark_scores_current(tenant, now)
    check_as_app(tenant, now, args.leads, first_number)
    print(f"Done in {clock.total():.0f} s. Sign in as {member_email(args.tenant, 'manager1')} or")
    print(f"{member_email(args.tenant, 'rep01')} with the password {BENCH_PASSWORD}.")


if __name__ == "__main__":
    main()
