"""The portal's documents pages, included by portal/urls.py under the "portal" namespace."""

from django.urls import path

from portal import views_documents

urlpatterns = [
    path("", views_documents.documents_page, name="documents"),
    path("upload/", views_documents.document_upload, name="document-upload"),
    path("<int:document_pk>/", views_documents.document_open, name="document-open"),
    # A signed link made for one customer and one document, valid for minutes (documents/downloads.py).
    path("download/<str:token>/", views_documents.document_download, name="document-download"),
]
