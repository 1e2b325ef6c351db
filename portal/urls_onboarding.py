"""The portal's onboarding pages, included by portal/urls.py under the "portal" namespace."""

from django.urls import path

from portal.views import onboarding

urlpatterns = [
    path("", onboarding.onboarding_page, name="onboarding"),
    # Staff, from the contact page's "Customer portal" card: ask the customer for a document.
    path(
        "staff/<int:contact_pk>/request-document/",
        onboarding.staff_document_request,
        name="onboarding-request-document",
    ),
]
