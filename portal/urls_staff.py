"""The staff side of the portal, on the contact page (namespace "portal-staff")."""

from django.urls import path

from portal import views_staff

app_name = "portal-staff"

urlpatterns = [
    path("<int:contact_pk>/portal-invite/", views_staff.contact_invite, name="invite"),
]
