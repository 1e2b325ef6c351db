"""Wall 2: PostgreSQL row-level security on every tenant-owned table, and the app role's grants.

Applied after every `migrate` (post_migrate, owner connection only), so a table added by any app
is covered without a hand-written migration; tests/security/test_rls.py checks that it is.
"""

from django.apps import apps
from django.db import connections
from django.db.models import ForeignKey

from crm import dbconfig

OWNER_ALIAS = "owner"
POLICY = "tenant_isolation"
USER_READ_POLICY = "user_can_read_own"

CURRENT_TENANT_FUNCTION = """
CREATE OR REPLACE FUNCTION threadline_current_tenant() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::bigint $$;
CREATE OR REPLACE FUNCTION threadline_current_user() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT NULLIF(current_setting('app.user_id', true), '')::bigint $$;
"""


def is_tenant_owned(model) -> bool:
    if model._meta.proxy or not model._meta.managed:
        return False
    field = next((f for f in model._meta.concrete_fields if f.name == "tenant"), None)
    return isinstance(field, ForeignKey) and field.related_model._meta.label == "crm.Tenant"


def tenant_owned_models() -> list:
    return [model for model in apps.get_models(include_auto_created=True) if is_tenant_owned(model)]


def _policy_statements(model) -> list[str]:
    table = connections[OWNER_ALIAS].ops.quote_name(model._meta.db_table)
    statements = [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS {POLICY} ON {table}",
        f"CREATE POLICY {POLICY} ON {table} "
        "USING (tenant_id = threadline_current_tenant()) "
        "WITH CHECK (tenant_id = threadline_current_tenant())",
        f"DROP POLICY IF EXISTS {USER_READ_POLICY} ON {table}",
    ]
    user_field = getattr(model, "rls_readable_by_user_field", None)
    if user_field:
        column = model._meta.get_field(user_field).column
        statements.append(
            f"CREATE POLICY {USER_READ_POLICY} ON {table} FOR SELECT "
            f"USING ({column} = threadline_current_user())"
        )
    return statements


def apply_row_level_security(using: str = OWNER_ALIAS) -> None:
    role = connections[using].ops.quote_name(dbconfig.app_role())
    with connections[using].cursor() as cursor:
        cursor.execute(CURRENT_TENANT_FUNCTION)
        for model in tenant_owned_models():
            for statement in _policy_statements(model):
                cursor.execute(statement)
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
        cursor.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"
        )
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}")
        cursor.execute(f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {role}")


def apply_after_migrate(sender, using, **kwargs) -> None:
    # Only the owner may alter tables; a test flush emits post_migrate on the app connection too.
    if using == OWNER_ALIAS:
        apply_row_level_security(using)
