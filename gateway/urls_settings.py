"""The online payments settings under /settings/payments/ (admins only)."""

from django.urls import path

from gateway.views import settings as views

app_name = "gateway-settings"

urlpatterns = [
    path("payments/", views.account, name="account"),
    path("payments/try/", views.account_try, name="try"),
]
