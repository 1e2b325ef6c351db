"""The staff side of the portal, on the contact page (namespace "portal-staff")."""

from django.urls import path

from portal.views import staff

app_name = "portal-staff"

urlpatterns = [
    path("<int:contact_pk>/portal-invite/", staff.contact_invite, name="invite"),
]
