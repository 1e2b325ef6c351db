"""The dashboard at /dashboard/."""

from django.urls import path

from dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("", views.dashboard_page, name="home"),
    path("export/<slug:section>.csv", views.section_export, name="export"),
]
