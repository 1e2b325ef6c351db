"""The tenants function compares the address as stored: contact emails are lower-case (crm 0022,
a check constraint) and the lookup index is on the plain (tenant, email) columns now, so
`lower(address.email)` would find no index and read every address of every tenant."""

import importlib

from django.db import migrations

# The reverse puts back the function as 0003 made it.
before = importlib.import_module("portal.migrations.0003_sign_in_verified_addresses")

STORED_ADDRESS_TENANTS_FUNCTION = """
CREATE OR REPLACE FUNCTION threadline_portal_tenants(email_address text, phone_number text)
RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT tenant.id FROM crm_tenant AS tenant
    WHERE EXISTS (
        SELECT 1 FROM crm_contactemail AS address
        WHERE address.tenant_id = tenant.id AND address.email = lower(email_address)
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
        ("portal", "0003_sign_in_verified_addresses"),
        ("crm", "0022_contact_email_lower_case"),
    ]

    operations = [
        migrations.RunSQL(STORED_ADDRESS_TENANTS_FUNCTION, before.VERIFIED_TENANTS_FUNCTION),
    ]
