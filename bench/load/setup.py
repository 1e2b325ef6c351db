"""Prepare bench tenants for the load test and write what Locust needs to a JSON file.

    python bench/load/setup.py --tenant bench-big --out .data/load/state.json

Run it through `scripts/devenv.py run --` with the environment the app runs with (bench/load/run.py
does). For each tenant made by bench/leads/generate.py it

- gives the tenant an inbox ("Load test") with an email address and an SMS number that carries
  its own Twilio auth token, every rep and manager as an agent, and the default SLA policies
  (through tickets.services.configuration, as the settings pages do); a second run reuses it;
- rolls the dashboard's stage-flow history up if it was never rolled up (the hourly beat task's
  first run; several minutes at a million leads), so the dashboard reads what it reads in use;
- signs each bench staff member in --staff-sessions times (the session the sign-in page and the
  tenant picker leave), so the simulated users start working at once;
- signs --portal-customers customers with a job into the portal: a portal session per customer,
  made the way the sign-in link makes one (portal.auth.session_sign_in);
- picks --senders customers with a mobile number and an email address for the inbound webhooks.

The JSON file lists the staff and their session keys, the portal session keys, the
inbox's number, email address and Twilio token, and the senders. It holds a session key per
customer: keep it out of the repository (the default, under .data/, is ignored by git).
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

INBOX_NAME = "Load test"
TWILIO_ACCOUNT_SID = "AC" + "c" * 32
TWILIO_TOKEN = "bench-load-twilio-token"  # noqa: S105  (a bench inbox's own, not a credential)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--tenant",
        action="append",
        help="a generated tenant's slug; repeat for several (bench-big)",
    )
    parser.add_argument("--out", default=str(ROOT / ".data" / "load" / "state.json"))
    parser.add_argument("--portal-customers", type=int, default=40, help="per tenant (40)")
    parser.add_argument(
        "--staff-sessions", type=int, default=10, help="signed-in sessions per staff member (10)"
    )
    parser.add_argument("--senders", type=int, default=300, help="per tenant (300)")
    parser.add_argument(
        "--no-roll-up", action="store_true", help="skip the stage-flow roll-up even if missing"
    )
    return parser.parse_args()


def inbox_number(tenant) -> str:
    """One number per tenant, in a range no other bench uses."""
    return f"+1305555{7000 + tenant.pk % 3000:04d}"


def ensure_inbox(tenant) -> dict:
    from crm.models import Membership, Role
    from tickets.models import Inbox, InboxAddress, InboxChannel
    from tickets.services import configuration

    inbox = Inbox.objects.filter(tenant=tenant, name=INBOX_NAME).first()
    members = list(
        Membership.objects.filter(tenant=tenant, role__in=[Role.REP, Role.MANAGER])
        .select_related("user")
        .order_by("pk")
    )
    if inbox is None:
        lead = next((m for m in members if m.role == Role.MANAGER), None)
        inbox = configuration.inbox_save(tenant=tenant, actor=None, name=INBOX_NAME, team_lead=lead)
        configuration.inbox_address_save(
            tenant=tenant,
            inbox=inbox,
            channel=InboxChannel.EMAIL,
            address=f"support@{tenant.slug}.load.test",
        )
        configuration.inbox_address_save(
            tenant=tenant,
            inbox=inbox,
            channel=InboxChannel.SMS,
            address=inbox_number(tenant),
            twilio_account_sid=TWILIO_ACCOUNT_SID,
            twilio_auth_token=TWILIO_TOKEN,
        )
        for member in members:
            configuration.inbox_agent_set(tenant=tenant, inbox=inbox, membership=member)
        configuration.sla_policies_ensure(tenant=tenant)
    addresses = dict(
        InboxAddress.objects.filter(tenant=tenant, inbox=inbox).values_list("channel", "address")
    )
    return {
        "email": addresses[InboxChannel.EMAIL],
        "number": addresses[InboxChannel.SMS],
        "twilio_token": TWILIO_TOKEN,
        "twilio_account_sid": TWILIO_ACCOUNT_SID,
    }


def roll_up(tenant) -> None:
    from dashboards.selectors.stage_flow import stored_until
    from dashboards.services.rollups import activity_roll_up, stage_flow_roll_up

    if stored_until(tenant=tenant) is not None:
        return
    for name, roll in (("stage flow", stage_flow_roll_up), ("activity", activity_roll_up)):
        started = time.perf_counter()
        print(f"  {tenant.slug}: rolling up the {name} (first run) …", end="", flush=True)
        days = roll(tenant=tenant)
        print(f" {days} days in {time.perf_counter() - started:.0f} s", flush=True)


def staff(tenant, sessions: int) -> list[dict]:
    """The bench staff, each with `sessions` signed-in sessions with the tenant chosen: what
    /accounts/login/ and the tenant picker leave in the session, without hashing the password
    with argon2 once per simulated user while the others are already working."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from crm.middleware import ACTIVE_MEMBERSHIP_SESSION_KEY
    from crm.models import Membership

    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    accounts = []
    for membership in (
        Membership.objects.filter(tenant=tenant, user__email__endswith=".bench.test")
        .select_related("user")
        .order_by("pk")
    ):
        keys = []
        for _ in range(sessions):
            session = store_class()
            session[SESSION_KEY] = str(membership.user.pk)
            session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            session[HASH_SESSION_KEY] = membership.user.get_session_auth_hash()
            session[ACTIVE_MEMBERSHIP_SESSION_KEY] = membership.pk
            session["membership_count"] = 1
            session.save()
            keys.append(session.session_key)
        accounts.append({"email": membership.user.email, "role": membership.role, "sessions": keys})
    return accounts


def portal_sessions(tenant, count: int) -> list[dict]:
    """Customers with a job and an email address, each signed in as a link would sign them in."""
    from importlib import import_module

    from django.conf import settings

    from crm.models import ContactEmail
    from leads.models import Lead, LeadStatus
    from portal.addresses import SignInAddress
    from portal.auth import PortalSignIn, session_sign_in
    from portal.models import ChallengeChannel
    from portal.sessions import SIGNED_IN_AGE

    contact_ids = list(
        Lead.objects.filter(tenant=tenant, status__in=[LeadStatus.OPEN, LeadStatus.WON])
        .filter(contact__emails__isnull=False)
        .order_by("-pk")
        .values_list("contact_id", flat=True)[: count * 3]
    )
    emails = {}
    for contact_id, email in ContactEmail.objects.filter(
        tenant=tenant, contact_id__in=contact_ids
    ).values_list("contact_id", "email"):
        emails.setdefault(contact_id, email.lower())
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    customers = []
    for contact_id in dict.fromkeys(contact_ids):
        if contact_id not in emails or len(customers) == count:
            continue
        session = store_class()
        session.set_expiry(int(SIGNED_IN_AGE.total_seconds()))
        address = SignInAddress(ChallengeChannel.EMAIL, emails[contact_id])
        session_sign_in(session, PortalSignIn(tenant, (contact_id,), address))
        session.save()
        customers.append({"contact": contact_id, "session": session.session_key})
    return customers


def senders(tenant, count: int) -> list[dict]:
    from crm.models import ContactEmail, ContactPhone, PhoneKind
    from crm.phones import e164

    phones = dict(
        ContactPhone.objects.filter(tenant=tenant, kind=PhoneKind.MOBILE)
        .order_by("-contact_id")
        .values_list("contact_id", "number")[: count * 2]
    )
    emails = dict(
        ContactEmail.objects.filter(tenant=tenant, contact_id__in=list(phones)).values_list(
            "contact_id", "email"
        )
    )
    return [
        {"phone": e164(phones[contact_id]), "email": emails[contact_id]}
        for contact_id in list(phones)
        if contact_id in emails
    ][:count]


def main() -> None:
    args = parse_args()
    import django

    django.setup()
    from django.db import transaction

    from crm.models import Tenant
    from crm.tenancy import tenant_context

    state = {"site_url": os.environ["THREADLINE_SITE_URL"]}
    state["webhook_secret"] = os.environ.get("ANYMAIL_WEBHOOK_SECRET", "")
    state["tenants"] = []
    for slug in args.tenant or ["bench-big"]:
        tenant = Tenant.objects.get(slug=slug)
        with transaction.atomic(), tenant_context(tenant):
            inbox = ensure_inbox(tenant)
        if not args.no_roll_up:
            with tenant_context(tenant):
                roll_up(tenant)
        with transaction.atomic(), tenant_context(tenant):
            entry = {
                "slug": slug,
                "inbox": inbox,
                "staff": staff(tenant, args.staff_sessions),
                "portal": portal_sessions(tenant, args.portal_customers),
                "senders": senders(tenant, args.senders),
            }
        print(
            f"  {slug}: {len(entry['staff'])} staff, {len(entry['portal'])} portal customers, "
            f"{len(entry['senders'])} senders, inbox {inbox['email']} / {inbox['number']}",
            flush=True,
        )
        state["tenants"].append(entry)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(state, indent=1))
    out.chmod(0o600)
    print(f"  wrote {out}", flush=True)


if __name__ == "__main__":
    main()
