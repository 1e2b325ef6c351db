"""What admins configure for follow-ups: their own follow-up types, follow-up templates, the
neglect thresholds (the tenant's and per stage) and the hour of the daily digest. The reads are
in followups.selectors.configuration.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from crm.models import Tenant, User
from followups.models import (
    FollowUpSettings,
    FollowUpTemplate,
    FollowUpType,
    Priority,
    StageNeglect,
)
from leads.models import Stage

MAX_NEGLECT_DAYS = 365
MAX_REMINDER_MINUTES = 60 * 24 * 30


# --- Settings -------------------------------------------------------------------------------------


@transaction.atomic
def follow_up_settings_save(
    *,
    tenant: Tenant,
    actor: User,
    neglect_after_days: int,
    manager_alert_after_days: int,
    digest_hour: int,
) -> FollowUpSettings:
    errors = {}
    if not 1 <= neglect_after_days <= MAX_NEGLECT_DAYS:
        errors["neglect_after_days"] = _("Between 1 and %(MAX_NEGLECT_DAYS)s days.") % {
            "MAX_NEGLECT_DAYS": MAX_NEGLECT_DAYS
        }
    if not 1 <= manager_alert_after_days <= MAX_NEGLECT_DAYS:
        errors["manager_alert_after_days"] = _("Between 1 and %(MAX_NEGLECT_DAYS)s days.") % {
            "MAX_NEGLECT_DAYS": MAX_NEGLECT_DAYS
        }
    if not 0 <= digest_hour <= 23:
        errors["digest_hour"] = _("An hour of the day, 0 to 23.")
    if errors:
        raise ValidationError(errors)
    row, _created = FollowUpSettings.objects.update_or_create(
        tenant=tenant,
        defaults={
            "neglect_after_days": neglect_after_days,
            "manager_alert_after_days": manager_alert_after_days,
            "digest_hour": digest_hour,
        },
    )
    return row


@transaction.atomic
def stage_neglect_save(*, tenant: Tenant, actor: User, thresholds: dict[int, int | None]) -> int:
    """Set (a number of days) or remove (None: the tenant's threshold applies) stages' own
    thresholds. Returns how many stages have one now."""
    stages = set(
        Stage.objects.filter(
            tenant=tenant, pk__in=list(thresholds), is_terminal=False, is_lost=False
        ).values_list("pk", flat=True)
    )
    if stages != set(thresholds):
        raise ValidationError(_("Pick stages of this team that can hold open leads."))
    for stage_id, days in thresholds.items():
        if days is None:
            StageNeglect.objects.filter(tenant=tenant, stage_id=stage_id).delete()
            continue
        if not 1 <= days <= MAX_NEGLECT_DAYS:
            raise ValidationError(
                _("A stage's threshold is between 1 and %(MAX_NEGLECT_DAYS)s days.")
                % {"MAX_NEGLECT_DAYS": MAX_NEGLECT_DAYS}
            )
        StageNeglect.objects.update_or_create(
            tenant=tenant, stage_id=stage_id, defaults={"neglect_after_days": days}
        )
    return StageNeglect.objects.filter(tenant=tenant).count()


# --- Follow-up types ------------------------------------------------------------------------------


def _unique_key(tenant: Tenant, name: str) -> str:
    base = slugify(name)[:32] or "type"
    taken = set(
        FollowUpType.objects.filter(tenant=tenant, key__startswith=base).values_list(
            "key", flat=True
        )
    )
    key, number = base, 2
    while key in taken:
        key, number = f"{base}-{number}", number + 1
    return key


@transaction.atomic
def follow_up_type_save(
    *, tenant: Tenant, actor: User, name: str, follow_up_type: FollowUpType | None = None
) -> FollowUpType:
    """Add a type of the tenant's own, or rename one. Built-in types keep their key (imports and
    triggers refer to it) but may be renamed."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the type a name.")})
    clash = FollowUpType.objects.filter(tenant=tenant, name__iexact=name)
    if follow_up_type is not None:
        clash = clash.exclude(pk=follow_up_type.pk)
    if clash.exists():
        raise ValidationError({"name": _("There is already a type with this name.")})
    if follow_up_type is None:
        follow_up_type = FollowUpType(tenant=tenant, key=_unique_key(tenant, name))
    follow_up_type.name = name[:80]
    follow_up_type.save()
    return follow_up_type


@transaction.atomic
def follow_up_type_set_archived(
    *, tenant: Tenant, actor: User, follow_up_type: FollowUpType, archived: bool
) -> FollowUpType:
    """An archived type is no longer offered for new follow-ups; those that have it keep it."""
    if (
        archived
        and not FollowUpType.objects.filter(tenant=tenant, is_archived=False)
        .exclude(pk=follow_up_type.pk)
        .exists()
    ):
        raise ValidationError(_("Keep at least one type in use."))
    follow_up_type.is_archived = archived
    follow_up_type.save(update_fields=["is_archived"])
    return follow_up_type


# --- Follow-up templates --------------------------------------------------------------------------

TEMPLATE_FIELDS = (
    "name",
    "type",
    "subject",
    "description",
    "priority",
    "days_after",
    "at_time",
    "reminder_offsets",
    "is_archived",
)


@transaction.atomic
def follow_up_template_save(
    *, tenant: Tenant, actor: User, template: FollowUpTemplate | None = None, **values
) -> FollowUpTemplate:
    unknown = set(values) - set(TEMPLATE_FIELDS)
    if unknown:
        raise ValueError(f"Not follow-up template fields: {', '.join(sorted(unknown))}")
    chosen_type = values.get("type")
    if chosen_type is not None and chosen_type.tenant_id != tenant.pk:
        raise ValidationError({"type": _("Pick a type of this team.")})
    if values.get("priority", Priority.MEDIUM) not in Priority.values:
        raise ValidationError({"priority": _("Choose high, medium or low.")})
    offsets = sorted(set(values.get("reminder_offsets") or []), reverse=True)
    if any(not 0 <= offset <= MAX_REMINDER_MINUTES for offset in offsets):
        raise ValidationError({"reminder_offsets": _("Reminders go at most 30 days before.")})
    values["reminder_offsets"] = offsets
    template = template or FollowUpTemplate(tenant=tenant)
    for name, value in values.items():
        setattr(template, name, value)
    template.full_clean(exclude=["tenant"])
    template.save()
    return template
