"""The product's URLs plus /bench-admin/: a stock ModelAdmin changelist of the leads (50 a page,
the same joins the list shows), open to any signed-in member of the tenant for the bench only."""

from django.contrib import admin
from django.urls import include, path

from leads.models import Lead


class BenchAdminSite(admin.AdminSite):
    site_header = "bench"

    def has_permission(self, request):
        return request.user.is_active and request.user.is_authenticated


class LeadAdmin(admin.ModelAdmin):
    list_display = (
        "number", "title", "contact", "property", "stage", "owner", "estimated_value", "source",
        "status", "priority_score", "stage_entered_at", "next_follow_up_at",
    )  # fmt: skip
    list_select_related = ("contact", "property", "stage", "owner__user", "source")
    list_filter = ("status", "lead_type")
    search_fields = ("contact__first_name", "contact__last_name", "number")
    ordering = ("-priority_score", "-id")
    list_per_page = 50

    def has_view_permission(self, request, obj=None):
        return True

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


site = BenchAdminSite(name="bench_admin")
site.register(Lead, LeadAdmin)

urlpatterns = [path("bench-admin/", site.urls), path("", include("config.urls"))]
