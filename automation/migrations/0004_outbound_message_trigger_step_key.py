"""The outbox's foreign key to the trigger step that scheduled a message, owned by automation:
comms 0009 made the column a plain id in messaging's models, so the database's constraint is the
only link. Deleting a step empties the column (what the model's SET_NULL did), in the database."""

from django.db import migrations

OWN_CONSTRAINT = """
DO $$
DECLARE name text;
BEGIN
    FOR name IN
        SELECT conname FROM pg_constraint
        WHERE conrelid = 'comms_outboundmessage'::regclass AND contype = 'f'
          AND confrelid = 'comms_triggerstep'::regclass
    LOOP
        EXECUTE format('ALTER TABLE comms_outboundmessage DROP CONSTRAINT %I', name);
    END LOOP;
END $$;
ALTER TABLE comms_outboundmessage ADD CONSTRAINT outbound_message_trigger_step_fk
    FOREIGN KEY (trigger_step_id) REFERENCES comms_triggerstep (id) ON DELETE SET NULL
    DEFERRABLE INITIALLY DEFERRED;
"""

GIVE_BACK = """
ALTER TABLE comms_outboundmessage DROP CONSTRAINT outbound_message_trigger_step_fk;
ALTER TABLE comms_outboundmessage ADD CONSTRAINT comms_outboundmessage_trigger_step_id_fk
    FOREIGN KEY (trigger_step_id) REFERENCES comms_triggerstep (id)
    DEFERRABLE INITIALLY DEFERRED;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("automation", "0001_initial_squashed_0003_enrolment_stop_reason_params"),
        ("comms", "0009_outbound_message_trigger_step_id"),
    ]

    operations = [migrations.RunSQL(OWN_CONSTRAINT, GIVE_BACK)]
