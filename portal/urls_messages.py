"""The portal's messages pages, included by portal/urls.py under the "portal" namespace."""

from django.urls import path

from portal import views_messages

urlpatterns: list = [
    path("", views_messages.messages_page, name="messages"),
    path("sent/", views_messages.messages_page, name="messages-sent"),
]
