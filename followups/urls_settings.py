"""Admin pages of follow-ups under /settings/, in the ``followups-settings`` namespace."""

from django.urls import path

from followups.views import settings as follow_up_settings

app_name = "followups-settings"

urlpatterns = [
    # --- follow-up settings (followups.views.settings)
    path("follow-ups/", follow_up_settings.follow_up_settings, name="follow-up-settings"),
    path("follow-up-types/", follow_up_settings.type_list, name="types"),
    path(
        "follow-up-types/<int:follow_up_type_pk>/", follow_up_settings.type_edit, name="type-edit"
    ),
    path(
        "follow-up-types/<int:follow_up_type_pk>/archive/",
        follow_up_settings.type_archive,
        name="type-archive",
    ),
    path(
        "follow-up-types/<int:follow_up_type_pk>/restore/",
        follow_up_settings.type_restore,
        name="type-restore",
    ),
    path("follow-up-templates/", follow_up_settings.template_list, name="templates"),
    path("follow-up-templates/new/", follow_up_settings.template_edit, name="template-create"),
    path(
        "follow-up-templates/<int:follow_up_template_pk>/",
        follow_up_settings.template_edit,
        name="template-edit",
    ),
]
