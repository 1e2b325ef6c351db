from django.urls import include, path

from crm import urls as crm_urls
from shell.views import contacts, home

contact_patterns = (
    [
        path("", contacts.contact_list, name="list"),
        path("<int:contact_pk>/", contacts.contact_detail, name="detail"),
        *crm_urls.contact_patterns,
    ],
    "contacts",
)

urlpatterns = [
    path("", home.home, name="home"),
    path("contacts/", include(contact_patterns)),
]
