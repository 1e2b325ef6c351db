"""The dashboard's period and filter form: the tenant's pipelines and brands to choose from."""

import datetime as dt

from django.utils import timezone

from crm.models import Brand
from dashboards.period import PERIODS, Scope
from leads.models import Pipeline


def filter_choices(scope: Scope) -> dict:
    """What the period and filter form offers, and what it has selected."""
    pipelines = list(Pipeline.objects.filter(tenant=scope.tenant, is_archived=False))
    brands = list(Brand.objects.filter(tenant=scope.tenant, is_archived=False))
    last_day = timezone.localtime(scope.end, scope.tenant.zone).date() - dt.timedelta(days=1)
    return {
        "periods": PERIODS.items(),
        "pipelines": pipelines,
        "brands": brands,
        "selected_pipeline": next((p for p in pipelines if p.pk == scope.pipeline_id), None),
        "selected_brand": next((b for b in brands if b.pk == scope.brand_id), None),
        "custom_start": timezone.localtime(scope.start, scope.tenant.zone).date(),
        "custom_end": last_day,
    }
