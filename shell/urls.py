from django.urls import include, path

from crm import urls as crm_urls
from leads import urls as leads_urls
from shell.views import contacts, home, leads, search

contact_patterns = (
    [
        path("", contacts.contact_list, name="list"),
        path("<int:contact_pk>/", contacts.contact_detail, name="detail"),
        *crm_urls.contact_patterns,
    ],
    "contacts",
)

lead_patterns = (
    [
        path("", leads.lead_list, name="list"),
        path("<int:lead_pk>/", leads.lead_detail, name="detail"),
        path("<int:lead_pk>/row/", leads.lead_row, name="row"),
        path("<int:lead_pk>/actions/", leads.lead_actions, name="actions"),
        path("<int:lead_pk>/next-stage/", leads.lead_next_stage, name="next-stage"),
        path("<int:lead_pk>/stage/", leads.lead_pick_stage, name="stage"),
        path("<int:lead_pk>/assign/", leads.lead_assign, name="assign"),
        path("<int:lead_pk>/note/", leads.lead_note, name="note"),
        path("<int:lead_pk>/call/", leads.lead_call, name="call"),
        path("<int:lead_pk>/lost/", leads.lead_lost, name="lost"),
        path("<int:lead_pk>/reopen/", leads.lead_reopen, name="reopen"),
        *leads_urls.lead_patterns,
    ],
    "leads",
)

urlpatterns = [
    path("", home.home, name="home"),
    path("contacts/", include(contact_patterns)),
    path("leads/", include(lead_patterns)),
    path("search/", search.search, name="search"),
]
