"""The portal's documents pages, included by portal/urls.py under the "portal" namespace."""

from django.urls import path

from portal.views import documents

urlpatterns = [
    path("", documents.documents_page, name="documents"),
    path("upload/", documents.document_upload, name="document-upload"),
    path("<int:document_pk>/", documents.document_open, name="document-open"),
    # A signed link made for one customer and one document, valid for minutes (documents/downloads.py).
    path("download/<str:token>/", documents.document_download, name="document-download"),
]
