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
from psycopg import ClientCursor

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


def active_tenant() -> "Tenant | None":
    """The active tenant, or None outside any (for what only adapts to one, never for rows)."""
    return _current_tenant.get()


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


def _setting_text(value: object) -> str:
    return "" if value is None else str(value)


@contextmanager
def settings_sent_with_next_query(
    settings: dict[str, object], *, using: str = "default"
) -> Iterator[None]:
    """Set transaction-local settings in the same round trip as the block's first statement.

    ``SELECT set_config(…); <the statement>`` goes to PostgreSQL as one message and runs in that
    order, so the statement (and its row-level security policies) already sees the settings: one
    round trip fewer per request than a ``set_config`` of its own. Where a statement cannot carry
    the prefix (server-side binding allows one statement per execute, as does a server-side
    cursor's DECLARE; a statement with no parameters is not interpolated), the settings are sent on their own just before it. A block
    that runs no statement sends nothing: nothing read them.
    """
    connection = connections[using]
    if not connection.in_atomic_block:
        raise RuntimeError(
            "Settings must be set inside a transaction (they are transaction-local)."
        )
    names = list(settings)
    pending = [True]

    def send_alone() -> None:
        pending.clear()
        for name in names:
            _set_database_setting(name, settings[name], using)

    if connection.settings_dict["OPTIONS"].get("server_side_binding"):
        send_alone()
        yield
        return

    def prefix(execute, sql, params, many, context):
        if not pending:
            return execute(sql, params, many, context)
        # Only a cursor that binds on the client sends two statements as one: a server-side
        # cursor (.iterator()) wraps the statement in DECLARE, and a prepared statement
        # (crm.kit.statements.prepared_cursor) is bound on the server; each takes one.
        client_bound = isinstance(context["cursor"].cursor, ClientCursor)
        if many or not client_bound or not isinstance(params, list | tuple):
            send_alone()
            return execute(sql, params, many, context)
        pending.clear()
        setup = "SELECT " + ", ".join("set_config(%s, %s, true)" for _ in names) + "; "
        setup_params = [part for n in names for part in (n, _setting_text(settings[n]))]
        result = execute(setup + sql, [*setup_params, *params], many, context)
        # On to the statement's own result, the last one (another wrapper, pghistory's, may have
        # put a statement of its own in front too).
        while context["cursor"].nextset():
            pass
        return result

    with connection.execute_wrapper(prefix):
        yield


@contextmanager
def request_tenant_context(tenant: "Tenant") -> Iterator["Tenant"]:
    """Wall 1 for a request whose transaction already has wall 2 set for `tenant`.

    The tenant middleware sets ``app.tenant_id`` in the statement that reads the membership, and
    the transaction ends with the request, so unlike ``tenant_context`` nothing is sent to the
    database, on the way in or out.
    """
    token = _current_tenant.set(tenant)
    try:
        yield tenant
    finally:
        _current_tenant.reset(token)


def set_database_user(user_id: int | None, *, using: str = "default") -> None:
    """Let row-level security show a user their own memberships in every tenant (the picker)."""
    _set_database_setting(USER_SETTING, user_id, using)
