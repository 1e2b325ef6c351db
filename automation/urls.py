"""Staff pages of automation outside /settings/. They keep the URL names they had before
automation was its own app: config/urls.py mounts each list in the namespace named here."""

from django.urls import path

from automation.views import sequences, updates

# In the ``comms`` namespace, at the site's root.
update_urlpatterns = [
    # --- Customer updates (automation.views.updates)
    path("updates/", updates.updates_due, name="updates"),
    path("leads/<int:lead_pk>/messages/", updates.lead_messages, name="lead-messages"),
    path("leads/<int:lead_pk>/send-update/", updates.lead_send_update, name="send-update"),
]

# In the ``followups`` namespace, under /followups/.
sequence_panel_urlpatterns = [
    # --- sequences (automation.views.sequences): the enrol panel of lead and contact pages
    path("leads/<int:lead_pk>/sequences/", sequences.lead_sequences, name="lead-sequences"),
    path(
        "contacts/<int:contact_pk>/sequences/",
        sequences.contact_sequences,
        name="contact-sequences",
    ),
    path(
        "sequence-enrolments/<int:enrolment_pk>/stop/",
        sequences.enrolment_stop_from_page,
        name="enrolment-stop",
    ),
    path("sequences/enrol/", sequences.sequences_enrol_bulk, name="sequences-enrol"),
]
