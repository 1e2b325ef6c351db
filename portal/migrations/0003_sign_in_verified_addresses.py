"""Only a verified address signs in (crm 0010/0011): the tenants function asks for verified rows
too, and the checklist's own copy of proved addresses goes (verification lives on the address).

The checklist's verified_email / verified_phone are dropped without being copied onto the
addresses: a code entered in the portal proved who held the session, and before this release a
session could have been opened with a stranger's address (crm 0011 says which addresses stay
verified).
"""

import importlib

from django.db import migrations

# The reverse puts back the function as 0001 made it.
before = importlib.import_module("portal.migrations.0001_initial")

VERIFIED_TENANTS_FUNCTION = """
CREATE OR REPLACE FUNCTION threadline_portal_tenants(email_address text, phone_number text)
RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT tenant.id FROM crm_tenant AS tenant
    WHERE EXISTS (
        SELECT 1 FROM crm_contactemail AS address
        WHERE address.tenant_id = tenant.id AND lower(address.email) = email_address
          AND address.verified_at IS NOT NULL
    ) OR EXISTS (
        SELECT 1 FROM crm_contactphone AS phone
        WHERE phone.tenant_id = tenant.id AND phone.number = phone_number
          AND phone.kind <> 'landline' AND phone.verified_at IS NOT NULL
    )
$$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0002_onboarding"),
        ("crm", "0012_address_verification_existing_rows"),
    ]

    operations = [
        migrations.RemoveField(model_name="onboarding", name="verified_email"),
        migrations.RemoveField(model_name="onboarding", name="verified_phone"),
        migrations.RunSQL(VERIFIED_TENANTS_FUNCTION, before.TENANTS_FUNCTION),
    ]
