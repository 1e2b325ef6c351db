"""Admin pages for pipelines, stages, lead sources, assignment rules and lead forms."""

app_name = "lead-settings"

urlpatterns = []
