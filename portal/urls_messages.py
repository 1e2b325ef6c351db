"""The portal's messages pages, included by portal/urls.py under the "portal" namespace."""

from django.urls import path

from portal.views import messages

urlpatterns: list = [
    path("", messages.messages_page, name="messages"),
    path("sent/", messages.messages_page, name="messages-sent"),
]
