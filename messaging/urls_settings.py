"""Admin pages for message templates, the delivery policy and the outbox (/settings/), in the
``comms-settings`` namespace."""

from django.urls import path

from messaging.views import delivery, outbox, templates

app_name = "comms-settings"

urlpatterns = [
    # --- Templates (messaging.views.templates)
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
    # --- Delivery policy and customer updates (messaging.views.delivery)
    path("delivery/", delivery.delivery_policy, name="delivery"),
    # --- Outbox (messaging.views.outbox)
    path("outbox/", outbox.outbox_list, name="outbox"),
    path("outbox/<int:message_pk>/", outbox.message_detail, name="message"),
    path("outbox/<int:message_pk>/cancel/", outbox.message_cancel, name="message-cancel"),
    path("outbox/<int:message_pk>/retry/", outbox.message_retry, name="message-retry"),
]
