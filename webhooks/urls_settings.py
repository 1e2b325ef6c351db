"""Outbound webhooks under /settings/webhooks/ (admins only)."""

from django.urls import path

from webhooks.views import settings as views

app_name = "webhooks-settings"

urlpatterns = [
    path("webhooks/", views.endpoint_list, name="endpoints"),
    path("webhooks/new/", views.endpoint_edit, name="endpoint-create"),
    path("webhooks/<int:endpoint_pk>/", views.endpoint_detail, name="endpoint"),
    path("webhooks/<int:endpoint_pk>/edit/", views.endpoint_edit, name="endpoint-edit"),
    path("webhooks/<int:endpoint_pk>/delete/", views.endpoint_delete, name="endpoint-delete"),
    path("webhooks/<int:endpoint_pk>/rotate/", views.endpoint_rotate, name="endpoint-rotate"),
    path(
        "webhooks/<int:endpoint_pk>/stop-old-secret/",
        views.endpoint_stop_previous_secret,
        name="endpoint-stop-old-secret",
    ),
    path("webhooks/<int:endpoint_pk>/enable/", views.endpoint_enable, name="endpoint-enable"),
    path("webhooks/<int:endpoint_pk>/disable/", views.endpoint_disable, name="endpoint-disable"),
    path("webhooks/<int:endpoint_pk>/test/", views.endpoint_test, name="endpoint-test"),
]
