"""Admin pages of follow-ups under /settings/."""

from django.urls import path

from followups.views import sequences
from followups.views import settings as follow_up_settings

app_name = "followups-settings"

urlpatterns = [
    # --- sequences (followups.views.sequences)
    path("sequences/", sequences.sequence_list, name="sequences"),
    path("sequences/new/", sequences.sequence_create, name="sequence-create"),
    path("sequences/<int:sequence_pk>/", sequences.sequence_edit, name="sequence-edit"),
    path("sequences/<int:sequence_pk>/delete/", sequences.sequence_delete, name="sequence-delete"),
    path("sequences/<int:sequence_pk>/steps/new/", sequences.step_create, name="step-create"),
    path("sequence-steps/<int:sequence_step_pk>/", sequences.step_edit, name="step-edit"),
    path(
        "sequence-steps/<int:sequence_step_pk>/delete/", sequences.step_delete, name="step-delete"
    ),
    path(
        "sequences/<int:sequence_pk>/enrolments/",
        sequences.enrolment_list,
        name="enrolments",
    ),
    path(
        "sequence-enrolments/<int:enrolment_pk>/stop/",
        sequences.enrolment_stop,
        name="enrolment-stop",
    ),
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
