"""Admin page for the invoice settings."""

from django.urls import path

from billing.views import settings

app_name = "billing-settings"

urlpatterns = [path("invoices/", settings.invoice_settings, name="settings")]
