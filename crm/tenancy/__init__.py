from crm.tenancy.context import (
    NoTenantContext,
    current_tenant,
    set_database_user,
    tenant_context,
)

__all__ = [
    "NoTenantContext",
    "current_tenant",
    "set_database_user",
    "tenant_context",
]
