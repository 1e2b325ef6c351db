"""The root URLconf: each app's URLs under its prefix, each in a namespace of its own.

Messaging's namespaces say ``comms`` (its app label). Its public pages share ``comms-public`` with
anymail's webhooks, which tickets hardens (tickets.anymail_urls), so they stay at
``comms-public:anymail:*``: a namespace cannot span two included modules, so that one list is
joined here.
"""

from django.contrib import admin
from django.urls import include, path, re_path

from api import v1 as api_v1
from config import health
from messaging import urls_public as messaging_public_urls

urlpatterns = [
    path("", include("shell.urls")),
    path("", include("crm.urls")),
    path("contacts/", include("portal.urls_staff")),
    path("settings/", include("leads.urls_settings")),
    path("settings/", include("messaging.urls_settings")),
    path("settings/", include("automation.urls_settings")),
    path("settings/", include("tickets.urls_settings")),
    path("settings/", include("webhooks.urls_settings")),
    path("settings/", include("api.urls_settings")),
    path("settings/", include("followups.urls_settings")),
    path("settings/", include("billing.urls_settings")),
    path("settings/", include("gateway.urls_settings")),
    path("inbox/", include("tickets.urls")),
    path("followups/", include("followups.urls")),
    path("documents/", include("documents.urls")),
    path("invoices/", include("billing.urls")),
    path("dashboard/", include("dashboards.urls")),
    path("portal/", include("portal.urls")),
    path(
        "",
        include(
            (
                [
                    *messaging_public_urls.urlpatterns,
                    path("hooks/anymail/", include("tickets.anymail_urls")),
                ],
                "comms-public",
            )
        ),
    ),
    path("", include("tickets.urls_public")),
    path("", include("automation.urls")),
    path("", include("messaging.urls")),
    path("", include("leads.urls_public")),
    path("", include("billing.urls_public")),
    path("", include("gateway.urls_public")),
    path("api/v1/", api_v1.urls()),
    re_path(r"^api/", api_v1.unknown_address),
    path("healthz", health.healthz, name="healthz"),
    path("platform-admin/", admin.site.urls),
]

handler400 = "crm.views.errors.bad_request"
handler403 = "crm.views.errors.permission_denied"
handler404 = "crm.views.errors.page_not_found"
handler500 = "crm.views.errors.server_error"
