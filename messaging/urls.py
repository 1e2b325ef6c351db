"""Staff pages of messaging outside /settings/: one's own notification preferences and the comms
panel of a contact (namespace ``comms``, messaging's app label)."""

from django.urls import path

from messaging.views import contacts, preferences

app_name = "comms"

urlpatterns = [
    # --- Notification preferences and contact panel (messaging.views.preferences, messaging.views.contacts)
    path(
        "notifications/preferences/",
        preferences.notification_preferences,
        name="notification-preferences",
    ),
    path(
        "notifications/preferences/me/",
        preferences.my_preferences,
        name="my-preferences",
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
