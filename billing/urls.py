from django.urls import path

from billing.views import invoices, receivables

app_name = "billing"

urlpatterns = [
    path("", receivables.invoice_list, name="list"),
    path("export/invoices.csv", receivables.invoices_export, name="export-invoices"),
    path("export/payments.csv", receivables.payments_export, name="export-payments"),
    path("leads/<int:lead_pk>/", invoices.lead_panel, name="lead-panel"),
    path("leads/<int:lead_pk>/new/", invoices.invoice_create, name="create"),
    path("leads/<int:lead_pk>/payment/", invoices.job_payment, name="lead-payment"),
    path(
        "leads/<int:lead_pk>/from-quote/<int:quote_pk>/",
        invoices.create_from_quote,
        name="create-from-quote",
    ),
    path(
        "leads/<int:lead_pk>/from-quote/<int:quote_pk>/insurance/",
        invoices.insurance_create,
        name="create-insurance",
    ),
    path(
        "leads/<int:lead_pk>/claims/<int:claim_pk>/release/",
        invoices.claim_release,
        name="claim-release",
    ),
    path("leads/<int:lead_pk>/<int:invoice_pk>/", invoices.invoice_detail, name="detail"),
    path(
        "leads/<int:lead_pk>/<int:invoice_pk>/issue/",
        invoices.invoice_issue_to_insurer,
        name="issue-to-insurer",
    ),
    path("leads/<int:lead_pk>/<int:invoice_pk>/pdf/", invoices.invoice_pdf, name="pdf"),
    path("leads/<int:lead_pk>/quotes/<int:quote_pk>/pdf/", invoices.quote_pdf, name="quote-pdf"),
    path("leads/<int:lead_pk>/<int:invoice_pk>/send/", invoices.invoice_send, name="send"),
    path("leads/<int:lead_pk>/<int:invoice_pk>/void/", invoices.invoice_void, name="void"),
    path(
        "leads/<int:lead_pk>/<int:invoice_pk>/payment/",
        invoices.invoice_payment,
        name="payment",
    ),
    path("leads/<int:lead_pk>/<int:invoice_pk>/refund/", invoices.invoice_refund, name="refund"),
    path(
        "leads/<int:lead_pk>/<int:invoice_pk>/payments/<int:payment_pk>/refund/",
        invoices.online_refund,
        name="online-refund",
    ),
]
