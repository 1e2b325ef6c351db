from django.urls import path

from documents import views

app_name = "documents"

urlpatterns = [
    path("leads/<int:lead_pk>/", views.lead_documents, name="lead-panel"),
    path("contacts/<int:contact_pk>/", views.contact_documents, name="contact-panel"),
    path("<int:document_pk>/open/", views.document_open, name="open"),
    path("<int:document_pk>/visibility/", views.document_visibility, name="visibility"),
    path("<int:document_pk>/delete/", views.document_delete, name="delete"),
    path("download/<str:token>/", views.document_download, name="download"),
]
