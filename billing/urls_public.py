"""The customer's invoice page from its signed link (no account)."""

from django.urls import path

from billing.views import public

app_name = "billing-public"

urlpatterns = [
    path("i/<str:token>/", public.invoice_page, name="invoice"),
    path("i/<str:token>/pdf/", public.invoice_pdf, name="invoice-pdf"),
    path("i/<str:token>/pay/", public.invoice_pay, name="invoice-pay"),
]
