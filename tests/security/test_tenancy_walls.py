"""Both tenancy walls: scoped managers that fail closed, and PostgreSQL row-level security."""

import pytest
from django.db import ProgrammingError, connection, connections, transaction

from crm import dbconfig
from crm.models import Brand, Contact, Membership, Notification
from crm.tenancy import NoTenantContext, set_database_user, tenant_context
from crm.tenancy.rls import tenant_owned_models

pytestmark = pytest.mark.django_db


def _raw_count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        return cursor.fetchone()[0]


def _set_raw_tenant(tenant_id) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.tenant_id', %s, true)", [str(tenant_id or "")])


class TestWallOneScopedManagers:
    def test_default_manager_raises_outside_a_tenant_context(self, world):
        with pytest.raises(NoTenantContext):
            list(Contact.objects.all())

    def test_default_manager_sees_only_the_active_tenant(self, world, other_world):
        with world.active():
            assert list(Contact.objects.all()) == [world.contact]
        with other_world.active():
            assert list(Contact.objects.all()) == [other_world.contact]

    def test_fetch_by_another_tenants_pk_finds_nothing(self, world, other_world):
        with world.active(), pytest.raises(Contact.DoesNotExist):
            Contact.objects.get(tenant=world.tenant, pk=other_world.contact.pk)

    def test_nested_context_restores_the_outer_tenant(self, world, other_world):
        with world.active():
            with other_world.active():
                assert list(Brand.objects.all()) == [other_world.brand]
            assert list(Brand.objects.all()) == [world.brand]
            assert _raw_count(Brand._meta.db_table) == 1


class TestWallTwoRowLevelSecurity:
    def test_app_role_is_neither_owner_nor_superuser(self, world):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
            )
            user, is_superuser, bypasses_rls = cursor.fetchone()
            cursor.execute(
                "SELECT tableowner FROM pg_tables WHERE tablename = %s", [Contact._meta.db_table]
            )
            (owner,) = cursor.fetchone()
        assert user == dbconfig.app_role()
        assert not is_superuser and not bypasses_rls
        assert owner != user

    @pytest.mark.parametrize("model", [Contact, Brand, Membership, Notification])
    def test_raw_sql_without_a_tenant_returns_no_rows(self, world, model):
        _set_raw_tenant(None)
        assert _raw_count(model._meta.db_table) == 0

    def test_raw_sql_with_another_tenants_id_returns_none_of_ours(self, world, other_world):
        _set_raw_tenant(other_world.tenant.pk)
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM crm_contact")
            visible = {row[0] for row in cursor.fetchall()}
        assert visible == {other_world.contact.pk}
        assert world.contact.pk not in visible

    def test_unscoped_manager_is_still_filtered_by_the_database(self, world, other_world):
        _set_raw_tenant(None)
        assert Contact.unscoped.count() == 0
        with world.active():
            assert set(Contact.unscoped.values_list("pk", flat=True)) == {world.contact.pk}

    def test_writing_a_row_into_another_tenant_is_refused(self, world, other_world):
        refused = pytest.raises(ProgrammingError, match="row-level security")
        with world.active(), refused, transaction.atomic():
            Contact.unscoped.create(tenant=other_world.tenant, first_name="Intruder")

    def test_moving_a_row_to_another_tenant_is_refused(self, world, other_world):
        refused = pytest.raises(ProgrammingError, match="row-level security")
        with world.active(), refused, transaction.atomic():
            Contact.unscoped.filter(pk=world.contact.pk).update(tenant=other_world.tenant)

    def test_a_user_reads_their_own_memberships_in_every_tenant_and_no_one_elses(
        self, world, other_world
    ):
        from tests.factories import MembershipFactory

        second = MembershipFactory(tenant=other_world.tenant, user=world.rep.user)
        _set_raw_tenant(None)
        set_database_user(world.rep.user.pk)
        mine = set(Membership.unscoped.values_list("pk", flat=True))
        assert mine == {world.rep.pk, second.pk}

    def test_the_user_policy_only_reads(self, world, other_world):
        set_database_user(world.rep.user.pk)
        with other_world.active():
            updated = Membership.unscoped.filter(pk=world.rep.pk).update(role="admin")
        assert updated == 0
        with world.active():
            assert Membership.objects.get(pk=world.rep.pk).role == "rep"

    def test_every_tenant_owned_table_has_row_level_security(self, db):
        tables = {model._meta.db_table for model in tenant_owned_models()}
        assert {"crm_contact", "crm_membership", "crm_contactevent"} <= tables
        with connections["default"].cursor() as cursor:
            cursor.execute(
                "SELECT relname FROM pg_class WHERE relrowsecurity AND relname = ANY(%s)",
                [list(tables)],
            )
            protected = {row[0] for row in cursor.fetchall()}
            cursor.execute(
                "SELECT tablename FROM pg_policies WHERE policyname = 'tenant_isolation'"
            )
            with_policy = {row[0] for row in cursor.fetchall()}
        assert tables - protected == set()
        assert tables - with_policy == set()

    def test_leaving_a_context_inside_a_transaction_clears_the_database_tenant(self, world):
        with world.active():
            assert _raw_count("crm_contact") == 1
        # Still inside the test's transaction: no tenant in Python, so none in the database.
        assert _raw_count("crm_contact") == 0

    def test_tenant_context_outside_a_transaction_still_sets_the_database_tenant(self, world):
        with tenant_context(world.tenant):
            assert _raw_count("crm_contact") == 1


# Indexes that cannot start with the tenant, and why that is safe.
NOT_TENANT_LED = {
    "Lead.lead_search": "a full-text GIN index; leading with tenant needs btree_gin, which the "
    "embedded PostgreSQL lacks. Queries still filter by tenant and row-level security applies.",
    "Lead.lead_open_search": "the open leads' lead_search, read as it is, through "
    "threadline_open_lead_search (leads migration 0016), which applies the current tenant.",
    "ApiKey.api_key_prefix": "an API request finds its key by prefix before any tenant is known, "
    "through threadline_api_key_tenant (api migration 0001), which answers only the tenant's id; "
    "the key itself is then read as that tenant.",
}


def test_every_unique_constraint_and_composite_index_starts_with_tenant():
    from pghistory.models import Event

    offenders = []
    for model in tenant_owned_models():
        if issubclass(model, Event):
            continue  # audit tables are append-only and read per object
        for index in model._meta.indexes:
            names = index.fields or [getattr(e, "name", None) for e in index.expressions]
            label = f"{model.__name__}.{index.name}"
            if names[0].lstrip("-") != "tenant" and label not in NOT_TENANT_LED:
                offenders.append(label)
        for constraint in model._meta.constraints:
            fields = getattr(constraint, "fields", None) or [
                getattr(e, "name", None) for e in getattr(constraint, "expressions", ())
            ]
            if fields and fields[0] != "tenant":
                offenders.append(f"{model.__name__}.{constraint.name}")
    assert offenders == []


@pytest.mark.django_db
@pytest.mark.parametrize("function", ["threadline_lead_search", "threadline_open_lead_search"])
def test_the_lead_search_function_answers_only_for_the_current_tenant(world, other_world, function):
    """The lead search functions run as the table owner (to use the full-text indexes), so they
    must apply the tenant themselves: the same name in two tenants, and no tenant at all."""
    from leads.models import Lead
    from leads.selectors.search import leads_matching
    from tests.factories import lead_for

    for each in (world, other_world):
        with each.active():
            each.contact.first_name = "Zelda"
            each.contact.save()
        lead_for(each, owner=each.rep)
    with world.active():
        found = list(leads_matching(Lead.objects.all(), "zel"))
        assert [lead.tenant_id for lead in found] == [world.tenant.pk]

    def raw_search() -> list:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {function}(to_tsquery('simple', 'zel:*'))")
            return cursor.fetchall()

    with transaction.atomic():
        _set_raw_tenant(None)
        assert raw_search() == []
        _set_raw_tenant(other_world.tenant.pk)
        assert len(raw_search()) == 1
