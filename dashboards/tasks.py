"""Beat-driven rollups of the dashboard. Thin wrappers over dashboards.stage_flow."""

from celery import shared_task

from crm.tenancy.tasks import each_tenant
from dashboards.stage_flow import stage_flow_roll_up


@shared_task
def roll_up_stage_flow() -> int:
    """Store every tenant's finished days of stage flow (hourly: days end in every time zone)."""
    return each_tenant(stage_flow_roll_up)
