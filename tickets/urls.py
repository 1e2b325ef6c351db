"""The agent's inbox at /inbox/."""

from django.urls import path

from tickets.views import inbox

app_name = "tickets"

urlpatterns = [
    # --- inbox (tickets.views.inbox)
    path("", inbox.ticket_list, name="inbox"),
    path("bulk/", inbox.tickets_bulk, name="bulk"),
    path("<int:ticket_pk>/", inbox.ticket_detail, name="detail"),
    path("<int:ticket_pk>/reply/", inbox.ticket_reply, name="reply"),
    path("<int:ticket_pk>/note/", inbox.ticket_note, name="note"),
    path("<int:ticket_pk>/call/", inbox.ticket_call, name="call"),
    path("<int:ticket_pk>/change/", inbox.ticket_change, name="change"),
    path("<int:ticket_pk>/assign/", inbox.ticket_assign_view, name="assign"),
    path("<int:ticket_pk>/vip/", inbox.ticket_contact_vip, name="contact-vip"),
    path("<int:ticket_pk>/lead/", inbox.ticket_lead_link, name="lead-link"),
    path("<int:ticket_pk>/lead/new/", inbox.ticket_lead_create, name="lead-create"),
    path(
        "<int:ticket_pk>/messages/<int:ticket_message_pk>/status/",
        inbox.message_status,
        name="message-status",
    ),
    path(
        "<int:ticket_pk>/messages/<int:inbound_message_pk>/original/",
        inbox.message_original,
        name="message-original",
    ),
    path(
        "<int:ticket_pk>/attachments/<int:attachment_pk>/",
        inbox.attachment_download,
        name="attachment",
    ),
]
