from django.db import models

from crm.tenancy.context import current_tenant


class TenantManager(models.Manager):
    """The default manager of every tenant-owned model: scoped to the active tenant, or it raises."""

    def get_queryset(self):
        return super().get_queryset().filter(tenant_id=current_tenant().pk)


class TenantOwnedModel(models.Model):
    """A row that belongs to one tenant. Row-level security is applied to its table after migrate.

    Every unique constraint and composite index of a subclass starts with ``tenant``.
    """

    tenant = models.ForeignKey(
        "crm.Tenant", on_delete=models.CASCADE, related_name="+", editable=False, db_index=False
    )

    # A field (ForeignKey to User) whose user may read the row in any tenant, e.g. their memberships.
    rls_readable_by_user_field: str | None = None

    objects = TenantManager()
    # For deliberate system-wide work only; row-level security still applies to the app role.
    unscoped = models.Manager()  # noqa: DJ012  (declared after `objects`, which stays the default)

    class Meta:
        abstract = True
