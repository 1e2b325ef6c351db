"""Demo data for `make dev`. Safe to run again: every seeder adds only what is missing.

Each app seeds its own part (its `demo.py`); this command runs them in the order their data needs,
inside each tenant's context.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from automation.demo import seed_automation
from automation.demo_sequences import seed_sequences
from billing.demo import seed_billing
from crm import demo as crm_demo
from crm.models import Tenant
from crm.tenancy import tenant_context
from dashboards.demo import seed_dashboard_activity, seed_dashboard_history
from documents.demo import seed_documents
from followups.demo import seed_followups
from gateway.demo import seed_payments
from leads.demo import seed_leads
from messaging.demo import seed_messaging
from portal.demo import seed_portal
from portal.demo_messages import seed_portal_messages
from tickets.demo import seed_inbox


class Command(BaseCommand):
    help = (
        "Create or complete the demo tenants, team, brands, contacts, properties, leads, message "
        "templates and triggers, inboxes and a day of tickets."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--without-history",
            action="store_true",
            help="Skip the dashboard's twelve weeks of lead history, calls and answered emails "
            "(about 60 %% of the seeding time; the browser tests that do not read the dashboard).",
        )

    def handle(self, *args, **options):
        with_history = not options["without_history"]
        with transaction.atomic():
            florida = self._florida_first_roofing(with_history=with_history)
            chargecars = self._chargecars()
        self.stdout.write(self.style.SUCCESS(f"Demo data ready: {florida.name}, {chargecars.name}"))

    def _florida_first_roofing(self, *, with_history: bool) -> Tenant:
        tenant = crm_demo.florida_first_roofing_tenant()
        with tenant_context(tenant):
            crm_demo.seed_florida_first_roofing(tenant)
            seed_leads(tenant)
            if with_history:
                seed_dashboard_history(tenant)  # before the comms triggers exist, like the portal
            seed_portal(tenant)  # before the comms triggers exist: its history sends nothing
            seed_automation(tenant=tenant, templates=seed_messaging(tenant=tenant))
            seed_inbox(tenant=tenant)
            seed_portal_messages(tenant)  # the inbox and the update template exist by now
            seed_billing(tenant)
            seed_sequences(tenant)
            seed_followups(tenant)
            if with_history:
                seed_dashboard_activity(tenant)  # after seed_inbox: it fills only an empty inbox
            crm_demo.seed_welcome_notification(tenant)
            seed_documents(tenant)
            seed_payments(tenant)
        return tenant

    def _chargecars(self) -> Tenant:
        tenant = crm_demo.chargecars_tenant()
        with tenant_context(tenant):
            crm_demo.seed_chargecars(tenant)
            seed_leads(tenant)
            seed_automation(tenant=tenant, templates=seed_messaging(tenant=tenant))
            seed_inbox(tenant=tenant)
            seed_billing(tenant)
            seed_sequences(tenant)
            seed_followups(tenant)
            seed_documents(tenant)
            seed_payments(tenant)
        return tenant
