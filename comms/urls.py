"""Staff pages of the comms engine outside /settings/: customer updates, one's own notification
preferences, and the comms panel of a contact."""

from django.urls import path

from comms.views import contacts, preferences, updates

app_name = "comms"

urlpatterns = [
    # --- Customer updates (comms.views.updates)
    # --- Notification preferences and contact panel (comms.views.preferences, comms.views.contacts)
]
