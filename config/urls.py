"""The root URLconf: each app's URLs under its prefix."""

from django.contrib import admin
from django.urls import include, path

from config import health

urlpatterns = [
    path("", include("shell.urls")),
    path("", include("crm.urls")),
    path("contacts/", include("portal.urls_staff")),
    path("settings/", include("leads.urls_settings")),
    path("settings/", include("comms.urls_settings")),
    path("settings/", include("tickets.urls_settings")),
    path("settings/", include("followups.urls_settings")),
    path("inbox/", include("tickets.urls")),
    path("followups/", include("followups.urls")),
    path("documents/", include("documents.urls")),
    path("dashboard/", include("dashboards.urls")),
    path("portal/", include("portal.urls")),
    path("", include("comms.urls_public")),
    path("", include("tickets.urls_public")),
    path("", include("comms.urls")),
    path("", include("leads.urls_public")),
    path("healthz", health.healthz, name="healthz"),
    path("platform-admin/", admin.site.urls),
]

handler400 = "crm.views.errors.bad_request"
handler403 = "crm.views.errors.permission_denied"
handler404 = "crm.views.errors.page_not_found"
handler500 = "crm.views.errors.server_error"
