"""Follow-ups at /followups/, in the ``followups`` namespace."""

from django.urls import path

from followups.views import actions, data, feed, neglect, pages

app_name = "followups"

urlpatterns = [
    # --- pages (followups.views.pages, followups.views.actions)
    path("", pages.follow_up_list, name="list"),
    path("calendar/", pages.follow_up_calendar, name="calendar"),
    path("board/", pages.follow_up_board, name="board"),
    path("new/", pages.follow_up_create, name="create"),
    path("bulk/", pages.follow_ups_bulk, name="bulk"),
    path("filters/save/", pages.saved_filter_save, name="filter-save"),
    path(
        "filters/<int:follow_up_filter_pk>/delete/", pages.saved_filter_delete, name="filter-delete"
    ),
    path("contacts/<int:contact_pk>/", pages.contact_panel, name="contact-panel"),
    path("leads/<int:lead_pk>/", pages.lead_panel, name="lead-panel"),
    path("<int:follow_up_pk>/", pages.follow_up_detail, name="detail"),
    path("<int:follow_up_pk>/edit/", pages.follow_up_edit, name="edit"),
    path("<int:follow_up_pk>/skip/", actions.follow_up_skip, name="skip"),
    path("<int:follow_up_pk>/series/end/", actions.series_end, name="series-end"),
    path("contacts/<int:contact_pk>/timeline/", pages.contact_timeline, name="contact-timeline"),
    path("<int:follow_up_pk>/actions/", actions.follow_up_actions, name="actions"),
    path("<int:follow_up_pk>/start/", actions.follow_up_start, name="start"),
    path("<int:follow_up_pk>/complete/", actions.follow_up_complete, name="complete"),
    path("<int:follow_up_pk>/reschedule/", actions.follow_up_reschedule, name="reschedule"),
    path("<int:follow_up_pk>/cancel/", actions.follow_up_cancel, name="cancel"),
    path("<int:follow_up_pk>/delegate/", actions.follow_up_delegate, name="delegate"),
    path("<int:follow_up_pk>/note/", actions.follow_up_note, name="note"),
    # --- feed (followups.views.feed): the member's private iCalendar link
    path("feed/", feed.feed_page, name="feed"),
    path("feed/create/", feed.feed_create, name="feed-create"),
    path("feed/regenerate/", feed.feed_regenerate, name="feed-regenerate"),
    path("feed/revoke/", feed.feed_revoke, name="feed-revoke"),
    path("feed/<str:token>.ics", feed.feed_ics, name="feed-ics"),
    # --- data (followups.views.data): CSV export of the list, CSV import
    path("export.csv", data.follow_ups_export, name="export"),
    path("import/", data.import_upload, name="import"),
    path("import/<str:token>/", data.import_preview, name="import-preview"),
    path("import/<str:token>/run/", data.import_run, name="import-run"),
    path("import/<str:token>/rejected.csv", data.import_rejected, name="import-rejected"),
    # --- neglect (followups.views.neglect): the lead page's badge, loaded after the page
    path("leads/<int:lead_pk>/neglect/", neglect.lead_neglect_badge, name="lead-neglect"),
]
