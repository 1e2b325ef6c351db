"""Stages made from a ready-made pipeline before labels came per language get the template's
Dutch and Spanish labels (and the English one, in a team of another language), so a customer
reading either sees their own words at once. The labels are copied here as they were, so later
changes to the templates do not change what this migration did."""

from django.db import migrations

TEMPLATE_LABELS = """
UPDATE leads_stage AS stage
SET customer_labels = template.labels || CASE
    WHEN tenant.language = 'en' THEN '{}'::jsonb
    ELSE jsonb_build_object('en', stage.customer_label)
END
FROM (VALUES
    ('Request received', '{"nl": "Aanvraag ontvangen", "es": "Solicitud recibida"}'::jsonb),
    ('We reached you', '{"nl": "We hebben contact gehad", "es": "Ya hablamos con usted"}'::jsonb),
    ('Inspection booked', '{"nl": "Inspectie gepland", "es": "Inspección programada"}'::jsonb),
    ('Quote ready', '{"nl": "Offerte klaar", "es": "Presupuesto listo"}'::jsonb),
    ('Quote accepted', '{"nl": "Offerte geaccepteerd", "es": "Presupuesto aceptado"}'::jsonb),
    ('Work scheduled', '{"nl": "Werk ingepland", "es": "Trabajo programado"}'::jsonb),
    ('Work in progress', '{"nl": "Werk in uitvoering", "es": "Trabajo en curso"}'::jsonb),
    ('Work completed', '{"nl": "Werk afgerond", "es": "Trabajo terminado"}'::jsonb),
    ('Paid in full', '{"nl": "Volledig betaald", "es": "Pagado en su totalidad"}'::jsonb),
    ('Thank you', '{"nl": "Bedankt", "es": "Gracias"}'::jsonb),
    ('Closed', '{"nl": "Afgesloten", "es": "Cerrado"}'::jsonb),
    ('Site survey booked', '{"nl": "Locatiebezoek gepland", "es": "Visita al sitio programada"}'::jsonb),
    ('Survey done', '{"nl": "Locatiebezoek gedaan", "es": "Visita realizada"}'::jsonb),
    ('Preparing your proposal', '{"nl": "We maken je voorstel", "es": "Preparando su propuesta"}'::jsonb),
    ('Proposal sent', '{"nl": "Voorstel verstuurd", "es": "Propuesta enviada"}'::jsonb),
    ('Reviewing the proposal', '{"nl": "Voorstel in bespreking", "es": "Revisando la propuesta"}'::jsonb),
    ('Proposal accepted', '{"nl": "Voorstel geaccepteerd", "es": "Propuesta aceptada"}'::jsonb),
    ('Permits', '{"nl": "Vergunningen", "es": "Permisos"}'::jsonb),
    ('Final inspection', '{"nl": "Eindinspectie", "es": "Inspección final"}'::jsonb),
    ('Invoice sent', '{"nl": "Factuur verstuurd", "es": "Factura enviada"}'::jsonb),
    ('Damage inspection', '{"nl": "Schade-inspectie", "es": "Inspección de daños"}'::jsonb),
    ('Claim filed with your insurer', '{"nl": "Claim ingediend bij je verzekeraar", "es": "Reclamo presentado a su aseguradora"}'::jsonb),
    ('Adjuster visit', '{"nl": "Bezoek van de expert", "es": "Visita del ajustador"}'::jsonb),
    ('Claim approved', '{"nl": "Claim goedgekeurd", "es": "Reclamo aprobado"}'::jsonb),
    ('Insurer supplement', '{"nl": "Aanvulling verzekeraar", "es": "Suplemento de la aseguradora"}'::jsonb),
    ('Photos requested', '{"nl": "Foto''s aangevraagd", "es": "Fotos solicitadas"}'::jsonb),
    ('Quote sent', '{"nl": "Offerte verstuurd", "es": "Presupuesto enviado"}'::jsonb),
    ('Order confirmed', '{"nl": "Opdracht bevestigd", "es": "Pedido confirmado"}'::jsonb),
    ('Materials ordered', '{"nl": "Materiaal besteld", "es": "Materiales pedidos"}'::jsonb),
    ('Installation planned', '{"nl": "Installatie gepland", "es": "Instalación programada"}'::jsonb),
    ('Installed', '{"nl": "Geïnstalleerd", "es": "Instalado"}'::jsonb),
    ('Paid', '{"nl": "Betaald", "es": "Pagado"}'::jsonb)
) AS template(label, labels), crm_tenant AS tenant
WHERE stage.customer_label = template.label
  AND stage.customer_labels = '{}'::jsonb
  AND tenant.id = stage.tenant_id
"""


class Migration(migrations.Migration):
    dependencies = [("leads", "0018_stage_customer_labels")]

    operations = [migrations.RunSQL(TEMPLATE_LABELS, migrations.RunSQL.noop)]
