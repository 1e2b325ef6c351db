"""A URL whose view fails halfway through a write, for the error-handling tests."""

from django.urls import include, path

from crm.models import Notification
from crm.permissions import tenant_member_required


@tenant_member_required
def write_then_fail(request):
    Notification.objects.create(tenant=request.tenant, recipient=request.user, title="half-done")
    raise RuntimeError("the view broke after writing")


urlpatterns = [
    path("fail/", write_then_fail),
    path("", include("crm.urls")),
]

handler500 = "crm.views.errors.server_error"
