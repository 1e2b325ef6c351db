"""Demo messaging for `make dev`: the tenant's templates, and the bi-weekly update template in its
delivery settings. automation.demo seeds the triggers and the first messages with them."""

from crm.models import Tenant
from messaging.demo_templates import seed_templates
from messaging.models import CommsSettings, MessageTemplate
from messaging.services.policy import comms_settings_get


def seed_messaging(*, tenant: Tenant) -> dict[str, MessageTemplate]:
    templates = seed_templates(tenant=tenant)
    config = comms_settings_get(tenant=tenant)
    if config.update_template_id is None and "biweekly-update" in templates:
        CommsSettings.objects.filter(tenant=tenant, pk=config.pk).update(
            update_template=templates["biweekly-update"]
        )
    return templates
