"""The portal's invoice pages, included by portal/urls.py under the "portal" namespace."""

from django.urls import path

from portal.views import invoices

urlpatterns: list = [
    path("", invoices.invoice_list, name="invoices"),
    path("<int:invoice_pk>/", invoices.invoice_detail, name="invoice"),
    path("<int:invoice_pk>/pdf/", invoices.invoice_pdf, name="invoice-pdf"),
    path("<int:invoice_pk>/pay/", invoices.invoice_pay, name="invoice-pay"),
]
