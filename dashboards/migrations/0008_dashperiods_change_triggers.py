"""Database triggers that record which days of the period rollups a write touched.

Every write that changes a lead's figures (status, close, reason, owner, pipeline, brand, source,
cost, value, first touch) or one of its quotes (status, total, date) inserts a PeriodChange row
naming the lead's creation and, when it is lost, its closing: before and after the change. A
trigger sees every path (a service, a queryset update, a cascade, SET NULL on a removed member or
source), which the services' events do not; it only notes what changed, the counting is the
sweep's (dashboards.services.period_rollups). The bench generator, which writes with triggers
off, is followed by a first build that reads everything.
"""

from django.db import migrations

FUNCTIONS = """
CREATE OR REPLACE FUNCTION dashboard_lead_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO dashboards_periodchange (tenant_id, created_at, closed_at)
        VALUES (OLD.tenant_id, OLD.created_at, CASE WHEN OLD.status = 'lost' THEN OLD.closed_at END);
    END IF;
    IF TG_OP = 'INSERT' OR TG_OP = 'UPDATE' AND (OLD.created_at IS DISTINCT FROM NEW.created_at
            OR (CASE WHEN OLD.status = 'lost' THEN OLD.closed_at END)
               IS DISTINCT FROM (CASE WHEN NEW.status = 'lost' THEN NEW.closed_at END)) THEN
        INSERT INTO dashboards_periodchange (tenant_id, created_at, closed_at)
        VALUES (NEW.tenant_id, NEW.created_at, CASE WHEN NEW.status = 'lost' THEN NEW.closed_at END);
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION dashboard_quote_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO dashboards_periodchange (tenant_id, created_at, closed_at)
        SELECT lead.tenant_id, lead.created_at, CASE WHEN lead.status = 'lost' THEN lead.closed_at END FROM leads_lead lead WHERE lead.id = OLD.lead_id;
    END IF;
    IF TG_OP = 'INSERT' OR TG_OP = 'UPDATE' AND OLD.lead_id <> NEW.lead_id THEN
        INSERT INTO dashboards_periodchange (tenant_id, created_at, closed_at)
        SELECT lead.tenant_id, lead.created_at, CASE WHEN lead.status = 'lost' THEN lead.closed_at END FROM leads_lead lead WHERE lead.id = NEW.lead_id;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER dashboard_lead_added_or_removed AFTER INSERT OR DELETE ON leads_lead
    FOR EACH ROW EXECUTE FUNCTION dashboard_lead_changed();
CREATE TRIGGER dashboard_lead_changed AFTER UPDATE ON leads_lead FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status
          OR OLD.closed_at IS DISTINCT FROM NEW.closed_at
          OR OLD.lost_reason IS DISTINCT FROM NEW.lost_reason
          OR OLD.owner_id IS DISTINCT FROM NEW.owner_id
          OR OLD.pipeline_id IS DISTINCT FROM NEW.pipeline_id
          OR OLD.brand_id IS DISTINCT FROM NEW.brand_id
          OR OLD.source_id IS DISTINCT FROM NEW.source_id
          OR OLD.cost IS DISTINCT FROM NEW.cost
          OR OLD.estimated_value IS DISTINCT FROM NEW.estimated_value
          OR OLD.first_touch_at IS DISTINCT FROM NEW.first_touch_at
          OR OLD.won_at IS DISTINCT FROM NEW.won_at
          OR OLD.created_at IS DISTINCT FROM NEW.created_at
          OR OLD.tenant_id IS DISTINCT FROM NEW.tenant_id)
    EXECUTE FUNCTION dashboard_lead_changed();
CREATE TRIGGER dashboard_quote_added_or_removed AFTER INSERT OR DELETE ON leads_quote
    FOR EACH ROW EXECUTE FUNCTION dashboard_quote_changed();
CREATE TRIGGER dashboard_quote_changed AFTER UPDATE ON leads_quote FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status
          OR OLD.total IS DISTINCT FROM NEW.total
          OR OLD.created_at IS DISTINCT FROM NEW.created_at
          OR OLD.lead_id IS DISTINCT FROM NEW.lead_id)
    EXECUTE FUNCTION dashboard_quote_changed();
"""

DROP = """
DROP TRIGGER IF EXISTS dashboard_lead_added_or_removed ON leads_lead;
DROP TRIGGER IF EXISTS dashboard_lead_changed ON leads_lead;
DROP TRIGGER IF EXISTS dashboard_quote_added_or_removed ON leads_quote;
DROP TRIGGER IF EXISTS dashboard_quote_changed ON leads_quote;
DROP FUNCTION IF EXISTS dashboard_lead_changed();
DROP FUNCTION IF EXISTS dashboard_quote_changed();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0007_dashperiods_rollups"),
        ("leads", "0004_dashboard_lost_and_won_dates"),
    ]

    operations = [migrations.RunSQL(FUNCTIONS, DROP)]
