"""Staff pages of the comms engine outside /settings/: customer updates, one's own notification
preferences, and the comms panel of a contact."""

from django.urls import path

from comms.views import contacts, preferences, updates

app_name = "comms"

urlpatterns = [
    # --- Customer updates (comms.views.updates)
    path("updates/", updates.updates_due, name="updates"),
    path("leads/<int:lead_pk>/messages/", updates.lead_messages, name="lead-messages"),
    path("leads/<int:lead_pk>/send-update/", updates.lead_send_update, name="send-update"),
    # --- Notification preferences and contact panel (comms.views.preferences, comms.views.contacts)
    path(
        "notifications/preferences/",
        preferences.notification_preferences,
        name="notification-preferences",
    ),
    path(
        "notifications/preferences/phone/",
        preferences.notification_phone,
        name="notification-phone",
    ),
    path("contacts/<int:contact_pk>/comms/", contacts.contact_panel, name="contact-panel"),
    path(
        "contacts/<int:contact_pk>/comms/consent/",
        contacts.contact_consent,
        name="contact-consent",
    ),
    path(
        "contacts/<int:contact_pk>/comms/profile/",
        contacts.contact_profile,
        name="contact-profile",
    ),
    path(
        "contacts/<int:contact_pk>/comms/bounce/clear/",
        contacts.contact_bounce_clear,
        name="contact-bounce-clear",
    ),
]
