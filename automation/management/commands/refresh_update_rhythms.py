"""Plan every active job's next customer update, for jobs that became active before the comms
engine was installed (they get their rhythm on their next stage change otherwise)."""

from django.core.management.base import BaseCommand

from automation.services.updates import update_rhythms_refresh
from crm.tenancy.tasks import each_tenant


class Command(BaseCommand):
    help = "Set (or clear) the next customer-update date of every active job, in every tenant."

    def handle(self, *args, **options):
        jobs = each_tenant(update_rhythms_refresh)
        self.stdout.write(self.style.SUCCESS(f"Customer-update rhythm planned for {jobs} jobs."))
