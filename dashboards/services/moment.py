"""Keep each tenant's figures of the moment (dashboards.models.MomentFigures): counted for the
whole tenant once a minute by beat (dashboards.tasks.count_the_moment), so the page reads them
for any pipeline, brand or rep instead of counting open leads in the request."""

import datetime as dt
from dataclasses import asdict

from django.db import transaction
from django.utils import timezone

from crm.models import Tenant
from dashboards.aggregates import planner_for_aggregates
from dashboards.models import MomentFigures
from dashboards.selectors.moment import moment_count


@transaction.atomic
def moment_keep(*, tenant: Tenant, now: dt.datetime | None = None) -> int:
    """Count the tenant's figures of the moment and keep them, replacing the last. Returns 1."""
    now = now or timezone.now()
    planner_for_aggregates()
    moment = moment_count(tenant=tenant, now=now)
    MomentFigures.objects.update_or_create(tenant=tenant, defaults=asdict(moment))
    return 1
