"""The root URLconf: each app's URLs under its prefix.

Automation's pages keep the URL names they had before it was split out of comms and followups:
its lists join the namespaces of those apps here (a namespace cannot span two included modules),
so `{% url 'comms:updates' %}` and `{% url 'followups-settings:sequences' %}` still resolve.
Likewise anymail's webhooks, which tickets hardens, stay at `comms-public:anymail:*`.
"""

from django.contrib import admin
from django.urls import include, path, re_path

from api import v1 as api_v1
from automation import urls as automation_urls
from automation import urls_settings as automation_settings_urls
from config import health
from followups import urls as followups_urls
from followups import urls_settings as followups_settings_urls
from messaging import urls as messaging_urls
from messaging import urls_public as messaging_public_urls
from messaging import urls_settings as messaging_settings_urls


def _namespace(name: str, *patterns: list) -> tuple[list, str]:
    return [pattern for listed in patterns for pattern in listed], name


urlpatterns = [
    path("", include("shell.urls")),
    path("", include("crm.urls")),
    path("contacts/", include("portal.urls_staff")),
    path("settings/", include("leads.urls_settings")),
    path(
        "settings/",
        include(
            _namespace(
                "comms-settings",
                messaging_settings_urls.urlpatterns,
                automation_settings_urls.trigger_urlpatterns,
            )
        ),
    ),
    path("settings/", include("tickets.urls_settings")),
    path("settings/", include("webhooks.urls_settings")),
    path("settings/", include("api.urls_settings")),
    path(
        "settings/",
        include(
            _namespace(
                "followups-settings",
                automation_settings_urls.sequence_urlpatterns,
                followups_settings_urls.urlpatterns,
            )
        ),
    ),
    path("inbox/", include("tickets.urls")),
    path(
        "followups/",
        include(
            _namespace(
                "followups",
                followups_urls.urlpatterns,
                automation_urls.sequence_panel_urlpatterns,
            )
        ),
    ),
    path("documents/", include("documents.urls")),
    path("dashboard/", include("dashboards.urls")),
    path("portal/", include("portal.urls")),
    path(
        "",
        include(
            _namespace(
                "comms-public",
                messaging_public_urls.urlpatterns,
                [path("hooks/anymail/", include("tickets.anymail_urls"))],
            )
        ),
    ),
    path("", include("tickets.urls_public")),
    path(
        "",
        include(
            _namespace("comms", automation_urls.update_urlpatterns, messaging_urls.urlpatterns)
        ),
    ),
    path("", include("leads.urls_public")),
    path("api/v1/", api_v1.urls()),
    re_path(r"^api/", api_v1.unknown_address),
    path("healthz", health.healthz, name="healthz"),
    path("platform-admin/", admin.site.urls),
]

handler400 = "crm.views.errors.bad_request"
handler403 = "crm.views.errors.permission_denied"
handler404 = "crm.views.errors.page_not_found"
handler500 = "crm.views.errors.server_error"
