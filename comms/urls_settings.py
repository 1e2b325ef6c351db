"""Admin pages for message templates, triggers, the delivery policy and the outbox (/settings/)."""

from django.urls import path

from comms.views import delivery, outbox, templates, triggers

app_name = "comms-settings"

urlpatterns = [
    # --- Templates (comms.views.templates)
    path("templates/", templates.template_list, name="templates"),
    path("templates/new/", templates.template_create, name="template-create"),
    path("templates/<int:template_pk>/", templates.template_edit, name="template"),
    path(
        "templates/<int:template_pk>/archive/",
        templates.template_archive,
        name="template-archive",
    ),
    path(
        "templates/<int:template_pk>/restore/",
        templates.template_restore,
        name="template-restore",
    ),
    path(
        "templates/<int:template_pk>/variants/new/",
        templates.variant_create,
        name="variant-create",
    ),
    path(
        "templates/<int:template_pk>/preview/",
        templates.variant_preview,
        name="variant-preview",
    ),
    path("templates/variants/<int:variant_pk>/", templates.variant_edit, name="variant"),
    path(
        "templates/variants/<int:variant_pk>/delete/",
        templates.variant_delete,
        name="variant-delete",
    ),
    # --- Triggers (comms.views.triggers)
    path("triggers/", triggers.trigger_list, name="triggers"),
    path("triggers/new/", triggers.trigger_create, name="trigger-create"),
    path("triggers/<int:trigger_pk>/", triggers.trigger_edit, name="trigger-edit"),
    path("triggers/<int:trigger_pk>/toggle/", triggers.trigger_toggle, name="trigger-toggle"),
    path("triggers/<int:trigger_pk>/delete/", triggers.trigger_delete, name="trigger-delete"),
    path("triggers/<int:trigger_pk>/steps/new/", triggers.step_create, name="trigger-step-create"),
    path("trigger-steps/<int:step_pk>/", triggers.step_edit, name="trigger-step-edit"),
    path("trigger-steps/<int:step_pk>/delete/", triggers.step_delete, name="trigger-step-delete"),
    path("trigger-steps/<int:step_pk>/move/", triggers.step_move, name="trigger-step-move"),
    # --- Delivery policy and customer updates (comms.views.delivery)
    path("delivery/", delivery.delivery_policy, name="delivery"),
    # --- Outbox (comms.views.outbox)
    path("outbox/", outbox.outbox_list, name="outbox"),
    path("outbox/<int:message_pk>/", outbox.message_detail, name="message"),
    path("outbox/<int:message_pk>/cancel/", outbox.message_cancel, name="message-cancel"),
    path("outbox/<int:message_pk>/retry/", outbox.message_retry, name="message-retry"),
]
