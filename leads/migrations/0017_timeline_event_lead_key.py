"""The timeline's foreign key to its job, owned by the leads app: crm 0024 made the column a plain
id in crm's models, so the database's constraint is the only link. It now deletes a job's events
with the job (what the model's CASCADE did), in the database."""

from django.db import migrations

OWN_CONSTRAINT = """
DO $$
DECLARE name text;
BEGIN
    FOR name IN
        SELECT conname FROM pg_constraint
        WHERE conrelid = 'crm_timelineevent'::regclass AND contype = 'f'
          AND confrelid = 'leads_lead'::regclass
    LOOP
        EXECUTE format('ALTER TABLE crm_timelineevent DROP CONSTRAINT %I', name);
    END LOOP;
END $$;
ALTER TABLE crm_timelineevent ADD CONSTRAINT timeline_event_lead_fk
    FOREIGN KEY (lead_id) REFERENCES leads_lead (id) ON DELETE CASCADE
    DEFERRABLE INITIALLY DEFERRED;
"""

GIVE_BACK = """
ALTER TABLE crm_timelineevent DROP CONSTRAINT timeline_event_lead_fk;
ALTER TABLE crm_timelineevent ADD CONSTRAINT crm_timelineevent_lead_id_fk_leads_lead_id
    FOREIGN KEY (lead_id) REFERENCES leads_lead (id) DEFERRABLE INITIALLY DEFERRED;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0024_timeline_lead_id"),
        ("leads", "0007_search_folded_documents_squashed_0016_open_lead_search"),
    ]

    operations = [migrations.RunSQL(OWN_CONSTRAINT, GIVE_BACK)]
