"""Staff pages of automation outside /settings/, in the ``automation`` namespace. Their paths are
the ones they had before automation was its own app (customer updates at the site's root, the
sequences' enrol panels under /followups/), so bookmarks and pages left open still reach them."""

from django.urls import include, path

from automation.views import sequences, updates

# At the site's root.
update_urlpatterns = [
    # --- Customer updates (automation.views.updates)
    path("updates/", updates.updates_due, name="updates"),
    path("leads/<int:lead_pk>/messages/", updates.lead_messages, name="lead-messages"),
    path("leads/<int:lead_pk>/send-update/", updates.lead_send_update, name="send-update"),
]

# Under /followups/.
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

app_name = "automation"
urlpatterns = [*update_urlpatterns, path("followups/", include(sequence_panel_urlpatterns))]
