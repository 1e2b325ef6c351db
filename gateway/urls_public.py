"""What reaches the gateway without a session: the provider's webhook (its signature is the
credential, checked with the tenant's own secret) and the sandbox's checkout page (a signed,
expiring link)."""

from django.urls import path

from gateway.views import sandbox, webhooks

app_name = "gateway-public"

urlpatterns = [
    path("hooks/payments/stripe/<str:token>/", webhooks.stripe_webhook, name="stripe-webhook"),
    path("pay/sandbox/<str:token>/", sandbox.checkout_page, name="sandbox-checkout"),
]
