"""The tenant's tax rates (admin settings): a name, a percent, one of them the default."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm.models import Tenant, User
from leads.models import TaxRate


@transaction.atomic
def tax_rate_save(
    *,
    tenant: Tenant,
    actor: User,
    tax_rate: TaxRate | None = None,
    name: str,
    percent: Decimal,
    is_default: bool = False,
    is_archived: bool = False,
) -> TaxRate:
    """Create a rate (tax_rate=None) or change one. Quote lines and invoices keep the name and
    percent they were written with."""
    name = " ".join(name.split())
    taken = TaxRate.objects.filter(tenant=tenant, name__iexact=name)
    if tax_rate is not None:
        taken = taken.exclude(pk=tax_rate.pk)
    if taken.exists():
        raise ValidationError(
            {"name": _("There is already a tax rate called “%(name)s”.") % {"name": name}}
        )
    if is_default and is_archived:
        raise ValidationError(_("An archived tax rate cannot be the default."))
    if tax_rate is None:
        tax_rate = TaxRate(tenant=tenant)
    else:
        tax_rate = TaxRate.objects.select_for_update().get(tenant=tenant, pk=tax_rate.pk)
    if is_default:
        TaxRate.objects.filter(tenant=tenant, is_default=True).exclude(pk=tax_rate.pk).update(
            is_default=False
        )
    tax_rate.name, tax_rate.percent = name, percent
    tax_rate.is_default, tax_rate.is_archived = is_default, is_archived
    tax_rate.full_clean(exclude=["tenant"])
    tax_rate.save()
    return tax_rate
