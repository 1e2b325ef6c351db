"""Admin pages for pipelines, stages, lead sources, assignment rules and lead forms."""

from django.urls import path

from leads.views import capture, tax_rates
from leads.views import settings as lead_settings

app_name = "lead-settings"

urlpatterns = [
    # --- Pipelines, stages, sources, assignment rules, speed to lead (leads.views.settings)
    path("pipelines/", lead_settings.pipeline_list, name="pipelines"),
    path("pipelines/new/", lead_settings.pipeline_create, name="pipeline-create"),
    path("pipelines/<int:pipeline_pk>/", lead_settings.pipeline_detail, name="pipeline"),
    path("pipelines/<int:pipeline_pk>/edit/", lead_settings.pipeline_edit, name="pipeline-edit"),
    path("pipelines/<int:pipeline_pk>/move/", lead_settings.pipeline_move, name="pipeline-move"),
    path(
        "pipelines/<int:pipeline_pk>/stages/new/", lead_settings.stage_create, name="stage-create"
    ),
    path("stages/<int:stage_pk>/", lead_settings.stage_edit, name="stage-edit"),
    path("stages/<int:stage_pk>/move/", lead_settings.stage_move, name="stage-move"),
    path("stages/<int:stage_pk>/archive/", lead_settings.stage_archive, name="stage-archive"),
    path("stages/<int:stage_pk>/restore/", lead_settings.stage_restore, name="stage-restore"),
    path("stages/<int:stage_pk>/delete/", lead_settings.stage_delete, name="stage-delete"),
    path("lead-sources/", lead_settings.source_list, name="sources"),
    path("lead-sources/new/", lead_settings.source_edit, name="source-create"),
    path("lead-sources/<int:source_pk>/", lead_settings.source_edit, name="source-edit"),
    path("assignment/", lead_settings.assignment, name="assignment"),
    path("assignment/new/", lead_settings.rule_edit, name="rule-create"),
    path("assignment/<int:rule_pk>/", lead_settings.rule_edit, name="rule-edit"),
    path("assignment/<int:rule_pk>/next/", lead_settings.rule_next, name="rule-next"),
    path("assignment/<int:rule_pk>/move/", lead_settings.rule_move, name="rule-move"),
    path("assignment/<int:rule_pk>/delete/", lead_settings.rule_delete, name="rule-delete"),
    path("speed-to-lead/", lead_settings.speed_to_lead, name="speed-to-lead"),
    # --- Tax rates (leads.views.tax_rates)
    path("tax-rates/", tax_rates.tax_rate_list, name="tax-rates"),
    path("tax-rates/new/", tax_rates.tax_rate_edit, name="tax-rate-create"),
    path("tax-rates/<int:tax_rate_pk>/", tax_rates.tax_rate_edit, name="tax-rate-edit"),
    # --- Lead forms (leads.views.capture)
    path("lead-forms/", capture.capture_form_list, name="capture-forms"),
    path("lead-forms/new/", capture.capture_form_edit, name="capture-form-create"),
    path("lead-forms/<int:capture_form_pk>/", capture.capture_form_edit, name="capture-form-edit"),
    path(
        "lead-forms/<int:capture_form_pk>/rotate-key/",
        capture.capture_form_rotate_key,
        name="capture-form-rotate-key",
    ),
]
