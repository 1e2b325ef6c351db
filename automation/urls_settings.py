"""Admin pages of automation under /settings/, in the ``automation-settings`` namespace."""

from django.urls import path

from automation.views import sequences, triggers

app_name = "automation-settings"

urlpatterns = [
    # --- Triggers (automation.views.triggers)
    path("triggers/", triggers.trigger_list, name="triggers"),
    path("triggers/new/", triggers.trigger_create, name="trigger-create"),
    path("triggers/<int:trigger_pk>/", triggers.trigger_edit, name="trigger-edit"),
    path("triggers/<int:trigger_pk>/toggle/", triggers.trigger_toggle, name="trigger-toggle"),
    path("triggers/<int:trigger_pk>/delete/", triggers.trigger_delete, name="trigger-delete"),
    path("triggers/<int:trigger_pk>/steps/new/", triggers.step_create, name="trigger-step-create"),
    path("trigger-steps/<int:step_pk>/", triggers.step_edit, name="trigger-step-edit"),
    path("trigger-steps/<int:step_pk>/delete/", triggers.step_delete, name="trigger-step-delete"),
    path("trigger-steps/<int:step_pk>/move/", triggers.step_move, name="trigger-step-move"),
    # --- sequences (automation.views.sequences)
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
]
