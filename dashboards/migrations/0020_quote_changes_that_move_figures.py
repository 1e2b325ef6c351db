"""The quote trigger of dashboards/0008 notes only the quote writes that can move a figure.

The period rollups read a lead's quotes twice: a won lead's value is its accepted quotes' total,
a lost lead's its latest offered quote's (sent, viewed, rejected or expired: any status but a
draft). A quote's status moves a figure only when it goes into or out of "accepted" or "draft";
viewed and expired stay offered. The hourly expiry of a million-lead tenant's quotes past their
date (72,000 in the bench data, most of them on lost leads) noted every one of their leads'
cohort and closing days, and the next period sweep recounted every day of the tenant, 93 s
(docs/benchmarks.md, "Sweeps with 1,000 tenants"). Inserts and deletes are noted as before.
"""

from django.db import migrations

TRIGGER = """
DROP TRIGGER IF EXISTS dashboard_quote_changed ON leads_quote;
CREATE TRIGGER dashboard_quote_changed AFTER UPDATE ON leads_quote FOR EACH ROW
    WHEN ((OLD.status = 'accepted') <> (NEW.status = 'accepted')
          OR (OLD.status = 'draft') <> (NEW.status = 'draft')
          OR NOT (OLD.status = 'draft' AND NEW.status = 'draft')
             AND (OLD.total IS DISTINCT FROM NEW.total
                  OR OLD.created_at IS DISTINCT FROM NEW.created_at
                  OR OLD.lead_id IS DISTINCT FROM NEW.lead_id))
    EXECUTE FUNCTION dashboard_quote_changed();
"""

# As dashboards/0008 wrote it.
TRIGGER_BEFORE = """
DROP TRIGGER IF EXISTS dashboard_quote_changed ON leads_quote;
CREATE TRIGGER dashboard_quote_changed AFTER UPDATE ON leads_quote FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status
          OR OLD.total IS DISTINCT FROM NEW.total
          OR OLD.created_at IS DISTINCT FROM NEW.created_at
          OR OLD.lead_id IS DISTINCT FROM NEW.lead_id)
    EXECUTE FUNCTION dashboard_quote_changed();
"""


class Migration(migrations.Migration):
    dependencies = [("dashboards", "0019_due_tenants_one_probe")]

    operations = [migrations.RunSQL(TRIGGER, TRIGGER_BEFORE)]
