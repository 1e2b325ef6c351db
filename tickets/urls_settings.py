"""Admin configuration of the inbox under /settings/: inboxes, addresses, SLA policies."""

from django.urls import path

from tickets.views import settings as ticket_settings

app_name = "tickets-settings"

urlpatterns = [
    # --- settings (tickets.views.settings)
    path("inboxes/", ticket_settings.inbox_list, name="inboxes"),
    path("inboxes/new/", ticket_settings.inbox_edit, name="inbox-create"),
    path("inboxes/<int:inbox_pk>/", ticket_settings.inbox_detail, name="inbox"),
    path("inboxes/<int:inbox_pk>/edit/", ticket_settings.inbox_edit, name="inbox-edit"),
    path("inboxes/<int:inbox_pk>/agents/", ticket_settings.agent_save, name="agent-save"),
    path(
        "inboxes/<int:inbox_pk>/agents/<int:membership_pk>/remove/",
        ticket_settings.agent_remove,
        name="agent-remove",
    ),
    path(
        "inboxes/<int:inbox_pk>/addresses/new/",
        ticket_settings.address_create,
        name="address-create",
    ),
    path("inbox-addresses/<int:address_pk>/", ticket_settings.address_edit, name="address-edit"),
    path(
        "inbox-addresses/<int:address_pk>/delete/",
        ticket_settings.address_delete,
        name="address-delete",
    ),
    path("sla/", ticket_settings.sla_policies, name="sla"),
    path("inbox-rules/", ticket_settings.inbox_settings, name="inbox-settings"),
    path("inbound/", ticket_settings.inbound_log, name="inbound"),
    path("inbound/<int:event_pk>/retry/", ticket_settings.inbound_retry, name="inbound-retry"),
    path(
        "inbound/<int:event_pk>/original/",
        ticket_settings.inbound_original,
        name="inbound-original",
    ),
]
