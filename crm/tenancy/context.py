"""The active tenant, held in two places that must agree (the two walls).

Wall 1 is a context variable read by tenant-owned managers; wall 2 is the PostgreSQL setting
``app.tenant_id`` that row-level security policies read. ``tenant_context`` sets both, inside a
transaction, because ``set_config(..., true)`` lasts only until the transaction ends.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

from django.db import connections, transaction

if TYPE_CHECKING:
    from crm.models import Tenant

_current_tenant: ContextVar["Tenant | None"] = ContextVar("threadline_tenant", default=None)

TENANT_SETTING = "app.tenant_id"
USER_SETTING = "app.user_id"


class NoTenantContext(RuntimeError):
    """A tenant-owned table was queried with no tenant chosen: fail closed, never return all rows."""


def current_tenant() -> "Tenant":
    tenant = _current_tenant.get()
    if tenant is None:
        raise NoTenantContext(
            "No tenant context: wrap the work in crm.tenancy.tenant_context(tenant), or use the "
            "model's `unscoped` manager for a deliberate system-wide sweep."
        )
    return tenant


def _set_database_setting(name: str, value: object, using: str) -> None:
    connection = connections[using]
    if not connection.in_atomic_block:
        raise RuntimeError(f"{name} must be set inside a transaction (it is transaction-local).")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config(%s, %s, true)", [name, "" if value is None else str(value)]
        )


@contextmanager
def tenant_context(tenant: "Tenant", *, using: str = "default") -> Iterator["Tenant"]:
    """Run the block as `tenant`: scoped managers and row-level security both see only its rows."""
    previous = _current_tenant.get()
    token = _current_tenant.set(tenant)
    enclosed = connections[using].in_atomic_block
    try:
        # No savepoint: an error inside dooms the enclosing transaction, setting and all.
        with transaction.atomic(using=using, savepoint=False):
            _set_database_setting(TENANT_SETTING, tenant.pk, using)
            yield tenant
            # The enclosing transaction goes on: give it back its own tenant (or none). One
            # already marked for rollback (a 500) runs nothing more, and needs nothing back.
            switched = previous is None or previous.pk != tenant.pk
            if enclosed and switched and not connections[using].needs_rollback:
                _set_database_setting(TENANT_SETTING, previous.pk if previous else None, using)
    finally:
        _current_tenant.reset(token)


def set_database_user(user_id: int | None, *, using: str = "default") -> None:
    """Let row-level security show a user their own memberships in every tenant (the picker)."""
    _set_database_setting(USER_SETTING, user_id, using)
