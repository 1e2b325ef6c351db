from django.urls import path

from leads.views import imports, leads, quotes

# leads' own pages and actions. They share the "leads" namespace with the lead list and its row
# actions, which shell.urls composes (the list shows other apps' parts).
lead_patterns = [
    path("new/", leads.lead_create, name="create"),
    path("bulk/assign/", leads.lead_bulk_assign, name="bulk-assign"),
    path("filters/save/", leads.saved_filter_save, name="filter-save"),
    path(
        "filters/<int:saved_filter_pk>/delete/",
        leads.saved_filter_delete,
        name="filter-delete",
    ),
    path("<int:lead_pk>/edit/", leads.lead_edit, name="edit"),
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
