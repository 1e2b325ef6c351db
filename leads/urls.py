from django.urls import path

from leads.views import imports, leads, quotes

app_name = "leads"

urlpatterns = [
    path("", leads.lead_list, name="list"),
    path("new/", leads.lead_create, name="create"),
    path("bulk/assign/", leads.lead_bulk_assign, name="bulk-assign"),
    path("filters/save/", leads.saved_filter_save, name="filter-save"),
    path(
        "filters/<int:saved_filter_pk>/delete/",
        leads.saved_filter_delete,
        name="filter-delete",
    ),
    path("<int:lead_pk>/", leads.lead_detail, name="detail"),
    path("<int:lead_pk>/edit/", leads.lead_edit, name="edit"),
    path("<int:lead_pk>/row/", leads.lead_row, name="row"),
    path("<int:lead_pk>/actions/", leads.lead_actions, name="actions"),
    path("<int:lead_pk>/next-stage/", leads.lead_next_stage, name="next-stage"),
    path("<int:lead_pk>/stage/", leads.lead_pick_stage, name="stage"),
    path("<int:lead_pk>/assign/", leads.lead_assign, name="assign"),
    path("<int:lead_pk>/note/", leads.lead_note, name="note"),
    path("<int:lead_pk>/call/", leads.lead_call, name="call"),
    path("<int:lead_pk>/lost/", leads.lead_lost, name="lost"),
    path("<int:lead_pk>/reopen/", leads.lead_reopen, name="reopen"),
    # --- Quotes and payments (leads.views.quotes)
    path("<int:lead_pk>/quotes/new/", quotes.quote_create, name="quote-create"),
    path("<int:lead_pk>/quotes/<int:quote_pk>/", quotes.quote_detail, name="quote-detail"),
    path("<int:lead_pk>/quotes/<int:quote_pk>/edit/", quotes.quote_edit, name="quote-edit"),
    path("<int:lead_pk>/quotes/<int:quote_pk>/send/", quotes.quote_send, name="quote-send"),
    path("<int:lead_pk>/payments/new/", quotes.payment_create, name="payment-create"),
    # --- CSV import (leads.views.imports)
    path("import/", imports.import_upload, name="import"),
    path("import/<int:lead_import_pk>/", imports.import_detail, name="import-detail"),
    path("import/<int:lead_import_pk>/run/", imports.import_run, name="import-run"),
    path(
        "import/<int:lead_import_pk>/rejected.csv",
        imports.import_rejected_csv,
        name="import-rejected",
    ),
]
