"""Which existing addresses may keep signing in to the customer portal.

Before this release any path that matched a contact by one address (the web form, /leads/new/,
the CSV import, an inbound message) added the other address it was given to that contact, and the
portal signed in whoever held any address of a contact. So an address added to an existing contact
after it was created may be a stranger's; an address that arrived together with the contact (in the
transaction that created it) is the one the contact was made from: it names that contact, whoever
typed it. Staff had no other way to add an address to an existing contact.

The rule, from the audit trail (pghistory's insert events; NOW() in its triggers is the start of
the transaction, so two rows written in one transaction carry the same pgh_created_at):

- an address whose insert shares its contact's insert transaction is verified
  (verified_how "with_contact"): every customer keeps signing in with the address they came with;
- every other address (added later, or with no insert event to tell) stays unverified until staff
  confirm it on the contact page or the customer proves it in the portal; its source reads
  "Added before addresses were verified".

created_at is taken from the insert event where there is one.
"""

from django.db import migrations


def _statements(table: str) -> list[str]:
    created_at = """
        UPDATE crm_X AS address SET created_at = event.pgh_created_at
        FROM crm_Xevent AS event
        WHERE event.pgh_obj_id = address.id AND event.pgh_label = 'insert'
    """
    came_with_contact = """
        UPDATE crm_X AS address SET verified_at = now(), verified_how = 'with_contact'
        WHERE address.verified_at IS NULL AND EXISTS (
            SELECT 1 FROM crm_Xevent AS added
            JOIN crm_contactevent AS created
              ON created.pgh_obj_id = address.contact_id AND created.pgh_label = 'insert'
            WHERE added.pgh_obj_id = address.id AND added.pgh_label = 'insert'
              AND added.pgh_created_at = created.pgh_created_at
        )
    """
    return [sql.replace("crm_X", f"crm_{table}") for sql in (created_at, came_with_contact)]


STATEMENTS = _statements("contactemail") + _statements("contactphone")


class Migration(migrations.Migration):
    dependencies = [("crm", "0011_contact_address_verification")]

    operations = [migrations.RunSQL(sql, reverse_sql=migrations.RunSQL.noop) for sql in STATEMENTS]
